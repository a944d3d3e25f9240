// Where the Worker's time goes: a V8 CPU profile of the Doorbell isolate, recorded through
// the DevTools port `wrangler dev` opens, with each sample charged to the nearest function
// on its stack that names a layer (frame validation, storage, delivery, inbox updates...).
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';

/** Nearest-ancestor rules: the first function on the stack (innermost first) that one names wins. */
const LAYERS = [
  ['inbox updates (per agent participant)', ['syncInboxes', 'updateInboxes', 'apply']],
  ['frame validation (zod)', ['safeParse']],
  ['webhook events (subscribers read from D1, sent in the background)', ['emitInBackground', 'conversationEvents', 'emitWebhookEvents']],
  ['email digests (queue and alarm per message)', ['queue', 'arm']],
  ['storage (timeline insert with its dedupe check, transaction)', ['findByClientId', 'commit', 'append', 'appendUnlessSent']],
  ['delivery (entry frame to every socket)', ['broadcast']],
  ['other per-message work (parse, rate limit, access, ack)', ['webSocketMessage']],
  // D1 answers resume after an await, so their stacks no longer show who asked; during a
  // message load that is mostly the webhook subscribers read for each message.
  ['D1 queries (webhook subscribers per message, digests)', ['_send']],
  ['HTTP routes (setup, history reads)', ['runEndpoint', 'fetch']],
  ['garbage collection', ['(garbage collector)']],
  ['runtime outside JavaScript', ['(program)']],
];
const IDLE = '(idle)';
/** The profiler's sampling interval, in microseconds. */
const INTERVAL_US = 500;
/**
 * A sample stands for at most this much time. workerd's profiler takes no sample while the
 * isolate waits outside its lock, and V8 then charges the whole gap (once 1.46 s) to the next
 * sample, to whatever function that happened to be in; the rest is reported as `gaps`.
 */
const SAMPLE_CAP_US = 10 * INTERVAL_US;

async function devtools(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let next = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  const call = (method, params = {}) => new Promise((resolve) => (pending.set(++next, resolve), ws.send(JSON.stringify({ id: next, method, params }))));
  return { call, close: () => ws.close() };
}

/** Milliseconds per layer of a CDP profile, and the total time the isolate was busy. */
export function layers(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const layerOf = new Map();
  const classify = (id) => {
    if (layerOf.has(id)) return layerOf.get(id);
    const { functionName: name, url } = byId.get(id).callFrame;
    // Built-ins (no url) such as Function.prototype.apply never name a layer, except the profiler's own pseudo-frames.
    const named = url !== '' || name.startsWith('(');
    const rule = name === IDLE ? IDLE : named ? LAYERS.find(([, names]) => names.includes(name))?.[0] : undefined;
    const layer = rule ?? (parent.has(id) ? classify(parent.get(id)) : 'other');
    layerOf.set(id, layer);
    return layer;
  };
  const ms = new Map();
  let gapsUs = 0;
  profile.samples.forEach((id, k) => {
    const layer = classify(id);
    const delta = profile.timeDeltas[k] ?? 0;
    gapsUs += Math.max(0, delta - SAMPLE_CAP_US);
    ms.set(layer, (ms.get(layer) ?? 0) + Math.min(delta, SAMPLE_CAP_US) / 1000);
  });
  const busy = [...ms].filter(([l]) => l !== IDLE).reduce((a, [, v]) => a + v, 0);
  return {
    busyMs: Math.round(busy),
    idleMs: Math.round(ms.get(IDLE) ?? 0),
    gapsMs: Math.round(gapsUs / 1000),
    layers: [...ms].filter(([l]) => l !== IDLE).sort((a, b) => b[1] - a[1]).map(([layer, v]) => ({ layer, ms: Math.round(v), share: Math.round((v / busy) * 1000) / 10 })),
  };
}

/**
 * Runs `during()` while the Worker's isolate is profiled; resolves with its result and the
 * layers. The raw profile is kept at `file` (open it in Chrome DevTools, Performance tab).
 */
export async function profiled(inspectorPort, file, during) {
  const tools = await devtools(inspectorPort);
  try {
    await tools.call('Profiler.enable');
    await tools.call('Profiler.setSamplingInterval', { interval: INTERVAL_US });
    await tools.call('Profiler.start');
    const result = await during();
    const { profile } = await tools.call('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    return { result, profile: layers(profile) };
  } finally {
    tools.close();
  }
}
