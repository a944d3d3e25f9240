// Hostile booking (fast-check): a guest's bookingKey replayed by someone else. Whatever the
// replay changes (agent, start, duration, email, name), it is refused 409 booking_key_reused
// and its answer carries nothing of the first guest's: not their meeting, token or link. Only
// a true retry (the same details, the email in any case, the name with other outer spaces)
// gets the same meeting back. The first guest's meeting is left as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer } from '../support/client.mjs';
import { demoAgent, useServer } from './fixtures.mjs';

const ctx = useServer('hostile-booking');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const REPLAYS_PER_RUN = 4;

const book = (slug, body) => ctx.call('POST', `/api/agents/${slug}/bookings`, { body });

async function freeSlots(slug) {
  const from = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const r = await ctx.call('GET', `/api/agents/${slug}/slots?timeZone=UTC&from=${from}&days=30&duration=30`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.slots.map((s) => s.start);
}

const name = fc.oneof(fc.constantFrom('Vera Victim', 'vera victim', 'Mallory', 'Vera  Victim'), fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0));
const email = fc.oneof(fc.constantFrom('vera@example.com', 'VERA@example.com', 'mallory@example.com'), fc.stringMatching(/^[a-z0-9]{1,12}$/).map((l) => `${l}@example.com`));
// A replay: each field is either the victim's or another value.
const replay = fc.record({
  agent: fc.constantFrom('alice', 'alice', 'carol'),
  startShift: fc.constantFrom(0, 0, 1, -1, 2),
  durationMinutes: fc.constantFrom(30, 30, 15, 60),
  name: fc.option(name, { nil: undefined }),
  email: fc.option(email, { nil: undefined }),
  padName: fc.boolean(),
});

test('a booking key replayed with other details is refused and hands over nothing', async (t) => {
  const alice = await demoAgent('alice');
  const slots = await freeSlots('alice');
  assert.ok(slots.length > RUNS * 8, 'enough free slots');
  let run = 0;
  let cases = 0;
  const failures = [];
  await fc.assert(
    fc.asyncProperty(fc.array(replay, { minLength: REPLAYS_PER_RUN, maxLength: REPLAYS_PER_RUN }), async (replays) => {
      run += 1;
      // An hour apart (15-minute steps), clear of each other's buffers; a shifted replay may
      // hit a free or a taken time.
      const index = 4 * run;
      const key = `victim-${Date.now()}-${run}`;
      const victim = { start: slots[index], durationMinutes: 30, name: 'Vera Victim', email: 'vera@example.com', timeZone: 'Europe/Paris', bookingKey: key };
      const first = await book('alice', victim);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const secrets = [first.body.meeting.id, first.body.guestToken, first.body.guestLink, first.body.meeting.conversationId];

      for (const r of replays) {
        cases += 1;
        const body = {
          ...victim,
          start: slots[Math.max(0, index + r.startShift)],
          durationMinutes: r.durationMinutes,
          name: r.padName ? `  ${r.name ?? victim.name} ` : (r.name ?? victim.name),
          email: r.email ?? victim.email,
          timeZone: 'America/New_York',
        };
        const same =
          r.agent === 'alice' && body.start === victim.start && body.durationMinutes === victim.durationMinutes && body.name.trim() === victim.name && body.email.toLowerCase() === victim.email;
        const answer = await book(r.agent, body);
        const text = JSON.stringify(answer.body);
        const label = `${r.agent} ${JSON.stringify(body)} → ${answer.status} ${text.slice(0, 200)}`;
        if (same) {
          if (answer.status !== 201 || answer.body.created !== false || answer.body.meeting.id !== first.body.meeting.id) failures.push(`true retry: ${label}`);
        } else {
          if (answer.status !== 409 || answer.body.error?.code !== 'booking_key_reused') failures.push(`replay not refused: ${label}`);
          for (const secret of secrets) if (text.includes(secret)) failures.push(`replay got the victim's ${secret.slice(0, 12)}…: ${label}`);
        }
      }
      const calendar = await ctx.call('GET', '/api/calendar', { headers: bearer(alice.token) });
      const held = calendar.body.meetings.find((m) => m.id === first.body.meeting.id);
      assert.deepEqual(
        { start: held.start, status: held.status, guest: held.guest.email, sequence: held.sequence },
        { start: victim.start, status: 'confirmed', guest: victim.email, sequence: 0 },
      );
    }),
    { numRuns: RUNS },
  );
  // Nobody but the victim holds a meeting at alice's (the replays booked nothing either).
  const calendar = await ctx.call('GET', '/api/calendar', { headers: bearer(alice.token) });
  const others = calendar.body.meetings.filter((m) => m.guest.email !== 'vera@example.com');
  if (others.length) failures.push(`replays booked ${others.length} meetings: ${JSON.stringify(others.slice(0, 2))}`);
  t.diagnostic(`cases: ${cases}`);
  assert.deepEqual(failures, []);
});
