// The machine a run measured, printed with every scenario and kept in every result file.
import { readFileSync } from 'node:fs';
import os from 'node:os';

const osName = () => {
  try {
    return /^PRETTY_NAME="?(.*?)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
};

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${osName()} (${os.type()} ${os.release()} ${os.arch()})`,
    // Other work on the machine skews figures; the load average at the start says how much.
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export const describeMachine = (m) =>
  `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node.replace(/^v/, '')}, ${m.os}, load ${m.loadAverage.join(' / ')}`;
