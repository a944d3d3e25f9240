// Hostile use of conversations (issue "hardening conversations"): replays that would exhaust an
// object's memory, and who may list, revoke and use invite links (cells in the style of
// authz.test.mjs, for the routes added here), with invalid input for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssMiB, workerdPids } from '../../bench/lib/servers.mjs';
import { bearer, conversationSocketUrl, FrameSocket } from '../support/client.mjs';
import { demoAgent, log, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('hostile-chat');

/** The guest's conversation with `entries` entries in all (its `created` event and first message included). */
async function conversationWithHistory(name, entries) {
  const c = await startConversation(ctx, name, { kind: 'agent', slug: 'alice' });
  const texts = Array.from({ length: entries - 2 }, (_, i) => `message ${i} ${'x'.repeat(200)}`);
  for (let i = 0; i < texts.length; i += 10) {
    await Promise.all(
      texts.slice(i, i + 10).map(async (text, j) => {
        const r = await ctx.call('POST', `/api/conversations/${c.id}/messages`, { headers: c.guest.headers, body: { clientId: `h-${i + j}`, text } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }),
    );
  }
  return c;
}

test('200 resumes from a client that does not read cannot make the runtime hold their replays', async (t) => {
  const HISTORY = 600;
  const RESUMES = 200;
  const c = await conversationWithHistory('Rita Resume', HISTORY);
  // wrangler dev runs more than one workerd (its proxy, then the Worker): count them all.
  const pids = workerdPids(ctx.server.pid);
  assert.ok(pids.length > 0, 'workerd processes of wrangler dev');
  const rss = () => Math.round(pids.reduce((sum, pid) => sum + (rssMiB(pid) ?? 0), 0) * 10) / 10;
  const socket = new FrameSocket(conversationSocketUrl(ctx.base, c.id, c.guest.token));
  await socket.opened;
  await socket.waitFor((f) => f.type === 'welcome', 'welcome');
  await sleep(1000);
  const before = rss();

  // Stop reading: what the server sends piles up in the kernel's buffers, then in workerd's.
  socket.ws._socket.pause();
  for (let i = 0; i < RESUMES; i++) socket.send({ type: 'resume', since: 0 });
  let peak = before;
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    peak = Math.max(peak, rss());
  }
  const grown = Math.round((peak - before) * 10) / 10;
  socket.ws._socket.resume();
  await socket.waitFor(() => socket.frames.filter((f) => f.type === 'caught_up').length === RESUMES, 'every caught_up', 60_000).catch(() => null);
  const received = socket.frames.filter((f) => f.type === 'entry').length;
  const caughtUp = socket.frames.filter((f) => f.type === 'caught_up').length;
  const summary = `workerd RSS before ${before} MiB, peak ${peak} MiB (+${grown} MiB); ${received} entries and ${caughtUp} caught_up received`;
  log(summary);
  t.diagnostic(`memory: ${summary}`);
  t.diagnostic(`cases: ${RESUMES}`);
  socket.terminate();
  assert.ok(grown < 64, `the runtime grew by ${grown} MiB`);
  // Every resume is answered, but each entry went out once: the replays were coalesced.
  assert.equal(caughtUp, RESUMES);
  assert.equal(received, HISTORY);
});
