// Restart: the local server is killed (SIGKILL, no shutdown) in the middle of a load and started
// again on the same state directory. Nothing acknowledged is lost, a reminder that was pending
// goes out exactly once, and the 2-second rejoin rule (C6) holds across the restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer } from '../support/client.mjs';
import { demoAgent, log, startConversation, timeline, useServer } from './fixtures.mjs';
import { ResilientClient } from './resilient-client.mjs';

const ctx = useServer('restart');
const MINUTE = 60_000;
const allDay = [{ start: '00:00', end: '24:00' }];

/** Books a meeting with Alice whose reminder falls due shortly after the restart. */
async function meetingWithReminderSoon(alice) {
  const due = Math.ceil((Date.now() + 30_000) / MINUTE) * MINUTE;
  const start = Math.ceil((due + MINUTE) / (5 * MINUTE)) * 5 * MINUTE;
  const minutes = (start - due) / MINUTE;
  const settings = await ctx.call('PATCH', '/api/calendar/settings', {
    headers: bearer(alice.token),
    body: {
      availability: {
        timeZone: 'UTC',
        weeklyHours: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
        overrides: [],
        // Five minutes: a meeting starting at 23:55 still ends within the day (00:00–24:00), whenever CI runs.
        durations: [5],
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        minimumNoticeMinutes: 0,
        horizonDays: 7,
        slotStepMinutes: 5,
      },
      reminderMinutes: [minutes],
    },
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  const booked = await ctx.call('POST', '/api/agents/alice/bookings', {
    body: { start: new Date(start).toISOString(), durationMinutes: 5, name: 'Rita Reminder', email: 'rita@example.com', timeZone: 'UTC' },
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  log(`meeting at ${new Date(start).toISOString()}, reminder ${minutes} min before, due ${new Date(due).toISOString()}`);
  return { meeting: booked.body.meeting, guestToken: booked.body.guestToken, due };
}

const reminderEmails = async () => {
  const r = await ctx.call('GET', '/dev/outbox.json?limit=500');
  return r.body.emails.filter((e) => e.subject.startsWith('Reminder:'));
};

test('killed mid-load and restarted: nothing acknowledged lost, one reminder, rejoin rule kept', async (t) => {
  const alice = await demoAgent('alice');
  const reminder = await meetingWithReminderSoon(alice);

  // C6 before the crash: Alice leaves her personal-link conversation and the guest writes at once.
  const personal = await startConversation(ctx, 'Rudi Rejoin', { kind: 'agent', slug: 'alice' });
  assert.equal((await ctx.call('POST', `/api/conversations/${personal.id}/leave`, { headers: bearer(alice.token) })).status, 200);
  const quick = await ctx.call('POST', `/api/conversations/${personal.id}/messages`, { headers: personal.guest.headers, body: { clientId: 'quick', text: 'Still there?' } });
  assert.equal(quick.status, 200, JSON.stringify(quick.body));
  let view = await ctx.call('GET', `/api/conversations/${personal.id}`, { headers: personal.guest.headers });
  assert.ok(!view.body.participants.some((p) => p.kind === 'agent'), 'a message within 2 s of leaving does not bring Alice back');

  // Load: the guest and Alice write continuously in a Sales conversation.
  const { guest, id } = await startConversation(ctx, 'Karl Crash');
  const clients = [new ResilientClient(ctx.base, id, guest.token, 'guest'), new ResilientClient(ctx.base, id, alice.token, 'alice')];
  await Promise.all(clients.map((c) => c.connect()));
  let writing = true;
  const writers = clients.map(async (c) => {
    // 40 a second each: as fast as the protocol's rate limit (50 frames a second) lets a client write.
    while (writing) {
      c.send();
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  const ackedBeforeCrash = clients.flatMap((c) => [...c.acked].map(([clientId, seq]) => ({ who: c.name, clientId, seq })));
  log(`killing the server (SIGKILL) with ${ackedBeforeCrash.length} messages acknowledged and ${clients.reduce((n, c) => n + c.pending.size, 0)} in flight`);
  await ctx.server.restart();
  log('server restarted on the same state');
  await new Promise((r) => setTimeout(r, 1000));
  writing = false;
  await Promise.all(writers);
  await Promise.all(clients.map((c) => c.until(() => c.pending.size === 0, 'every message acknowledged after the restart', 60_000)));

  const entries = await timeline(ctx, id, guest.headers);
  for (const { clientId, seq } of ackedBeforeCrash) {
    assert.equal(entries[seq - 1]?.clientId, clientId, `acknowledged before the crash: ${clientId} at seq ${seq}`);
  }
  const keys = entries.filter((e) => e.kind === 'message').map((e) => `${e.author.id}/${e.clientId}`);
  assert.equal(new Set(keys).size, keys.length, 'no message stored twice');
  const sent = clients.reduce((n, c) => n + c.sent, 0);
  assert.equal(keys.length, sent + 1, 'every message sent is stored once (plus the first)');
  for (const c of clients) c.stop();
  log(`${ackedBeforeCrash.length} acknowledged before the crash all kept; ${sent} sent in total, each stored once`);

  // C6 after the restart: the guest's next message brings Alice back, whatever the time.
  const next = await ctx.call('POST', `/api/conversations/${personal.id}/messages`, { headers: personal.guest.headers, body: { clientId: 'next', text: 'Hello again' } });
  assert.equal(next.status, 200);
  view = await ctx.call('GET', `/api/conversations/${personal.id}`, { headers: personal.guest.headers });
  assert.ok(view.body.participants.some((p) => p.kind === 'agent' && p.name === 'Alice Martin'), 'the next message brings Alice back');
  const rejoined = (await timeline(ctx, personal.id, personal.guest.headers)).filter((e) => e.event?.type === 'rejoined');
  assert.equal(rejoined.length, 1, 'rejoined once');

  // M5: the reminder that was pending during the crash goes out once, to guest and agent.
  const wait = reminder.due + 15_000 - Date.now();
  if (wait > 0) log(`waiting ${Math.round(wait / 1000)} s for the reminder`);
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  const deadline = Date.now() + 30_000;
  let emails = await reminderEmails();
  while (emails.length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    emails = await reminderEmails();
  }
  await new Promise((r) => setTimeout(r, 3000));
  emails = await reminderEmails();
  assert.deepEqual(emails.map((e) => e.to[0].email).sort(), ['alice@doorbell.example', 'rita@example.com'], 'one reminder each to the agent and the guest');
  const notes = (await timeline(ctx, reminder.meeting.conversationId, bearer(reminder.guestToken))).filter((e) => e.event?.type === 'meeting' && e.event.action === 'reminder');
  assert.equal(notes.length, 1, 'one reminder note in the meeting conversation');
  t.diagnostic(`cases: ${ackedBeforeCrash.length + 3}`);
});
