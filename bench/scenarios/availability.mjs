// 5. Availability: 31 days of slots for an agent with 500 meetings and 500 busy events from
// an external calendar feed. Twice: the pure function (src/calendar/availability.ts bundled
// for Node by esbuild) timed call by call, and the same question through HTTP
// (GET /api/agents/{slug}/slots) after booking the meetings through the API and pointing the
// calendar's busy feed at an .ics served by a local HTTP server. Both must find the same
// number of slots, which checks that the two measure the same computation. The floor of a
// request: the same bytes as the slots answer, served as a static asset by the same
// `wrangler dev` (the asset server answers it, the Worker never runs), asked in turn with it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { root } from '../../test/support/dev-server.mjs';
import { doorbell, everyDay, tomorrowIn } from '../lib/doorbell.mjs';
import { inParallel } from '../lib/pace.mjs';
import { log, progress } from '../lib/progress.mjs';
import { work } from '../lib/servers.mjs';
import { summarize } from '../lib/stats.mjs';

const ZONE = 'Europe/Paris';
const DAYS = 31;
const DURATION = 15;
// Written while the server is stopped (a file changing under `wrangler dev` reloads it) and
// removed afterwards; git ignores it.
const STATIC_DIR = `${root}static/bench`;
const STATIC_PATH = '/bench/slots.json';
const SETTINGS = everyDay(ZONE, '07:00', '21:00', { durations: [15, 30, 60], stepMinutes: 15 });

/** The availability function, and the zone arithmetic the slots endpoint asks it with, as Node can import them. */
async function loadAvailability() {
  const outfile = `${work}/availability.mjs`;
  const contents = "export { computeSlots } from './src/calendar/availability'; export { zonedTimeToInstant } from './src/time/zoned';";
  await build({ stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning' });
  return import(`${outfile}?${Date.now()}`);
}

/**
 * `count` meetings and as many busy events, 15 minutes each, spread over the 31 days:
 * meeting k on day k mod 31 at 07:00 + 45 min × ⌊k / 31⌋, its busy event 15 minutes later.
 */
function calendarLoad(zonedTimeToInstant, from, count) {
  const first = zonedTimeToInstant(from, '07:00', ZONE);
  const meetings = [];
  const events = [];
  for (let k = 0; k < count; k++) {
    const start = first + (k % DAYS) * 86_400_000 + Math.floor(k / DAYS) * 45 * 60_000;
    meetings.push({ start, end: start + DURATION * 60_000 });
    events.push({ start: start + 15 * 60_000, end: start + 30 * 60_000 });
  }
  return { meetings, events };
}

const icsTime = (ms) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
const ics = (events) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Doorbell bench//EN']
    .concat(...events.map((e, k) => ['BEGIN:VEVENT', `UID:busy-${k}@bench.doorbell.example`, `DTSTAMP:${icsTime(Date.now())}`, `DTSTART:${icsTime(e.start)}`, `DTEND:${icsTime(e.end)}`, 'SUMMARY:Busy', 'END:VEVENT']))
    .concat('END:VCALENDAR')
    .join('\r\n');

function timeCalls(iterations, call) {
  const times = [];
  let result;
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    result = call();
    times.push(performance.now() - t0);
  }
  return { times, result };
}

export default {
  name: 'availability',
  title: 'Availability',
  async run(ctx) {
    const count = ctx.quick ? 20 : 500;
    const iterations = ctx.quick ? 200 : 2000;
    const requests = ctx.quick ? 20 : 200;
    const { computeSlots, zonedTimeToInstant } = await loadAvailability();
    const from = tomorrowIn(ZONE);
    const query = () => {
      // As the slots endpoint asks: from local midnight of `from` to local midnight DAYS later.
      const end = new Date(Date.parse(`${from}T00:00:00Z`) + DAYS * 86_400_000).toISOString().slice(0, 10);
      return { from: zonedTimeToInstant(from, '00:00', ZONE), to: zonedTimeToInstant(end, '00:00', ZONE), durationMinutes: DURATION, now: Date.now() };
    };
    const { meetings, events } = calendarLoad(zonedTimeToInstant, from, count);
    const busy = [...meetings, ...events];

    log(`availability: pure function, ${iterations} calls (${count} meetings, ${count} busy events, ${DAYS} days)`);
    timeCalls(50, () => computeSlots(SETTINGS, query(), busy)); // warm-up: JIT and the zone offset cache
    const pure = timeCalls(iterations, () => computeSlots(SETTINGS, query(), busy));

    const server = await ctx.product();
    const api = doorbell(server);
    const agent = await api.calendarAgent('avail-agent', SETTINGS);
    let booked = 0;
    const booking = progress('availability: booking', () => `${booked}/${count} meetings`);
    const answers = await inParallel(count, async (k) => {
      const answer = await api.book(agent.slug, new Date(meetings[k].start).toISOString(), DURATION, `avail-${k}`);
      booked++;
      return answer;
    }, 6);
    booking.done();
    const refused = answers.filter((a) => a.status !== 201);
    if (refused.length) throw new Error(`${refused.length} bookings refused, e.g. ${refused[0].status} ${refused[0].code}`);

    const feed = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/calendar' }).end(ics(events)));
    await new Promise((r) => feed.listen(0, '127.0.0.1', r));
    try {
      const busyFeedUrl = `http://127.0.0.1:${feed.address().port}/busy.ics`;
      await api.expect(200, 'busy feed', api.call('PATCH', '/api/calendar/settings', { headers: agent.headers, body: { busyFeedUrl } }));
      // The calendar's feed job fetches the feed at once; requests only ever read its copy.
      for (let i = 0; ; i++) {
        const { busyFeed } = await api.expect(200, 'calendar', api.call('GET', '/api/calendar', { headers: agent.headers }));
        if (busyFeed?.lastSuccessAt) break;
        if (busyFeed?.lastError || i > 300) throw new Error(`busy feed not fetched: ${JSON.stringify(busyFeed)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const path = `/api/agents/${agent.slug}/slots?timeZone=${ZONE}&from=${from}&days=${DAYS}&duration=${DURATION}`;
      const timed = async (what) => {
        const t0 = performance.now();
        const r = await api.call('GET', what);
        if (r.status !== 200) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        return { ms: performance.now() - t0, body: r.body };
      };
      // The first request after the feed's copy changed (its cold path).
      const cold = await timed(path);
      const bytes = JSON.stringify(cold.body);
      await server.stop();
      mkdirSync(STATIC_DIR, { recursive: true });
      writeFileSync(`${root}static${STATIC_PATH}`, bytes);
      await server.restart();
      const rounds = [];
      for (let i = 0; i < 10; i++) rounds.push(await timed(path), await timed(STATIC_PATH)); // warm-up of the new isolate
      rounds.length = 0;
      const bar = progress('availability: HTTP', () => `${rounds.length / 2}/${requests} requests, each with the static copy`);
      // In turn, so both meet the same moments of the machine's load.
      for (let i = 0; i < requests; i++) rounds.push(await timed(path), await timed(STATIC_PATH));
      bar.done();
      const http = rounds.filter((_, k) => k % 2 === 0);
      const copy = rounds.filter((_, k) => k % 2 === 1);
      if (JSON.stringify(copy[0].body) !== bytes) throw new Error('the static copy is not the slots answer');
      const httpSlots = http[http.length - 1].body.slots.length;
      return {
        params: { meetings: count, busyEvents: count, days: DAYS, durationMinutes: DURATION, iterations, requests },
        figures: {
          pure: { ...summarize(pure.times), slots: pure.result.length },
          http: { ...summarize(http.map((h) => h.ms)), slots: httpSlots, firstRequestMs: Math.round(cold.ms * 10) / 10 },
          static: { ...summarize(copy.map((h) => h.ms)), bytes: Buffer.byteLength(bytes) },
          sameSlots: httpSlots === pure.result.length,
        },
      };
    } finally {
      feed.close();
      rmSync(STATIC_DIR, { recursive: true, force: true });
    }
  },
  print({ params, figures: f }) {
    return [
      `pure function: median ${f.pure.p50} ms, p99 ${f.pure.p99} ms, max ${f.pure.max} ms over ${params.iterations} calls (${f.pure.slots} slots)`,
      `through HTTP: median ${f.http.p50} ms, p99 ${f.http.p99} ms over ${params.requests} requests (${f.http.slots} slots; first request: ${f.http.firstRequestMs} ms)`,
      `the same ${f.static.bytes} bytes as a static asset: median ${f.static.p50} ms, p99 ${f.static.p99} ms (slots ÷ static at the median: ${Math.round((f.http.p50 / f.static.p50) * 100) / 100}×)`,
      f.sameSlots ? 'both found the same slots count' : `MISMATCH: ${f.pure.slots} slots from the function, ${f.http.slots} through HTTP`,
    ];
  },
};
