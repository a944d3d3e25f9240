// The servers a benchmark talks to, each in its own process so the load generator never
// shares an event loop with what it measures: Doorbell and the relay worker under
// `wrangler dev` (test/support/dev-server.mjs), the Node peers as child processes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { freePort, root, startDevServer } from '../../test/support/dev-server.mjs';

export const work = `${root}bench/results/tmp`;

const RAM_DISK = '/dev/shm';

/**
 * Where the servers keep their state (SQLite files of every object and of the local D1), the
 * same place for Doorbell and the relay: a tmpfs unless `onDisk` or the machine has none. On
 * this VM's disk SQLite's syncs stalled workerd's one thread for 100–400 ms a few times a run
 * and moved the references by ±30% from run to run (docs/benchmarks.md, its opening paragraph);
 * Cloudflare's storage does not sync to a local disk at all.
 */
export function stateRoot(onDisk) {
  if (!onDisk) {
    try {
      accessSync(RAM_DISK, constants.W_OK);
      // One directory per clone, so that benches of two trees never share a state.
      return { dir: `${RAM_DISK}/doorbell-bench-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`, on: 'tmpfs' };
    } catch {
      // No tmpfs here: the disk it is.
    }
  }
  return { dir: work, on: 'disk' };
}

/** Doorbell as `npm start` runs it: fresh state, migrations, the demo directory. */
export const startProduct = (log, state) => startDevServer({ work: `${state.dir}/doorbell`, log });

/** The bare relay Durable Object (and its storing variant) on the same local runtime. */
export const startRelay = (log, state) => startDevServer({ work: `${state.dir}/relay`, config: 'bench/peers/relay-worker/wrangler.toml', log });

/** A Node reference peer (bench/peers/*.mjs) on a free port; resolves once it listens. */
export async function startNodePeer(script, log) {
  const port = await freePort();
  log(`starting ${script} on port ${port}`);
  const child = spawn(process.execPath, [`${root}bench/peers/${script}`, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout.on('data', (d) => String(d).includes('listening') && resolve());
  });
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

const parentOf = (pid) => {
  try {
    // The command name is in parentheses and may hold spaces; the fields after it are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
};

const commandOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/** The workerd processes below `rootPid` (wrangler dev's group leader). */
export function workerdPids(rootPid) {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const descends = (pid) => {
    for (let p = pid, hops = 0; p && hops < 20; p = parentOf(p), hops++) if (p === rootPid) return true;
    return false;
  };
  return pids.filter((pid) => commandOf(pid) === 'workerd' && descends(pid));
}

/** The first workerd process below `rootPid`, or null. */
export const workerdPid = (rootPid) => workerdPids(rootPid)[0] ?? null;

/** Resident memory of a process in MiB, from /proc/<pid>/status (VmRSS), or null. */
export function rssMiB(pid) {
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Math.round((Number(kib) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; 0 once it is gone. */
export const cpuMs = (pid) => ticksMs(`/proc/${pid}/stat`);

/**
 * The same for the process's main thread alone (/proc/<pid>/task/<pid>/stat): under
 * `wrangler dev` the thread workerd runs the Worker, every object and D1 on, so what it can
 * give is at most a second of CPU a second, however many cores the machine has.
 */
export const mainThreadCpuMs = (pid) => ticksMs(`/proc/${pid}/task/${pid}/stat`);

/**
 * Starts counting workerd's CPU over `pids`; the answer reads what was used since, in ms: in
 * all (every thread) and on the main threads alone.
 */
export function cpuMeter(pids) {
  const read = () => ({ allMs: pids.reduce((sum, p) => sum + cpuMs(p), 0), mainThreadMs: pids.reduce((sum, p) => sum + mainThreadCpuMs(p), 0) });
  const start = read();
  return () => {
    const now = read();
    return { allMs: now.allMs - start.allMs, mainThreadMs: now.mainThreadMs - start.mainThreadMs };
  };
}

function ticksMs(path) {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
