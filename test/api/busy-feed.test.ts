import { runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { interceptFetch, type Recorded } from '../fakes/intercept';
import { asAgent, call, sleep } from '../helpers';
import { calendarStub, dayFromNow, slots } from '../meetings';

// The agent's external busy calendar (M1), fetched by the calendar's own `feed` job: these
// fakes stand in for the calendar hosts the agent names.
const FEEDS = 'https://feeds.example.com';
const OTHER = 'https://other-host.example.net';
const METADATA = 'http://169.254.169.254';

const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const busyIcs = (start: string, end: string) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:busy-1@test', 'DTSTAMP:20261201T000000Z', `DTSTART:${stamp(start)}`, `DTEND:${stamp(end)}`, 'SUMMARY:Busy', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

/** A weekday at least five days ahead, when Alice works. */
const DAY = (() => {
  let day = 5;
  while ([0, 6].includes(new Date(`${dayFromNow(day)}T12:00:00Z`).getUTCDay())) day++;
  return dayFromNow(day);
})();

let requests: string[] = [];
let stop: () => void = () => {};
let feedDown = false;
let busy = { start: '', end: '' };

/** An endless body, to show the size cap: it is read up to the cap, then given up. */
const endless = () =>
  new ReadableStream({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode('X'.repeat(64 * 1024)));
    },
  });

beforeEach(async () => {
  requests = [];
  feedDown = false;
  const list = await slots('alice', 'UTC', 30, DAY, 1);
  busy = { start: list[4]!.start, end: list[4]!.end };
  const redirect = (location: string) => new Response(null, { status: 302, headers: { location } });
  stop = interceptFetch({
    [FEEDS]: (r: Recorded) => {
      requests.push(r.url.pathname);
      switch (r.url.pathname) {
        case '/good.ics':
          return feedDown ? new Response('down for maintenance', { status: 503 }) : new Response(busyIcs(busy.start, busy.end), { headers: { 'content-type': 'text/calendar' } });
        case '/hang.ics':
          return new Promise<Response>((_, reject) => r.signal.addEventListener('abort', () => reject(r.signal.reason)));
        case '/moved.ics':
          return redirect(`${OTHER}/cal.ics`);
        case '/to-metadata.ics':
          return redirect(`${METADATA}/latest/meta-data/`);
        case '/loop.ics':
          return redirect('/loop.ics');
        case '/huge.ics':
          return new Response(endless(), { headers: { 'content-type': 'text/calendar' } });
        default:
          return new Response('no such feed', { status: 404 });
      }
    },
    [OTHER]: (r) => {
      requests.push(`other:${r.url.pathname}`);
      return new Response(busyIcs(busy.start, busy.end));
    },
    [METADATA]: () => {
      requests.push('metadata');
      return new Response('credentials');
    },
  });
});

afterEach(async () => {
  await setFeed('');
  stop();
});

async function setFeed(url: string) {
  const r = await call('PATCH', '/api/calendar/settings', { headers: await asAgent('alice'), body: { busyFeedUrl: url } });
  return r;
}

async function feedState(): Promise<any> {
  return (await call('GET', '/api/calendar', { headers: await asAgent('alice') })).body.busyFeed;
}

/** Waits for the calendar's own job to have tried the feed (it runs on the calendar's alarm). */
async function settled(done: (state: any) => boolean, timeoutMs = 5000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = await feedState();
    if (state && done(state)) return state;
    if (Date.now() > until) throw new Error(`feed never settled: ${JSON.stringify(state)}`);
    await sleep(100);
  }
}

/** "Time passes": the feed's next attempt falls due now. */
async function nextAttemptNow(): Promise<void> {
  await runInDurableObject(calendarStub(), async (_instance, state) => {
    state.storage.sql.exec("UPDATE jobs SET due_at = ? WHERE kind = 'feed'", Date.now() - 1);
    await state.storage.setAlarm(Date.now());
  });
}

const freeStarts = async () => (await slots('alice', 'UTC', 30, DAY, 1)).map((s) => s.start);

describe('busy feed (M1): fetched by the calendar, never by a request', () => {
  it('slots answer at once while the feed never answers; the feed is given up after 10 s and its state shown', { timeout: 30_000 }, async () => {
    expect((await setFeed(`${FEEDS}/hang.ics`)).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      expect((await freeStarts()).length).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    const state = await settled((s) => s.lastError !== null, 20_000);
    expect(state).toMatchObject({ url: `${FEEDS}/hang.ics`, lastSuccessAt: null, failures: 1 });
    expect(state.lastError).toMatch(/no answer within 10 s/);
    expect(Date.parse(state.nextAttemptAt)).toBeGreaterThan(Date.now());
    expect(requests).toEqual(['/hang.ics']);
  });

  it('a good copy blocks its busy time; a failing feed is retried with backoff, never per request, and keeps the last good copy', async () => {
    await setFeed(`${FEEDS}/good.ics`);
    const good = await settled((s) => s.lastSuccessAt !== null);
    expect(good).toMatchObject({ lastError: null, failures: 0, events: 1 });
    // The next refresh is a quarter of an hour after the last.
    expect(Date.parse(good.nextAttemptAt) - Date.parse(good.lastSuccessAt)).toBe(15 * 60_000);
    expect(await freeStarts()).not.toContain(busy.start);

    feedDown = true;
    await nextAttemptNow();
    const failed = await settled((s) => s.failures === 1);
    expect(failed.lastError).toMatch(/HTTP 503/);
    expect(failed.lastSuccessAt).toBe(good.lastSuccessAt);
    const wait = Date.parse(failed.nextAttemptAt) - Date.parse(failed.lastErrorAt);
    expect(wait).toBeGreaterThanOrEqual(60_000);
    expect(wait).toBeLessThanOrEqual(66_000);
    const fetched = requests.length;
    for (let i = 0; i < 5; i++) expect(await freeStarts()).not.toContain(busy.start);
    expect(requests.length).toBe(fetched);

    await nextAttemptNow();
    const again = await settled((s) => s.failures === 2);
    expect(Date.parse(again.nextAttemptAt) - Date.parse(again.lastErrorAt)).toBeGreaterThanOrEqual(120_000);

    feedDown = false;
    await nextAttemptNow();
    expect(await settled((s) => s.failures === 0)).toMatchObject({ lastError: null, events: 1 });
  });

  it('follows at most 3 redirects, each target checked like the feed URL itself', async () => {
    await setFeed(`${FEEDS}/moved.ics`);
    expect(await settled((s) => s.lastSuccessAt !== null)).toMatchObject({ events: 1 });
    expect(requests).toEqual(['/moved.ics', 'other:/cal.ics']);
    expect(await freeStarts()).not.toContain(busy.start);

    await setFeed(`${FEEDS}/to-metadata.ics`);
    expect((await settled((s) => s.lastError !== null)).lastError).toMatch(/169\.254\.169\.254 is not a public host/);
    expect(requests).not.toContain('metadata');

    requests = [];
    await setFeed(`${FEEDS}/loop.ics`);
    expect((await settled((s) => s.lastError !== null)).lastError).toMatch(/more than 3 redirects/);
    expect(requests).toEqual(['/loop.ics', '/loop.ics', '/loop.ics', '/loop.ics']);
  });

  it('reads at most 2 MiB of a feed', async () => {
    await setFeed(`${FEEDS}/huge.ics`);
    expect((await settled((s) => s.lastError !== null)).lastError).toMatch(/larger than 2 MiB/);
  });

  it('refuses feed URLs of non-public hosts with url_not_allowed; development allows loopback', async () => {
    const before = (await call('GET', '/api/calendar', { headers: await asAgent('alice') })).body.settings;
    for (const url of ['http://10.0.0.5/cal.ics', 'http://169.254.169.254/latest/', 'https://calendar.internal/x.ics', 'http://[fd00::1]/x.ics', 'http://printer.local/x']) {
      const r = await setFeed(url);
      expect(r.status, url).toBe(400);
      expect(r.body.error.code).toBe('url_not_allowed');
    }
    expect((await call('GET', '/api/calendar', { headers: await asAgent('alice') })).body.settings).toEqual(before);
    expect((await setFeed('http://127.0.0.1:9/cal.ics')).status).toBe(200);
  });
});
