import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import ICAL from 'ical.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, CalendarStore, migrate } from '../../src/calendar/store';
import { migrateSchema } from '../../src/actor/schema';
import { ADMIN, asAgent, call, newGuest } from '../helpers';
import { book, calendarStub, clearOutbox, dayFromNow, drainJobs, outbox, slots } from '../meetings';

beforeEach(clearOutbox);

const ROOM = /^https:\/\/meet\.jit\.si\/Doorbell-[0-9a-f]{32}$/;

const intro = {
  slug: 'intro',
  title: 'Intro call',
  description: 'Twenty minutes to see whether we fit.',
  durations: [20, 40],
  location: { kind: 'jitsi' },
  questions: [
    { id: 'company', label: 'Company', kind: 'short', required: true },
    { id: 'size', label: 'Team size', kind: 'select', options: ['1-10', '11-50', '51+'], required: true },
    { id: 'phone', label: 'Phone', kind: 'phone' },
    { id: 'consent', label: 'I accept the terms', kind: 'checkbox', required: true },
  ],
};

const goodAnswers = { company: 'Acme', size: '11-50', consent: true };

async function withType<T>(type: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  const alice = await asAgent('alice');
  const created = await call('POST', '/api/calendar/meeting-types', { headers: alice, body: type });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  try {
    return await run();
  } finally {
    await call('DELETE', `/api/calendar/meeting-types/${type.slug}`, { headers: alice });
  }
}

const meetingCount = async () => (await call('GET', '/api/calendar', { headers: await asAgent('alice') })).body.meetings.length;

describe('meeting types: the agent’s CRUD', () => {
  it('every calendar starts with the default type, which follows the calendar’s durations', async () => {
    const { status, body } = await call('GET', '/api/calendar/meeting-types', { headers: await asAgent('alice') });
    expect(status).toBe(200);
    expect(body.types).toEqual([
      { slug: 'meeting', title: 'Meeting', description: '', durations: null, availability: null, location: { kind: 'none' }, questions: [], hidden: false },
    ]);
  });

  it('creates, changes and deletes a type; refuses duplicates, bad bodies, the last type and more than 20', async () => {
    const alice = await asAgent('alice');
    const created = await call('POST', '/api/calendar/meeting-types', { headers: alice, body: intro });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: 'intro', hidden: false, availability: null, questions: [{ id: 'company', required: true }, {}, { required: false }, {}] });

    const again = await call('POST', '/api/calendar/meeting-types', { headers: alice, body: { slug: 'intro', title: 'Other' } });
    expect([again.status, again.body.error.code]).toEqual([409, 'meeting_type_exists']);
    const renamedOnto = await call('PATCH', '/api/calendar/meeting-types/intro', { headers: alice, body: { slug: 'meeting' } });
    expect([renamedOnto.status, renamedOnto.body.error.code]).toEqual([409, 'meeting_type_exists']);

    const bad: Array<[string, Record<string, unknown>]> = [
      ['slug with capitals', { slug: 'Intro', title: 'x' }],
      ['slug too long', { slug: 'a'.repeat(41), title: 'x' }],
      ['no title', { slug: 'x' }],
      ['duration below 5', { slug: 'x', title: 'x', durations: [4] }],
      ['duration above 480', { slug: 'x', title: 'x', durations: [481] }],
      ['no durations', { slug: 'x', title: 'x', durations: [] }],
      ['http link', { slug: 'x', title: 'x', location: { kind: 'link', url: 'http://zoom.us/j/1' } }],
      ['javascript link', { slug: 'x', title: 'x', location: { kind: 'link', url: 'javascript:alert(1)' } }],
      ['bad phone', { slug: 'x', title: 'x', location: { kind: 'phone', phone: 'call me' } }],
      ['unknown location', { slug: 'x', title: 'x', location: { kind: 'teleport' } }],
      ['select without options', { slug: 'x', title: 'x', questions: [{ id: 'q', label: 'Q', kind: 'select' }] }],
      ['options on text', { slug: 'x', title: 'x', questions: [{ id: 'q', label: 'Q', kind: 'short', options: ['a'] }] }],
      ['same question twice', { slug: 'x', title: 'x', questions: [{ id: 'q', label: 'Q', kind: 'short' }, { id: 'q', label: 'R', kind: 'long' }] }],
      ['unknown field', { slug: 'x', title: 'x', price: 10 }],
    ];
    for (const [what, body] of bad) {
      const r = await call('POST', '/api/calendar/meeting-types', { headers: alice, body });
      expect([what, r.status, r.body.error.code]).toEqual([what, 400, 'invalid_request']);
    }

    const changed = await call('PATCH', '/api/calendar/meeting-types/intro', { headers: alice, body: { title: 'First call', hidden: true } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ slug: 'intro', title: 'First call', hidden: true, durations: [20, 40] });
    expect((await call('PATCH', '/api/calendar/meeting-types/nope', { headers: alice, body: { title: 'x' } })).status).toBe(404);
    expect((await call('DELETE', '/api/calendar/meeting-types/intro', { headers: alice })).status).toBe(204);
    expect((await call('DELETE', '/api/calendar/meeting-types/intro', { headers: alice })).status).toBe(404);
    const last = await call('DELETE', '/api/calendar/meeting-types/meeting', { headers: alice });
    expect([last.status, last.body.error.code]).toEqual([409, 'meeting_type_last']);

    for (let i = 1; i < 20; i++) expect((await call('POST', '/api/calendar/meeting-types', { headers: alice, body: { slug: `t${i}`, title: `T${i}` } })).status).toBe(201);
    const tooMany = await call('POST', '/api/calendar/meeting-types', { headers: alice, body: { slug: 't20', title: 'T20' } });
    expect([tooMany.status, tooMany.body.error.code]).toEqual([409, 'meeting_type_limit']);
    for (let i = 1; i < 20; i++) await call('DELETE', `/api/calendar/meeting-types/t${i}`, { headers: alice });
    expect((await call('GET', '/api/calendar/meeting-types', { headers: alice })).body.types.map((t: any) => t.slug)).toEqual(['meeting']);
  });

  it('only the agent or an admin edits an agent’s types', async () => {
    await withType(intro, async () => {
      const carol = await asAgent('carol');
      // Carol's own list is her own calendar's: she reaches Alice's types by no path.
      expect((await call('GET', '/api/calendar/meeting-types', { headers: carol })).body.types.map((t: any) => t.slug)).toEqual(['meeting']);
      expect((await call('DELETE', '/api/calendar/meeting-types/intro', { headers: carol })).status).toBe(404);
      expect((await call('GET', '/api/admin/agents/alice/meeting-types', { headers: carol })).status).toBe(401);
      const guest = await newGuest();
      expect((await call('POST', '/api/calendar/meeting-types', { headers: guest.headers, body: intro })).status).toBe(403);
      expect((await call('GET', '/api/calendar/meeting-types')).status).toBe(401);

      const listed = await call('GET', '/api/admin/agents/alice/meeting-types', { headers: ADMIN });
      expect(listed.body.types.map((t: any) => t.slug)).toEqual(['meeting', 'intro']);
      const changed = await call('PATCH', '/api/admin/agents/alice/meeting-types/intro', { headers: ADMIN, body: { description: 'Set by the admin.' } });
      expect(changed.body.description).toBe('Set by the admin.');
      expect((await call('GET', '/api/admin/agents/nobody/meeting-types', { headers: ADMIN })).status).toBe(404);
      expect((await call('POST', '/api/admin/agents/alice/meeting-types', { headers: ADMIN, body: { slug: 'bad slug', title: 'x' } })).status).toBe(400);
    });
  });
});

describe('meeting types: what guests see and book', () => {
  it('the public list shows bookable types only, without availability, hidden types or location details', async () => {
    await withType({ ...intro, location: { kind: 'link', url: 'https://zoom.us/j/123456789?pwd=secret' } }, async () =>
      withType({ slug: 'vip', title: 'VIP', hidden: true }, async () => {
        const { status, body } = await call('GET', '/api/agents/alice/meeting-types');
        expect(status).toBe(200);
        expect(body.types.map((t: any) => t.slug)).toEqual(['meeting', 'intro']);
        expect(body.types[0].durations).toEqual([15, 30, 60]);
        expect(body.types[1]).toEqual({
          slug: 'intro',
          title: 'Intro call',
          description: intro.description,
          durations: [20, 40],
          location: { kind: 'link' },
          questions: intro.questions.map((q) => ({ required: false, ...q })),
        });
        expect(JSON.stringify(body)).not.toContain('secret');
        // A hidden type is the guests' neither to see nor to book; the agent still books it.
        const [slot] = await slots('alice', 'UTC', 30);
        expect((await call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(3)}&type=vip`)).status).toBe(404);
        expect((await book(slot!.start, { type: 'vip' })).status).toBe(404);
        expect((await book(slot!.start, { type: 'nosuch' })).status).toBe(404);
        const byAgent = await call('POST', '/api/calendar/meetings', {
          headers: await asAgent('alice'),
          body: { start: slot!.start, durationMinutes: 30, name: 'Vera', email: 'vera@example.com', timeZone: 'UTC', type: 'vip' },
        });
        expect(byAgent.status).toBe(201);
        expect(byAgent.body.meeting.type).toEqual({ slug: 'vip', title: 'VIP' });
        await call('DELETE', `/api/calendar/meetings/${byAgent.body.meeting.id}`, { headers: await asAgent('alice') });
        await drainJobs();
      }),
    );
  });

  it('books a type with its durations and answers; a wrong answer is a 400 naming the question, booking nothing', async () => {
    await withType(intro, async () => {
      const r = await call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(3)}&type=intro`);
      expect(r.body).toMatchObject({ durationMinutes: 20, durations: [20, 40] });
      const start = r.body.slots[0].start;
      expect(r.body.slots[0].end).toBe(new Date(Date.parse(start) + 20 * 60_000).toISOString());

      const before = await meetingCount();
      const wrongLength = await book(start, { type: 'intro', durationMinutes: 30, answers: goodAnswers });
      expect(wrongLength.status).toBe(400);
      const cases: Array<[Record<string, unknown>, Record<string, string>]> = [
        [{}, { company: 'is required', size: 'is required', consent: 'must be checked' }],
        [{ ...goodAnswers, size: '1000' }, { size: 'must be one of: 1-10, 11-50, 51+' }],
        [{ ...goodAnswers, phone: 'not a phone' }, { phone: 'must be a phone number' }],
        [{ ...goodAnswers, company: '  ' }, { company: 'is required' }],
        [{ ...goodAnswers, company: 'two\nlines' }, { company: 'must be one line' }],
        [{ ...goodAnswers, consent: 'yes' }, { consent: 'must be true or false' }],
        [{ ...goodAnswers, budget: '1M' }, { budget: 'is not a question of this meeting type' }],
      ];
      for (const [answers, problems] of cases) {
        const refused = await book(start, { type: 'intro', durationMinutes: 20, answers, bookingKey: `bk-answers-${Object.keys(problems).join('-')}` });
        expect(refused.status).toBe(400);
        expect(refused.body.error.code).toBe('invalid_answers');
        expect(refused.body.error.details.answers).toEqual(problems);
      }
      expect(await meetingCount()).toBe(before);

      const booked = await book(start, { type: 'intro', durationMinutes: 20, answers: { ...goodAnswers, phone: '+33 1 23 45 67 89' } });
      expect(booked.status).toBe(201);
      const m = booked.body.meeting;
      expect(m.type).toEqual({ slug: 'intro', title: 'Intro call' });
      expect(m.durationMinutes).toBe(20);
      expect(m.location.kind).toBe('jitsi');
      expect(m.location.url).toMatch(ROOM);
      expect(m.location.text).toBe(m.location.url);
      expect(m.answers).toEqual([
        { id: 'company', label: 'Company', value: 'Acme' },
        { id: 'size', label: 'Team size', value: '11-50' },
        { id: 'phone', label: 'Phone', value: '+33 1 23 45 67 89' },
        { id: 'consent', label: 'I accept the terms', value: 'Yes' },
      ]);
      await drainJobs();

      // The conversation's note, the emails and the invite all carry the place and the answers.
      const messages = await call('GET', `/api/conversations/${m.conversationId}/messages?limit=50`, { headers: { authorization: `Bearer ${booked.body.guestToken}` } });
      const note = messages.body.entries.find((e: any) => e.event?.type === 'meeting').text;
      expect(note).toContain('(Intro call)');
      expect(note).toContain(`Where: ${m.location.url}`);
      expect(note).toContain('Team size: 11-50');
      const mails = await outbox();
      const toGuest = mails.find((mail) => mail.to === 'gina@example.com')!;
      const toAgent = mails.find((mail) => mail.to !== 'gina@example.com')!;
      expect(toGuest.text).toContain(`Where: ${m.location.url}`);
      expect(toAgent.text).toContain(`Where: ${m.location.url}`);
      expect(toAgent.text).toContain('Company: Acme');

      // The .ics download parses back with ical.js: LOCATION and URL are the room, DESCRIPTION has the link and answers.
      const token = booked.body.guestLink.split('#')[1];
      const ics = await call('GET', `/api/meetings/${token}/meeting.ics`);
      expect(ics.status).toBe(200);
      expect(ics.response.headers.get('content-type')).toContain('text/calendar');
      const vevent = new ICAL.Component(ICAL.parse(ics.body)).getFirstSubcomponent('vevent')!;
      expect(vevent.getFirstPropertyValue('location')).toBe(m.location.url);
      expect(vevent.getFirstPropertyValue('url')).toBe(m.location.url);
      const description = String(vevent.getFirstPropertyValue('description'));
      expect(description).toContain(`Join: ${m.location.url}`);
      expect(description).toContain('Company: Acme');
      expect(description).toContain('Change or cancel: ');
      expect((await call('GET', `/api/meetings/${token}x/meeting.ics`)).status).toBe(401);

      // A second meeting gets its own room; a reschedule keeps the room, in the new invite too.
      const second = await book(r.body.slots[8].start, { type: 'intro', durationMinutes: 20, answers: goodAnswers, email: 'hugo@example.com', name: 'Hugo' });
      expect(second.body.meeting.location.url).toMatch(ROOM);
      expect(second.body.meeting.location.url).not.toBe(m.location.url);
      await drainJobs();
      await clearOutbox();
      const moved = await call('POST', `/api/meetings/${token}/reschedule`, { body: { start: r.body.slots[16].start } });
      expect(moved.status).toBe(200);
      expect(moved.body.meeting.start).toBe(r.body.slots[16].start);
      expect(moved.body.meeting.location).toEqual(m.location);
      await drainJobs();
      const movedMail = (await outbox()).find((mail) => mail.to === 'gina@example.com')!;
      expect(movedMail.subject).toContain('moved');
      expect(movedMail.text).toContain(`Where: ${m.location.url}`);
    });
  });

  it('a type with its own availability offers only its hours; a booking without a type books the default, as before', async () => {
    const saturdays = { timeZone: 'Europe/Paris', weeklyHours: { sat: [{ start: '10:00', end: '12:00' }] }, overrides: [], durations: [30], bufferBeforeMinutes: 0, bufferAfterMinutes: 0, minimumNoticeMinutes: 0, horizonDays: 60, slotStepMinutes: 30 };
    await withType({ slug: 'weekend', title: 'Weekend', availability: saturdays, location: { kind: 'address', address: '1 rue de Rivoli, Paris' } }, async () => {
      const r = await call('GET', `/api/agents/alice/slots?timeZone=Europe/Paris&from=${dayFromNow(1)}&days=14&type=weekend`);
      expect(r.body.slots.length).toBe(8);
      for (const slot of r.body.slots) expect(new Date(slot.start).getUTCDay()).toBe(6);
      const onSaturday = await book(r.body.slots[0].start, { type: 'weekend' });
      expect(onSaturday.status).toBe(201);
      expect(onSaturday.body.meeting.location).toEqual({ kind: 'address', text: '1 rue de Rivoli, Paris' });
      // The default type still books on the calendar's weekdays, and not on a Saturday.
      const [weekday] = await slots('alice', 'UTC', 30);
      const plain = await book(weekday!.start);
      expect(plain.status).toBe(201);
      expect(plain.body.meeting).toMatchObject({ type: { slug: 'meeting', title: 'Meeting' }, location: null, answers: [] });
      // A booking key names one request: the same key for the same time as another type is refused.
      const keyed = await book(r.body.slots[4].start, { type: 'weekend', bookingKey: 'bk-weekend-once' });
      expect(keyed.status).toBe(201);
      const otherType = await book(r.body.slots[4].start, { bookingKey: 'bk-weekend-once' });
      expect([otherType.status, otherType.body.error.code]).toEqual([409, 'booking_key_reused']);
      expect((await book(r.body.slots[4].start, { type: 'weekend', bookingKey: 'bk-weekend-once' })).body.created).toBe(false);
      expect((await book(r.body.slots[2].start)).status).toBe(409);
      await drainJobs();
    });
  });
});

describe('the calendar’s schema migration', () => {
  it('turns a calendar from before types into one with the default type; its meetings become meetings of that type', async () => {
    const stub = env.CALENDARS.get(env.CALENDARS.idFromName('migration-check'));
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      // Back to the schema before meeting types, with one meeting booked then.
      for (const { name } of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").toArray()) sql.exec(`DROP TABLE ${name}`);
      migrateSchema(sql, MIGRATIONS.slice(0, 2));
      sql.exec(
        `INSERT INTO meetings (id, status, start_ms, end_ms, guest_id, guest_name, guest_email, guest_time_zone, conversation_id, booked_by, created_at)
         VALUES ('mt_old0000000001', 'confirmed', 1000, 2000, 'gu_1', 'Old Guest', 'old@example.com', 'UTC', 'cv_1', 'guest', 0)`,
      );
      migrate(sql);
      const store = new CalendarStore(sql);
      expect(store.meetingTypes().map((t) => [t.slug, t.durations, t.availability])).toEqual([['meeting', null, null]]);
      expect(store.meeting('mt_old0000000001')).toMatchObject({ type: { slug: 'meeting', title: 'Meeting' }, location: null, answers: [] });
    });
  });
});
