// 4. Booking contention on one calendar: 200 guests book the same slot at once (exactly one
// may win; the others get 409 slot_taken), then 200 guests book 200 different slots at once
// (all should win). Reports outcomes and the latency of each request, then reads the
// agent's calendar back to check that no two held meetings overlap. The floor beside them:
// as many requests at once that the Worker refuses without any work (an unknown API path),
// through the same `wrangler dev`, and workerd's CPU time per request of each burst.
import { doorbell, everyDay, tomorrowIn } from '../lib/doorbell.mjs';
import { log } from '../lib/progress.mjs';
import { cpuMeter, workerdPids } from '../lib/servers.mjs';
import { summarize } from '../lib/stats.mjs';

const ZONE = 'Europe/Paris';

/** Runs a burst of `n` requests at once; its outcome, with workerd's CPU time per request while it ran (in all, and its main thread's). */
async function burst(pids, n, request) {
  const [used, t0] = [cpuMeter(pids), performance.now()];
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => request(i)));
  const { allMs, mainThreadMs } = used();
  const per = (ms) => Math.round((ms / n) * 10) / 10;
  return { ...outcome(answers, t0), cpuMsPerRequest: per(allMs), mainThreadCpuMsPerRequest: per(mainThreadMs) };
}

const outcome = (answers, started) => ({
  requests: answers.length,
  succeeded: answers.filter((a) => a.status === 201).length,
  slotTaken: answers.filter((a) => a.code === 'slot_taken').length,
  // Unexpected answers, counted by kind: "503 <first words>" × n.
  other: Object.entries(
    answers.filter((a) => a.status !== 201 && a.code !== 'slot_taken').reduce((kinds, a) => ({ ...kinds, [`${a.status} ${a.code}`]: (kinds[`${a.status} ${a.code}`] ?? 0) + 1 }), {}),
  ).map(([kind, count]) => `${kind} ×${count}`),
  wallMs: Math.round(performance.now() - started),
  latencyMs: summarize(answers.map((a) => a.ms)),
});

export default {
  name: 'booking',
  title: 'Booking contention',
  async run(ctx) {
    const n = ctx.quick ? 20 : 200;
    const server = await ctx.product();
    const api = doorbell(server);
    const agent = await api.calendarAgent('book-agent', everyDay(ZONE, '08:00', '20:00', { durations: [30], stepMinutes: 30 }));
    const from = tomorrowIn(ZONE);
    const { slots } = await api.expect(200, 'slots', api.call('GET', `/api/agents/${agent.slug}/slots?timeZone=${ZONE}&from=${from}&days=31&duration=30`));
    if (slots.length < n + 1) throw new Error(`only ${slots.length} free slots`);

    const pids = workerdPids(server.pid);
    const body = { start: slots[0].start, durationMinutes: 30, name: 'Booker', email: 'booker@bench.doorbell.example', timeZone: ZONE };
    const nothing = async () => {
      const t0 = performance.now();
      const r = await api.call('POST', '/api/bench/floor', { body });
      return { status: r.status, code: r.body?.error?.code ?? null, ms: performance.now() - t0 };
    };
    // Unmeasured: the first burst also opens the client's connections, which the others reuse.
    await burst(pids, n, nothing);
    log(`booking: the floor, ${n} requests at once to an unknown API path`);
    const floor = await burst(pids, n, nothing);
    log(`booking: ${n} guests book ${slots[0].start} at once`);
    const same = await burst(pids, n, (i) => api.book(agent.slug, slots[0].start, 30, `same-${i}`));
    log(`booking: ${n} guests book ${n} different slots at once`);
    const different = await burst(pids, n, (i) => api.book(agent.slug, slots[i + 1].start, 30, `diff-${i}`));

    const { meetings } = await api.expect(200, 'calendar', api.call('GET', '/api/calendar', { headers: agent.headers }));
    const held = meetings.filter((m) => m.status === 'confirmed').map((m) => [Date.parse(m.start), Date.parse(m.end)]).sort((a, b) => a[0] - b[0]);
    const overlaps = held.filter((m, i) => i > 0 && m[0] < held[i - 1][1]).length;
    return { params: { concurrent: n, durationMinutes: 30 }, figures: { floor, sameSlot: same, differentSlots: different, meetingsHeld: held.length, overlaps } };
  },
  print({ figures: f }) {
    const line = (name, o) =>
      `${name}: ${o.succeeded}/${o.requests} booked, ${o.slotTaken} slot_taken${o.other.length ? `, other: ${o.other.join(', ')}` : ''}; ` +
      `latency p50 ${o.latencyMs.p50} ms p95 ${o.latencyMs.p95} p99 ${o.latencyMs.p99} max ${o.latencyMs.max}; all answered in ${o.wallMs} ms; ${o.cpuMsPerRequest} ms of workerd CPU each (${o.mainThreadCpuMsPerRequest} ms on its main thread)`;
    const floor = f.floor ? [`floor (${f.floor.requests} requests to an unknown path): p50 ${f.floor.latencyMs.p50} ms p99 ${f.floor.latencyMs.p99}; all answered in ${f.floor.wallMs} ms; ${f.floor.cpuMsPerRequest} ms of workerd CPU each`] : [];
    return [...floor, line('same slot', f.sameSlot), line('different slots', f.differentSlots), `${f.meetingsHeld} meetings held, ${f.overlaps} overlapping`];
  },
};
