// 8. Live slots: how long after a booking the slot disappears on other open booking pages.
// `pages` slots sockets follow one calendar (docs/protocol.md, "Slots socket"); guests book
// `bookings` different slots one after another, and each page times the `slots` frame that
// says the booked time is gone, from the moment the booking was sent. Then the pages in turn
// hold a time (docs/meetings.md "Holds"), and every other page times the frame saying it is held.
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
    // Every other slot, so that no booking's buffers reach the next one; the holds take the ones after.
    const free = slots.filter((_, i) => i % 2 === 0).map((s) => s.start);
    const targets = free.slice(0, bookings);
    const holdTargets = free.slice(bookings, bookings * 2);
    if (holdTargets.length < bookings) throw new Error(`only ${free.length} free slots`);

    const sent = new Map(); // start → when its booking (or hold) was sent
    const seen = new Map(); // start → arrival times on the pages, ms after sending
    const pageIds = []; // each socket's page id, from its first frame
    const url = `${api.base.replace(/^http/, 'ws')}/api/agents/${agent.slug}/slots/socket`;
    const sockets = await Promise.all(
      Array.from({ length: pages }, (_, i) =>
        openWebSocket(url, (text) => {
          const now = performance.now();
          const frame = JSON.parse(text);
          if (frame.type === 'page') pageIds[i] = frame.page;
          if (frame.type !== 'slots') return;
          for (const c of frame.changed) if ((c.reason === 'booked' || c.reason === 'held') && sent.has(c.start)) seen.get(c.start).push(now - sent.get(c.start));
        }),
      ),
    );
    /** Waits until `count` pages have seen `start` go, so that each change is timed alone. */
    const allSee = async (start, count) => {
      const deadline = performance.now() + 5000;
      while (seen.get(start).length < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    };
    log(`liveslots: ${pages} pages follow the calendar; ${bookings} bookings one after another`);
    const answers = [];
    for (const [i, start] of targets.entries()) {
      seen.set(start, []);
      sent.set(start, performance.now());
      const r = await api.book(agent.slug, start, 30, `live-${i}`);
      if (r.status !== 201) throw new Error(`booking ${start}: ${r.status} ${r.code}`);
      answers.push(r.ms);
      await allSee(start, pages);
    }
    const booked = targets.flatMap((start) => seen.get(start));
    // The page that holds is not told (it knows); the others are.
    const holdAnswers = [];
    for (const [i, start] of holdTargets.entries()) {
      seen.set(start, []);
      sent.set(start, performance.now());
      const began = performance.now();
      await api.expect(201, `hold ${start}`, api.call('POST', `/api/agents/${agent.slug}/holds`, { body: { start, durationMinutes: 30, page: pageIds[i % pages] } }));
      holdAnswers.push(performance.now() - began);
      await allSee(start, pages - 1);
    }
    for (const s of sockets) s.close();
    const held = holdTargets.flatMap((start) => seen.get(start));
    return {
      params: { pages, bookings, holds: holdTargets.length },
      figures: {
        frames: booked.length,
        missed: pages * bookings - booked.length,
        toEveryPageMs: summarize(booked),
        toFirstPageMs: summarize(targets.map((start) => seen.get(start)).filter((v) => v.length).map((v) => Math.min(...v))),
        bookingAnswerMs: summarize(answers),
        holdFrames: held.length,
        holdMissed: (pages - 1) * holdTargets.length - held.length,
        holdToOtherPagesMs: summarize(held),
        holdAnswerMs: summarize(holdAnswers),
      },
    };
  },
  print({ params: p, figures: f }) {
    const q = (s) => `p50 ${s.p50} ms p95 ${s.p95} max ${s.max}`;
    return [
      `${p.pages} pages, ${p.bookings} bookings: ${f.frames} frames, ${f.missed} missed`,
      `booking sent → slot gone on a page: ${q(f.toEveryPageMs)}; on the first page: ${q(f.toFirstPageMs)}`,
      `booking answered: ${q(f.bookingAnswerMs)}`,
      ...(f.holdToOtherPagesMs ? [`hold sent → time held on the other pages: ${q(f.holdToOtherPagesMs)} (${f.holdMissed} missed); hold answered: ${q(f.holdAnswerMs)}`] : []),
    ];
  },
};
