// Fuzz (fast-check) of the inbox settings' notification preferences (PATCH /api/inbox/settings):
// generated valid changes are applied as a merge, answered with the whole settings, read back
// the same, and sent to the agent's open inbox socket; generated bad bodies (a value that is
// not a boolean, an unknown key at any depth, an object naming nothing) are 400 and change
// nothing; no one else's settings ever change, and guests are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, FrameSocket, newGuest } from '../support/client.mjs';
import { demoAgent, log, useServer } from './fixtures.mjs';

const ctx = useServer('notify');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12) * 5;

const KNOWN = ['emailWhenOffline', 'notifications', 'guestMessages', 'desktop', 'sound'];
const named = (o) => Object.keys(o).length > 0;
const channels = fc.record({ desktop: fc.boolean(), sound: fc.boolean() }, { requiredKeys: [] }).filter(named);
const goodPatch = fc.record({ emailWhenOffline: fc.boolean(), notifications: fc.record({ guestMessages: channels }) }, { requiredKeys: [] }).filter(named);

const json = fc.jsonValue({ maxDepth: 2 });
const notBoolean = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 8 }), fc.constantFrom('true', 'false', 0, 1), fc.array(fc.boolean(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !KNOWN.includes(k) && k !== '__proto__');
const at = (patch, level, extra) =>
  level === 0
    ? { ...patch, ...extra }
    : level === 1
      ? { ...patch, notifications: { ...patch.notifications, ...extra } }
      : { ...patch, notifications: { ...patch.notifications, guestMessages: { ...patch.notifications?.guestMessages, ...extra } } };
const badPatch = fc.oneof(
  // A valid change with one value that is not a boolean.
  fc.tuple(goodPatch, fc.constantFrom('emailWhenOffline', 'desktop', 'sound'), notBoolean).map(([p, leaf, v]) => at(p, leaf === 'emailWhenOffline' ? 0 : 2, { [leaf]: v })),
  // A valid change with an unknown key at some depth (mentions are not a kind yet).
  fc.tuple(goodPatch, fc.constantFrom(0, 1, 2), fc.oneof(unknownKey, fc.constant('mentions')), json).map(([p, level, k, v]) => at(p, level, { [k]: v })),
  // A level that is not an object, or names nothing.
  fc.tuple(goodPatch, fc.constantFrom(1, 2), fc.oneof(notBoolean.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)), fc.constant({}))).map(([p, level, v]) =>
    level === 1 ? { ...p, notifications: v } : { ...p, notifications: { guestMessages: v } },
  ),
  fc.constant({}),
);

/** The settings after `patch`, as docs/api.md says: what it names changes, the rest stays. */
const merged = (s, patch) => ({
  awayAfterMinutes: s.awayAfterMinutes,
  emailWhenOffline: patch.emailWhenOffline ?? s.emailWhenOffline,
  notifications: { guestMessages: { ...s.notifications.guestMessages, ...patch.notifications?.guestMessages } },
});

test('PATCH /api/inbox/settings: generated changes merge, reach the open console, and bad ones are 400 and change nothing', async (t) => {
  const alice = await demoAgent('alice');
  const bob = await demoAgent('bob');
  const guest = await newGuest(ctx.call, 'Gus Fuzz');
  const read = async (who) => (await ctx.call('GET', '/api/inbox/settings', { headers: bearer(who.token) })).body;
  const bobBefore = await read(bob);
  let model = await read(alice);
  assert.deepEqual(model, { awayAfterMinutes: 10, emailWhenOffline: false, notifications: { guestMessages: { desktop: false, sound: false } } });

  const socket = new FrameSocket(`${ctx.base.replace(/^http/, 'ws')}/api/inbox/socket?token=${encodeURIComponent(alice.token)}`);
  await socket.opened;
  await socket.waitFor((f) => f.type === 'inbox', 'inbox snapshot');

  let cases = 0;
  const failures = [];
  const patch = (headers, body) => ctx.call('PATCH', '/api/inbox/settings', { headers, body });

  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(goodPatch.map((body) => ({ ok: true, body })), badPatch.map((body) => ({ ok: false, body }))), { minLength: 1, maxLength: 6 }), async (steps) => {
      for (const { ok, body } of steps) {
        cases += 1;
        const seen = socket.frames.length;
        const r = await patch(bearer(alice.token), body);
        const sent = JSON.stringify(body).slice(0, 160);
        if (ok) {
          model = merged(model, body);
          if (r.status !== 200) failures.push(`valid ${sent} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
          else if (JSON.stringify(r.body) !== JSON.stringify(model)) failures.push(`valid ${sent} answered ${JSON.stringify(r.body)}, expected ${JSON.stringify(model)}`);
          const frame = await socket.waitFor((f) => f.type === 'settings' && socket.frames.indexOf(f) >= seen, `settings frame after ${sent}`).catch((e) => e);
          if (frame instanceof Error || JSON.stringify(frame.settings) !== JSON.stringify(model)) failures.push(`valid ${sent}: settings frame ${frame instanceof Error ? frame.message : JSON.stringify(frame.settings)}`);
        } else if (r.status !== 400 || r.body?.error?.code !== 'invalid_request') {
          failures.push(`bad ${sent} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        }
        // Refused for a guest whatever the body: 403 agents_only, and nothing changes.
        cases += 1;
        const asGuest = await patch(guest.headers, body);
        if (asGuest.status !== 403) failures.push(`guest ${sent} → ${asGuest.status}`);
        const now = await read(alice);
        if (JSON.stringify(now) !== JSON.stringify(model)) failures.push(`after ${ok ? 'valid' : 'bad'} ${sent}: reads ${JSON.stringify(now)}, expected ${JSON.stringify(model)}`);
      }
    }),
    { numRuns: RUNS },
  );
  socket.close();
  log(`${cases} settings requests; alice ends at ${JSON.stringify(model)}`);
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} wrong answers`);
  assert.deepEqual(await read(bob), bobBefore, 'another agent’s settings changed');
  t.diagnostic(`cases: ${cases}`);
});
