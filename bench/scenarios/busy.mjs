// 2. One busy conversation: the highest sustained rate of stored, acknowledged messages in
// a single conversation. Closed loop: every socket keeps a window of unacknowledged sends,
// so the server sets the pace; the run then reads the timeline back to check that every
// acknowledged message is stored exactly once.
//
// The protocol limits each socket to 50 frames/s (docs/protocol.md), so the load is spread
// over many sockets of the same two people (a guest's tabs and an agent's consoles), each
// paced just under the limit. That puts a ceiling of sockets × pace on what can be offered;
// the result says when the ceiling, not the server, was reached.
import { doorbell, newGuest } from '../lib/doorbell.mjs';
import { inParallel, until } from '../lib/pace.mjs';
import { log, progress } from '../lib/progress.mjs';
import { openWebSocket } from '../lib/sockets.mjs';
import { perSecond, summarize } from '../lib/stats.mjs';

const PACE = 48; // per socket per second, under the server's 50
const WINDOW = 8; // unacknowledged sends per socket

export default {
  name: 'busy',
  title: 'One busy conversation',
  async run(ctx) {
    const sockets = ctx.quick ? 8 : 32;
    const warmupMs = ctx.quick ? 1000 : 3000;
    const measureMs = ctx.quick ? 3000 : 15_000;
    const api = doorbell(await ctx.product());
    const agent = await api.agent('busy-agent');
    const guest = await newGuest(api.call, 'Busy Guest');
    const id = await api.conversation(guest, { kind: 'agent', slug: agent.slug });

    const sentAt = new Map(); // clientId → time of its latest send
    const acked = new Map(); // clientId → seq
    const acks = []; // [time, latency]
    let rateLimited = 0;
    let otherErrors = 0;
    let duplicates = 0;
    const state = [];
    const onText = (s) => (t) => {
      // Only acks and errors matter here; entries (every socket gets every one) are skipped unparsed.
      if (!t.startsWith('{"type":"ack"') && !t.startsWith('{"type":"error"')) return;
      const frame = JSON.parse(t);
      const now = performance.now();
      state[s].inflight--;
      if (frame.type === 'error') {
        if (frame.code === 'rate_limited') (rateLimited++, state[s].retry.push(frame.clientId));
        else otherErrors++;
        return;
      }
      if (frame.duplicate || acked.has(frame.clientId)) duplicates++;
      acked.set(frame.clientId, frame.seq);
      acks.push([now, now - sentAt.get(frame.clientId)]);
    };
    log(`busy: ${sockets} sockets (${sockets / 2} guest tabs, ${sockets / 2} agent consoles), window ${WINDOW}, ${PACE}/s each`);
    const links = await inParallel(sockets, (s) => {
      state[s] = { inflight: 0, tokens: 0, retry: [], next: 0 };
      return openWebSocket(api.socketUrl(id, s % 2 ? agent.token : guest.token), onText(s));
    });

    const started = performance.now();
    const measureFrom = started + warmupMs;
    const measureTo = measureFrom + measureMs;
    let last = started;
    const bar = progress('busy', () => `${acked.size} acknowledged, ${rateLimited} rate-limited`);
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        const dt = now - last;
        last = now;
        if (now >= measureTo) return resolve();
        links.forEach((link, s) => {
          const st = state[s];
          st.tokens = Math.min(4, st.tokens + (dt * PACE) / 1000);
          while (st.tokens >= 1 && st.inflight < WINDOW) {
            const clientId = st.retry.shift() ?? `b-${s}-${st.next++}`;
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
    for (const link of links) link.close();

    const inWindow = acks.filter(([t]) => t >= measureFrom && t < measureTo);
    const stored = (await api.timeline(id, agent.headers)).filter((e) => e.kind === 'message' && e.clientId?.startsWith('b-'));
    const storedIds = new Set(stored.map((e) => e.clientId));
    const missing = [...acked.keys()].filter((c) => !storedIds.has(c)).length;
    const ceiling = sockets * PACE;
    const rate = perSecond(inWindow.length, measureMs);
    return {
      params: { sockets, pacePerSocket: PACE, window: WINDOW, warmupMs, measureMs, offeredCeiling: ceiling },
      figures: {
        ackedPerSecond: rate,
        ceilingReached: rate >= ceiling * 0.97,
        ackMs: summarize(inWindow.map(([, l]) => l)),
        acknowledged: acked.size,
        stored: stored.length,
        storedTwice: stored.length - storedIds.size,
        ackedButMissing: missing,
        duplicateAcks: duplicates,
        rateLimited,
        errors: otherErrors,
      },
    };
  },
  print({ params, figures: f }) {
    return [
      `${f.ackedPerSecond} stored, acknowledged msg/s${f.ceilingReached ? ` (the offered ceiling of ${params.offeredCeiling}/s was reached)` : ''}; ack p50 ${f.ackMs.p50} ms p95 ${f.ackMs.p95} p99 ${f.ackMs.p99} max ${f.ackMs.max}`,
      `${f.acknowledged} acknowledged, ${f.stored} stored, ${f.ackedButMissing} acknowledged but missing, ${f.storedTwice} stored twice, ${f.rateLimited} rate-limited, ${f.errors} other errors`,
    ];
  },
};
