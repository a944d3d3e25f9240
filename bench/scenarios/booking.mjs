// 4. Booking contention on one calendar: 200 guests book the same slot at once (exactly one
// may win; the others get 409 slot_taken), then 200 guests book 200 different slots at once
// (all should win). Reports outcomes and the latency of each request, then reads the
// agent's calendar back to check that no two held meetings overlap.
import { doorbell, everyDay, tomorrowIn } from '../lib/doorbell.mjs';
import { log } from '../lib/progress.mjs';
import { summarize } from '../lib/stats.mjs';

const ZONE = 'Europe/Paris';

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
    const api = doorbell(await ctx.product());
    const agent = await api.calendarAgent('book-agent', everyDay(ZONE, '08:00', '20:00', { durations: [30], stepMinutes: 30 }));
    const from = tomorrowIn(ZONE);
    const { slots } = await api.expect(200, 'slots', api.call('GET', `/api/agents/${agent.slug}/slots?timeZone=${ZONE}&from=${from}&days=31&duration=30`));
    if (slots.length < n + 1) throw new Error(`only ${slots.length} free slots`);

    log(`booking: ${n} guests book ${slots[0].start} at once`);
    let t0 = performance.now();
    const same = outcome(await Promise.all(Array.from({ length: n }, (_, i) => api.book(agent.slug, slots[0].start, 30, `same-${i}`))), t0);
    log(`booking: ${n} guests book ${n} different slots at once`);
    t0 = performance.now();
    const different = outcome(await Promise.all(Array.from({ length: n }, (_, i) => api.book(agent.slug, slots[i + 1].start, 30, `diff-${i}`))), t0);

    const { meetings } = await api.expect(200, 'calendar', api.call('GET', '/api/calendar', { headers: agent.headers }));
    const held = meetings.filter((m) => m.status === 'confirmed').map((m) => [Date.parse(m.start), Date.parse(m.end)]).sort((a, b) => a[0] - b[0]);
    const overlaps = held.filter((m, i) => i > 0 && m[0] < held[i - 1][1]).length;
    return { params: { concurrent: n, durationMinutes: 30 }, figures: { sameSlot: same, differentSlots: different, meetingsHeld: held.length, overlaps } };
  },
  print({ figures: f }) {
    const line = (name, o) =>
      `${name}: ${o.succeeded}/${o.requests} booked, ${o.slotTaken} slot_taken${o.other.length ? `, other: ${o.other.join(', ')}` : ''}; ` +
      `latency p50 ${o.latencyMs.p50} ms p95 ${o.latencyMs.p95} p99 ${o.latencyMs.p99} max ${o.latencyMs.max}; all answered in ${o.wallMs} ms`;
    return [line('same slot', f.sameSlot), line('different slots', f.differentSlots), `${f.meetingsHeld} meetings held, ${f.overlaps} overlapping`];
  },
};
