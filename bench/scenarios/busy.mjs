// 2. One busy conversation: the highest sustained rate of stored, acknowledged messages in
// a single conversation. Closed loop: every socket keeps a window of unacknowledged sends,
// so the server sets the pace; the run then reads the timeline back to check that every
// acknowledged message is stored exactly once. A second, shorter pass runs under the V8
// profiler to show which layer of the Worker the time goes to (not counted in the figures).
// The reference, first and under the same closed loop: the storing relay Durable Object
// (bench/peers/relay-worker, one SQLite write per frame, acknowledged after forwarding).
//
// The protocol limits each socket to 50 frames/s (docs/protocol.md), so the load is spread
// over many sockets of the same two people (a guest's tabs and an agent's consoles), each
// paced just under the limit. That puts a ceiling of sockets × pace on what can be offered;
// the result says when the ceiling, not the server, was reached.
import { doorbell, newGuest } from '../lib/doorbell.mjs';
import { inParallel, until } from '../lib/pace.mjs';
import { profiled } from '../lib/profile.mjs';
import { log, progress } from '../lib/progress.mjs';
import { work } from '../lib/servers.mjs';
import { openWebSocket } from '../lib/sockets.mjs';
import { perSecond, ratio, summarize } from '../lib/stats.mjs';

const PACE = 48; // per socket per second, under the server's 50
const WINDOW = 8; // unacknowledged sends per socket

/** `sockets` sockets (socket s at `urlOf(s)`) sending in a closed loop; `drive(label, ms)` runs it for a while. */
async function closedLoop(urlOf, sockets) {
  const sentAt = new Map(); // clientId → time of its latest send
  const acked = new Map(); // clientId → seq
  const acks = []; // [time, latency]
  const counts = { rateLimited: 0, errors: 0, duplicates: 0 };
  const state = [];
  const onText = (s) => (t) => {
    // Only acks and errors matter here; entries (every socket gets every one) are skipped unparsed.
    if (!t.startsWith('{"type":"ack"') && !t.startsWith('{"type":"error"')) return;
    const frame = JSON.parse(t);
    const now = performance.now();
    state[s].inflight--;
    if (frame.type === 'error') {
      if (frame.code === 'rate_limited') (counts.rateLimited++, state[s].retry.push(frame.clientId));
      else counts.errors++;
      return;
    }
    if (frame.duplicate || acked.has(frame.clientId)) counts.duplicates++;
    acked.set(frame.clientId, frame.seq);
    acks.push([now, now - sentAt.get(frame.clientId)]);
  };
  const links = await inParallel(sockets, (s) => {
    state[s] = { inflight: 0, tokens: 0, retry: [], next: 0 };
    return openWebSocket(urlOf(s), onText(s));
  });
  let pass = 0;
  const drive = async (label, ms) => {
    pass++;
    const until_ = performance.now() + ms;
    const from = acks.length;
    let last = performance.now();
    const bar = progress(label, () => `${acks.length - from} acknowledged, ${counts.rateLimited} rate-limited`);
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        const dt = now - last;
        last = now;
        if (now >= until_) return resolve();
        links.forEach((link, s) => {
          const st = state[s];
          st.tokens = Math.min(4, st.tokens + (dt * PACE) / 1000);
          while (st.tokens >= 1 && st.inflight < WINDOW) {
            const clientId = st.retry.shift() ?? `b-${pass}-${s}-${st.next++}`;
            sentAt.set(clientId, performance.now());
            link.send(JSON.stringify({ type: 'send', clientId, text: `Busy message ${clientId}` }));
            st.tokens--;
            st.inflight++;
          }
        });
        setTimeout(tick, 2);
      };
      tick();
    });
    await until(() => state.every((st) => st.inflight === 0), 10_000);
    bar.done();
    return acks.length - from;
  };
  return { drive, acks, acked, counts, close: () => links.forEach((l) => l.close()) };
}

/** Drives the loop for warm-up and measurement; the figures of the measured window. */
async function measure(loop, label, { sockets, warmupMs, measureMs }) {
  const started = performance.now();
  await loop.drive(label, warmupMs + measureMs);
  const measureFrom = started + warmupMs;
  const inWindow = loop.acks.filter(([t]) => t >= measureFrom && t < measureFrom + measureMs);
  const rate = perSecond(inWindow.length, measureMs);
  return { ackedPerSecond: rate, ceilingReached: rate >= sockets * PACE * 0.97, ackMs: summarize(inWindow.map(([, l]) => l)), acknowledged: loop.acked.size };
}

/**
 * A profiled pass after the measured one: where the isolate's wall time went per message
 * (its JavaScript, time outside its lock, idle), the same split for Doorbell and the relay.
 */
async function profilePass(loop, inspectorPort, name, ms) {
  const { result: messages, profile } = await profiled(inspectorPort, `${work}/${name}.cpuprofile`, () => loop.drive(`${name}: profiling`, ms));
  const per = (v) => Math.round((v / messages) * 1000) / 1000;
  return { ...profile, messages, busyMsPerMessage: per(profile.busyMs), gapsMsPerMessage: per(profile.gapsMs), idleMsPerMessage: per(profile.idleMs) };
}

/** The storing relay under the same loop: `sockets` sockets in one room. */
async function reference(ctx, sizes) {
  const relay = await ctx.relay();
  const url = `${relay.base.replace('http', 'ws')}/stored/busy-${Date.now()}?ack`;
  log(`busy: storing relay, ${sizes.sockets} sockets`);
  const loop = await closedLoop(() => url, sizes.sockets);
  const figures = await measure(loop, 'busy: storing relay', sizes);
  const profile = await profilePass(loop, relay.inspectorPort, 'busy-relay', sizes.profileMs);
  loop.close();
  if (!ctx.quick) await ctx.stopAll();
  return { ...figures, duplicateAcks: loop.counts.duplicates, errors: loop.counts.errors, profile };
}

export default {
  name: 'busy',
  title: 'One busy conversation',
  async run(ctx) {
    const sockets = ctx.quick ? 8 : 32;
    const warmupMs = ctx.quick ? 500 : 3000;
    const measureMs = ctx.quick ? 2000 : 15_000;
    const sizes = { sockets, warmupMs, measureMs, profileMs: ctx.quick ? 1000 : 5000 };
    const storingRelay = await reference(ctx, sizes);
    const server = await ctx.product();
    const api = doorbell(server);
    const agent = await api.agent('busy-agent');
    const guest = await newGuest(api.call, 'Busy Guest');
    const id = await api.conversation(guest, { kind: 'agent', slug: agent.slug });
    log(`busy: ${sockets} sockets (${sockets / 2} guest tabs, ${sockets / 2} agent consoles), window ${WINDOW}, ${PACE}/s each`);
    const loop = await closedLoop((s) => api.socketUrl(id, [guest, agent][s % 2].token), sockets);
    const figures = await measure(loop, 'busy: measuring', sizes);
    const profile = await profilePass(loop, server.inspectorPort, 'busy', sizes.profileMs);
    loop.close();

    const stored = (await api.timeline(id, agent.headers)).filter((e) => e.kind === 'message' && e.clientId?.startsWith('b-'));
    const storedIds = new Set(stored.map((e) => e.clientId));
    return {
      params: { sockets, pacePerSocket: PACE, window: WINDOW, warmupMs, measureMs, offeredCeiling: sockets * PACE },
      storingRelay,
      figures: {
        ...figures,
        acknowledgedWithProfilePass: loop.acked.size,
        stored: stored.length,
        storedTwice: stored.length - storedIds.size,
        ackedButMissing: [...loop.acked.keys()].filter((c) => !storedIds.has(c)).length,
        duplicateAcks: loop.counts.duplicates,
        rateLimited: loop.counts.rateLimited,
        errors: loop.counts.errors,
      },
      profile,
    };
  },
  print({ params, figures: f, profile, storingRelay: r }) {
    return [
      `storing relay: ${r.ackedPerSecond} acknowledged msg/s${r.ceilingReached ? ' (ceiling)' : ''}; ack p50 ${r.ackMs.p50} ms p99 ${r.ackMs.p99}; Doorbell ${ratio(f.ackedPerSecond, r.ackedPerSecond)}× of it`,
      `${f.ackedPerSecond} stored, acknowledged msg/s${f.ceilingReached ? ` (the offered ceiling of ${params.offeredCeiling}/s was reached)` : ''}; ack p50 ${f.ackMs.p50} ms p95 ${f.ackMs.p95} p99 ${f.ackMs.p99} max ${f.ackMs.max}`,
      `${f.acknowledgedWithProfilePass} acknowledged (both passes), ${f.stored} stored, ${f.ackedButMissing} acknowledged but missing, ${f.storedTwice} stored twice, ${f.rateLimited} rate-limited, ${f.errors} other errors`,
      `profile: ${profile.busyMsPerMessage} ms of Worker time per message (isolate idle ${profile.idleMs} ms of ${profile.idleMs + profile.busyMs} ms):`,
      ...profile.layers.map((l) => `  ${String(l.share).padStart(5)}%  ${l.layer}`),
      ...[['Doorbell', profile], ['storing relay', r.profile]].map(([who, p]) => `${who} per message: ${p.busyMsPerMessage} ms JavaScript, ${p.gapsMsPerMessage} ms outside the isolate's lock, ${p.idleMsPerMessage} ms idle`),
    ];
  },
};
