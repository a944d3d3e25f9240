import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADMIN, asAgent, call, clientId, directorySnapshot, eventually, guestWrites, newGuest } from '../helpers';

/**
 * Business hours, away and "usually replies in" on a service's public card (docs/rules.md
 * "Business hours", "First response"), through the Worker. The card's clock is the Worker's
 * Date, which these tests fix (the directory's presence rows are written with the same clock).
 */

const day = [{ start: '09:00', end: '12:30' }, { start: '13:30', end: '17:30' }];
const parisHours = { timeZone: 'Europe/Paris', weeklyHours: { mon: day, tue: day, wed: day, thu: day, fri: day }, holidays: [{ date: '2026-12-25', name: 'Christmas' }] };

let made = 0;
async function service(hours?: unknown) {
  const slug = `hours-${++made}-${Date.now() % 100000}`;
  const r = await call('POST', '/api/admin/services', { headers: ADMIN, body: { slug, name: `Desk ${made}`, ...(hours === undefined ? {} : { hours }) } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect((await call('PUT', `/api/admin/services/${slug}/members/alice`, { headers: ADMIN })).status).toBe(200);
  return { slug, id: r.body.id as string };
}
const card = async (slug: string) => {
  const r = await call('GET', `/api/public/services/${slug}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const aliceIs = async (availability: 'online' | 'offline') => {
  const alice = await env.DB.prepare("SELECT id FROM agents WHERE slug = 'alice'").first<{ id: string }>();
  await env.DB.prepare('INSERT OR REPLACE INTO agent_presence (agent_id, availability, updated_at) VALUES (?, ?, ?)').bind(alice!.id, availability, Date.now()).run();
};
const at = (iso: string) => vi.setSystemTime(new Date(iso));

afterEach(async () => {
  vi.useRealTimers();
  await aliceIs('offline');
});

describe('business hours on the public card', () => {
  it('closed outside the hours with when it opens, even with a member online; open in hours while one is, away while none is', async () => {
    const { slug } = await service(parisHours);
    vi.useFakeTimers({ toFake: ['Date'] });
    // Friday 18:00 in Paris: closed until Monday 09:00 (08:00Z).
    at('2026-12-04T17:00:00Z');
    await aliceIs('online');
    expect(await card(slug)).toMatchObject({ hoursStatus: 'closed', opensAt: '2026-12-07T08:00:00.000Z', closesAt: null, availability: 'online' });
    // Tuesday 11:00 in Paris, Alice at her console: open until the lunch break.
    at('2026-12-01T10:00:00Z');
    await aliceIs('online');
    expect(await card(slug)).toMatchObject({ hoursStatus: 'open', opensAt: null, closesAt: '2026-12-01T11:30:00.000Z' });
    await aliceIs('offline');
    expect(await card(slug)).toMatchObject({ hoursStatus: 'away', opensAt: null, closesAt: '2026-12-01T11:30:00.000Z', availability: 'offline' });
    // Christmas Eve after hours: the holiday and the weekend keep it closed until Monday the 28th.
    at('2026-12-24T17:00:00Z');
    expect(await card(slug)).toMatchObject({ hoursStatus: 'closed', opensAt: '2026-12-28T08:00:00.000Z' });
  });

  it('the card’s fields and the hours body are in /openapi.json, as outside clients read them', async () => {
    const doc = JSON.stringify((await call('GET', '/openapi.json')).body.paths['/api/public/services/{slug}']);
    for (const field of ['hoursStatus', 'opensAt', 'closesAt', 'firstResponseSeconds']) expect(doc).toContain(`"${field}"`);
    const patch = JSON.stringify((await call('GET', '/openapi.json')).body.paths['/api/admin/services/{slug}'].patch);
    for (const field of ['hours', 'weeklyHours', 'holidays', 'timeZone']) expect(patch).toContain(`"${field}"`);
  });

  it('a service without hours is always in them; an empty week never is', async () => {
    const always = await service();
    expect(await card(always.slug)).toMatchObject({ hoursStatus: 'away', opensAt: null, closesAt: null });
    const never = await service({ timeZone: 'UTC', weeklyHours: {}, holidays: [] });
    expect(await card(never.slug)).toMatchObject({ hoursStatus: 'closed', opensAt: null, closesAt: null });
  });

  it('the admin sets hours with PATCH, reads them back, and clears them with null', async () => {
    const { slug } = await service();
    const set = await call('PATCH', `/api/admin/services/${slug}`, { headers: ADMIN, body: { hours: parisHours } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.hours).toEqual(parisHours);
    expect((await call('GET', `/api/admin/services/${slug}`, { headers: ADMIN })).body.hours).toEqual(parisHours);
    const cleared = await call('PATCH', `/api/admin/services/${slug}`, { headers: ADMIN, body: { hours: null } });
    expect(cleared.body.hours).toBeNull();
  });

  it.each([
    ['an unknown zone', { ...parisHours, timeZone: 'Mars/Olympus' }, 'hours.timeZone'],
    ['an inverted range', { ...parisHours, weeklyHours: { mon: [{ start: '17:00', end: '09:00' }] } }, 'hours.weeklyHours.mon.0'],
    ['overlapping ranges', { ...parisHours, weeklyHours: { tue: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '14:00' }] } }, 'hours.weeklyHours.tue.1'],
    ['a range past midnight', { ...parisHours, weeklyHours: { fri: [{ start: '22:00', end: '26:00' }] } }, 'hours.weeklyHours.fri.0.end'],
    ['a day that does not exist', { ...parisHours, weeklyHours: { funday: day } }, 'hours.weeklyHours'],
    ['a bad holiday date', { ...parisHours, holidays: [{ date: '2026-02-30' }] }, 'hours.holidays.0.date'],
    ['a holiday listed twice', { ...parisHours, holidays: [{ date: '2026-12-25' }, { date: '2026-12-25', name: 'Again' }] }, 'hours.holidays.1.date'],
    ['no time zone', { weeklyHours: {}, holidays: [] }, 'hours.timeZone'],
  ])('refuses %s with a 400 naming the field, and changes nothing', async (_what, hours, path) => {
    const { slug } = await service(parisHours);
    const before = await directorySnapshot();
    const r = await call('PATCH', `/api/admin/services/${slug}`, { headers: ADMIN, body: { hours } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.details.problems.map((d: { path: string }) => d.path), JSON.stringify(r.body.error.details)).toContain(path);
    expect(await directorySnapshot()).toEqual(before);
  });

  it('only an admin sets hours: an agent token is refused', async () => {
    const { slug } = await service();
    const r = await call('PATCH', `/api/admin/services/${slug}`, { headers: await asAgent('alice'), body: { hours: parisHours } });
    expect(r.status).toBe(401);
    expect((await call('GET', `/api/admin/services/${slug}`, { headers: ADMIN })).body.hours).toBeNull();
  });
});

describe('usually replies in', () => {
  const ask = async (slug: string, askedAt: string, answeredAfterSeconds: number | null) => {
    at(askedAt);
    const guest = await newGuest('Quinn Query');
    const started = await guestWrites(guest, `service:${slug}`, 'When do you open?');
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const id = started.body.conversation.id as string;
    if (answeredAfterSeconds !== null) {
      at(new Date(Date.parse(askedAt) + answeredAfterSeconds * 1000).toISOString());
      const reply = await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: clientId(), text: 'Monday at nine.' } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      // A second reply is no first response.
      at(new Date(Date.parse(askedAt) + (answeredAfterSeconds + 5000) * 1000).toISOString());
      await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: clientId(), text: 'Anything else?' } });
    }
    return id;
  };
  const written = (id: string, answered: boolean) =>
    eventually(
      () => env.DB.prepare('SELECT first_asked_at, first_answered_at FROM conversations WHERE id = ?').bind(id).first<{ first_asked_at: number | null; first_answered_at: number | null }>(),
      (row) => row?.first_asked_at != null && (row.first_answered_at != null) === answered,
      `first response of ${id}`,
    );

  it('is null until an agent answered; then the median over the last 30 days, unanswered and older ones left out', async () => {
    const { slug } = await service();
    vi.useFakeTimers({ toFake: ['Date'] });
    const unanswered = await ask(slug, '2026-11-20T10:00:00Z', null);
    await written(unanswered, false);
    at('2026-11-20T11:00:00Z');
    expect((await card(slug)).firstResponseSeconds).toBeNull();

    // Answered in 2 min, 10 min, 1 h; one answered in 10 s but 40 days ago.
    const ids = [await ask(slug, '2026-10-10T10:00:00Z', 10), await ask(slug, '2026-11-21T10:00:00Z', 120), await ask(slug, '2026-11-22T10:00:00Z', 600), await ask(slug, '2026-11-23T10:00:00Z', 3600)];
    for (const id of ids) await written(id, true);
    at('2026-11-24T10:00:00Z');
    expect((await card(slug)).firstResponseSeconds).toBe(600);
    // Four in the window: the mean of the middle two.
    await written(await ask(slug, '2026-11-24T10:00:00Z', 60), true);
    at('2026-11-25T10:00:00Z');
    expect((await card(slug)).firstResponseSeconds).toBe(360);
  });
});
