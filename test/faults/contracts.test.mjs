// Contracts, against a real `wrangler dev`: every `send` frame the server refuses is answered
// with an error frame carrying the frame's own clientId (when it has one of valid shape),
// with a code docs/protocol.md lists for sockets, and nothing is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { conversationSocketUrl, FrameSocket } from '../support/client.mjs';
import { demoAgent, log, startConversation, timeline, useServer } from './fixtures.mjs';

const ctx = useServer('contracts');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

/** The codes of docs/protocol.md's socket error table: what an outside client is told to expect. */
function documentedSocketCodes() {
  const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const errors = doc.slice(doc.indexOf('## Errors'));
  const rows = errors.slice(errors.indexOf('| code | when |')).split('\n').slice(2);
  const codes = [];
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    codes.push(...[...row.split('|')[1].matchAll(/`([a-z][a-z0-9_]*)`/g)].map((m) => m[1]));
  }
  return new Set(codes);
}

const clientId = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
// What is wrong with the rest of the frame: its text, a field, its type.
const spoil = fc.oneof(
  fc.constantFrom({ text: '' }, { text: ' \n\t ' }, { text: 'x'.repeat(4001) }, { text: 42 }, { text: null }, {}),
  fc.record({ text: fc.constant('hello'), extra: fc.jsonValue() }),
  fc.string({ maxLength: 12 }).filter((type) => type !== 'send').map((type) => ({ type, text: 'hello' })),
);

test('every refused send is answered with its own clientId and a documented code, and stores nothing', async (t) => {
  const documented = documentedSocketCodes();
  assert.ok(documented.has('invalid_frame') && documented.has('internal'), `socket codes read from protocol.md: ${[...documented]}`);
  const { guest, id } = await startConversation(ctx, 'Cleo Contracts');
  const before = await timeline(ctx, id, guest.headers);
  let cases = 0;
  for (const token of [guest.token, (await demoAgent('alice')).token]) {
    const socket = new FrameSocket(conversationSocketUrl(ctx.base, id, token));
    await socket.opened;
    await socket.waitFor((f) => f.type === 'welcome', 'welcome');
    // The frame that follows every welcome (docs/protocol.md "Availability") is no answer to a bad frame.
    await socket.waitFor((f) => f.type === 'availability', 'availability');
    await fc.assert(
      fc.asyncProperty(clientId, spoil, async (cid, wrong) => {
        cases += 1;
        const seen = socket.frames.length;
        const frame = { type: 'send', clientId: cid, ...wrong };
        socket.sendRaw(JSON.stringify(frame));
        const answer = await socket.waitFor((f) => socket.frames.indexOf(f) >= seen, 'an answer', 5000);
        assert.equal(answer.type, 'error', `answer to ${JSON.stringify(frame).slice(0, 100)}: ${JSON.stringify(answer)}`);
        assert.equal(answer.clientId, cid, `the error names the send it answers: ${JSON.stringify(answer)}`);
        assert.ok(documented.has(answer.code), `${answer.code} is listed in docs/protocol.md`);
        // Under the rate limit (50 frames a second), so each frame is judged on its content.
        await new Promise((r) => setTimeout(r, 25));
      }),
      { numRuns: RUNS * 10 },
    );
    socket.close();
  }
  assert.deepEqual(await timeline(ctx, id, guest.headers), before, 'a refused send stored something');
  log(`${cases} refused sends, each answered with its clientId`);
  t.diagnostic(`cases: ${cases}`);
});
