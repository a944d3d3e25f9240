// 8. Live slots: how long after a booking the slot disappears on other open booking pages.
// `pages` slots sockets follow one calendar (docs/protocol.md, "Slots socket"); guests book
// `bookings` different slots one after another, and each page times the `slots` frame that
// says the booked time is gone, from the moment the booking was sent.
import { doorbell, everyDay, tomorrowIn } from '../lib/doorbell.mjs';
import { log } from '../lib/progress.mjs';
import { openWebSocket } from '../lib/sockets.mjs';
import { summarize } from '../lib/stats.mjs';

const ZONE = 'Europe/Paris';

export default {
  name: 'liveslots',
  title: 'Live slots',
  async run(ctx) {
    const pages = ctx.quick ? 5 : 50;
    const bookings = ctx.quick ? 10 : 100;
    const api = doorbell(await ctx.product());
    const agent = await api.calendarAgent('live-agent', everyDay(ZONE, '08:00', '20:00', { durations: [30], stepMinutes: 30 }));
    const { slots } = await api.expect(200, 'slots', api.call('GET', `/api/agents/${agent.slug}/slots?timeZone=${ZONE}&from=${tomorrowIn(ZONE)}&days=31&duration=30`));
    // Every other slot, so that no booking's buffers reach the next one.
    const targets = slots.filter((_, i) => i % 2 === 0).slice(0, bookings).map((s) => s.start);
    if (targets.length < bookings) throw new Error(`only ${targets.length} free slots`);

    const sent = new Map(); // start → when its booking was sent
    const seen = new Map(); // start → arrival times on the pages, ms after sending
    const url = `${api.base.replace(/^http/, 'ws')}/api/agents/${agent.slug}/slots/socket`;
    const sockets = await Promise.all(
      Array.from({ length: pages }, () =>
        openWebSocket(url, (text) => {
          const now = performance.now();
          const frame = JSON.parse(text);
          if (frame.type !== 'slots') return;
          for (const c of frame.changed) if (c.reason === 'booked' && sent.has(c.start)) seen.get(c.start).push(now - sent.get(c.start));
        }),
      ),
    );
    log(`liveslots: ${pages} pages follow the calendar; ${bookings} bookings one after another`);
    const answers = [];
    for (const [i, start] of targets.entries()) {
      seen.set(start, []);
      sent.set(start, performance.now());
      const r = await api.book(agent.slug, start, 30, `live-${i}`);
      if (r.status !== 201) throw new Error(`booking ${start}: ${r.status} ${r.code}`);
      answers.push(r.ms);
      // Wait for every page before the next booking, so each is timed alone.
      const deadline = performance.now() + 5000;
      while (seen.get(start).length < pages && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    }
    for (const s of sockets) s.close();
    const all = [...seen.values()].flat();
    return {
      params: { pages, bookings },
      figures: {
        frames: all.length,
        missed: pages * bookings - all.length,
        toEveryPageMs: summarize(all),
        toFirstPageMs: summarize([...seen.values()].filter((v) => v.length).map((v) => Math.min(...v))),
        bookingAnswerMs: summarize(answers),
      },
    };
  },
  print({ params: p, figures: f }) {
    const q = (s) => `p50 ${s.p50} ms p95 ${s.p95} max ${s.max}`;
    return [
      `${p.pages} pages, ${p.bookings} bookings: ${f.frames} frames, ${f.missed} missed`,
      `booking sent → slot gone on a page: ${q(f.toEveryPageMs)}; on the first page: ${q(f.toFirstPageMs)}`,
      `booking answered: ${q(f.bookingAnswerMs)}`,
    ];
  },
};
