// No loss, no duplicates (C9): 20 clients write into one conversation while their sockets are
// cut at random; afterwards every acknowledged message is in the timeline exactly once, in one
// order, and every client has seen every entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoAgent, log, newAgent, startConversation, timeline, useServer } from './fixtures.mjs';
import { ResilientClient } from './resilient-client.mjs';

const ctx = useServer('no-loss');
const CLIENTS = 20;
const MESSAGES = 25;

test('20 clients with random socket drops: every acknowledged message stored once, seen by all', async (t) => {
  const { guest, id } = await startConversation(ctx, 'Nora Loss');
  // The guest, Alice and Carol (Sales' licensed members), and 17 more agents who join.
  const people = [{ name: 'guest', token: guest.token }, { name: 'alice', ...(await demoAgent('alice')) }, { name: 'carol', ...(await demoAgent('carol')) }];
  for (let i = people.length; i < CLIENTS; i += 1) {
    const agent = await newAgent(ctx, `loss${i}`);
    const joined = await ctx.call('POST', `/api/conversations/${id}/join`, { headers: { authorization: `Bearer ${agent.token}` } });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    people.push({ name: agent.slug, token: agent.token });
  }
  const clients = people.map((p) => new ResilientClient(ctx.base, id, p.token, p.name));
  await Promise.all(clients.map((c) => c.connect()));
  log(`${CLIENTS} clients connected; each sends ${MESSAGES} messages while sockets are cut at random`);

  let drops = 0;
  const chaos = setInterval(() => {
    for (const c of clients) if (c.socket && Math.random() < 0.08) (c.drop(), (drops += 1));
  }, 60);
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < MESSAGES; i += 1) {
        c.send();
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
      }
    }),
  );
  await Promise.all(clients.map((c) => c.until(() => c.pending.size === 0, 'every message acknowledged', 60_000)));
  clearInterval(chaos);
  log(`all ${CLIENTS * MESSAGES} messages acknowledged; ${drops} sockets cut on the way`);

  const entries = await timeline(ctx, id, guest.headers);
  const last = entries.at(-1).seq;
  assert.deepEqual(entries.map((e) => e.seq), Array.from({ length: last }, (_, i) => i + 1), 'one order: seqs 1..N without gaps');
  const byKey = new Map();
  for (const e of entries.filter((e) => e.kind === 'message')) {
    const key = `${e.author.id}/${e.clientId}`;
    assert.ok(!byKey.has(key), `message ${key} stored twice`);
    byKey.set(key, e);
  }
  for (const c of clients) {
    assert.equal(c.acked.size, MESSAGES, `${c.name}: every message acknowledged`);
    for (const [clientId, seq] of c.acked) {
      const stored = entries[seq - 1];
      assert.equal(stored.clientId, clientId, `${c.name}: the ack's seq ${seq} holds ${clientId}`);
    }
    assert.deepEqual(c.errors, [], `${c.name}: no error frames`);
  }
  assert.equal(byKey.size, CLIENTS * MESSAGES + 1, 'every message once (plus the guest’s first)');

  // Every client, once its socket is back, has seen every entry: live, or by catching up.
  await Promise.all(clients.map((c) => c.until(() => c.contiguous() >= last, `all ${last} entries seen`)));
  for (const c of clients) {
    for (const e of entries) assert.deepEqual(c.seen.get(e.seq), e, `${c.name} saw seq ${e.seq} as stored`);
  }
  for (const c of clients) c.stop();
  t.diagnostic(`cases: ${CLIENTS * MESSAGES}`);
  t.diagnostic(`drops: ${drops}; connections: ${clients.reduce((n, c) => n + c.connections, 0)}; upgrades that hung and were retried: ${clients.reduce((n, c) => n + c.hung, 0)} (${clients.filter((c) => c.hung).map((c) => `${c.name}: ${c.hung}`).join(', ') || 'none'})`);
});
