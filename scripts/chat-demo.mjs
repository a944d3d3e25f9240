// `npm run chat:demo`: two browser-less clients (a guest and the agent Alice) hold a live
// conversation against a running server, using only the documented HTTP + WebSocket protocol.
// Base URL from DOORBELL_URL (default http://127.0.0.1:$PORT, PORT as for `npm start`, 8787 when unset). Prints PASS and exits 0, or the failed check and exits 1.
import { agentToken } from './dev-env.mjs';

const BASE = (process.env.DOORBELL_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/$/, '');
const WS_BASE = BASE.replace(/^http/, 'ws');

const log = (msg) => console.log(`[chat-demo] ${msg}`);
const sockets = [];
function fail(msg) {
  console.error(`[chat-demo] FAIL: ${msg}`);
  for (const s of sockets) s.ws.close();
  process.exit(1);
}
const check = (ok, msg) => (ok ? log(`  ok: ${msg}`) : fail(msg));
// One overall deadline, so a missing frame fails the run instead of hanging it.
setTimeout(() => fail('timed out after 20 s'), 20_000);
if (typeof WebSocket !== 'function') fail('needs Node 22 (global WebSocket); run it with `npm run chat:demo`');

async function api(method, path, token, body) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body && JSON.stringify(body) })
    .catch((err) => fail(`${method} ${path} failed: ${err.cause?.code ?? err.message} (is the server up at ${BASE}?)`));
  const json = await res.json().catch(() => null);
  if (!res.ok) fail(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

// A socket that records every frame; `expect` waits for the next frame (after those already
// consumed) that matches, so unrelated frames such as presence are skipped, not lost.
function connect(label, conversationId, token, since) {
  const query = new URLSearchParams({ token, ...(since === undefined ? {} : { since: String(since) }) });
  const ws = new WebSocket(`${WS_BASE}/api/conversations/${conversationId}/socket?${query}`);
  const client = { label, ws, frames: [], cursor: 0, waiter: null, closing: false };
  ws.addEventListener('message', (event) => {
    const frame = JSON.parse(event.data);
    client.frames.push(frame);
    const detail = frame.entry ? ` #${frame.entry.seq} ${frame.entry.author.name}: ${frame.entry.text}`
      : frame.type === 'ack' ? ` #${frame.seq} duplicate:${frame.duplicate}` : '';
    log(`  ${label} <- ${frame.type}${detail}`);
    // The server never sends an error in a healthy conversation; stop at the first one.
    if (frame.type === 'error') fail(`${label} got error ${frame.code}: ${frame.message}`);
    client.waiter?.();
  });
  ws.addEventListener('close', (e) => client.closing || fail(`${label} socket closed unexpectedly (${e.code} ${e.reason})`));
  ws.addEventListener('error', () => client.closing || fail(`${label} socket error (is the server up at ${BASE}?)`));
  client.send = (frame) => ws.send(JSON.stringify(frame));
  client.expect = (what, match) =>
    new Promise((resolve) => {
      client.waiter = () => {
        const i = client.frames.findIndex((f, j) => j >= client.cursor && match(f));
        if (i < 0) return;
        client.waiter = null;
        client.cursor = i + 1;
        resolve(client.frames[i]);
      };
      log(`${label} waits for ${what}`);
      client.waiter();
    });
  client.close = () =>
    new Promise((resolve) => {
      client.closing = true;
      ws.addEventListener('close', resolve);
      ws.close(1000, 'demo done');
    });
  sockets.push(client);
  return client;
}

const runId = Date.now().toString(36);
const isEntry = (seq) => (f) => f.type === 'entry' && f.entry.seq === seq;
const isAck = (clientId) => (f) => f.type === 'ack' && f.clientId === clientId;
const maxSeenSeq = (client) => Math.max(0, ...client.frames.filter((f) => f.type === 'entry').map((f) => f.entry.seq));

log(`1. creating guest "Ann Lee" at ${BASE}`);
const { guest, token: guestToken } = await api('POST', '/api/guests', '', { name: 'Ann Lee', email: 'ann.lee@example.com' });

log('2. guest writes to alice to start the conversation');
const started = await api('POST', '/api/conversations', guestToken, {
  target: { kind: 'agent', slug: 'alice' },
  clientId: `demo-${runId}-hello`,
  text: 'Hi Alice, do you have a minute?',
});
const conversationId = started.conversation.id;
check(started.created && !started.duplicate, `guest ${guest.id} started conversation ${conversationId} with message #${started.seq}`);

log("3. minting alice's development JWT (as scripts/token.mjs does)");
const aliceToken = await agentToken('alice@doorbell.example', '10m');

log('4. opening both sockets');
let guestWs = connect('guest', conversationId, guestToken);
const alice = connect('alice', conversationId, aliceToken);
const guestWelcome = await guestWs.expect('welcome', (f) => f.type === 'welcome');
const aliceWelcome = await alice.expect('welcome', (f) => f.type === 'welcome');
check(guestWelcome.conversation.you.id === guest.id && aliceWelcome.conversation.you.kind === 'agent', 'both sockets welcomed as themselves');

log('5. guest sends a message; alice must get it live');
const guestMsgId = `demo-${runId}-g1`;
guestWs.send({ type: 'send', clientId: guestMsgId, text: 'Can we talk about pricing?' });
const ack1 = await guestWs.expect('ack', isAck(guestMsgId));
check(!ack1.duplicate && ack1.seq > started.seq, `guest's message acked as #${ack1.seq}, not a duplicate`);
const live1 = await alice.expect(`entry #${ack1.seq}`, isEntry(ack1.seq));
check(live1.entry.author.id === guest.id && live1.entry.clientId === guestMsgId, 'alice received the guest message live');

log('6. alice replies; the guest must get it live');
const aliceMsgId = `demo-${runId}-a1`;
alice.send({ type: 'send', clientId: aliceMsgId, text: 'Of course, Ann. What would you like to know?' });
const ack2 = await alice.expect('ack', isAck(aliceMsgId));
const live2 = await guestWs.expect(`entry #${ack2.seq}`, isEntry(ack2.seq));
check(live2.entry.author.kind === 'agent' && live2.entry.text.startsWith('Of course'), `guest received alice's reply #${ack2.seq} live`);

log('7. guest types; alice must see it');
guestWs.send({ type: 'typing', typing: true });
const typing = await alice.expect('typing', (f) => f.type === 'typing');
check(typing.participant.id === guest.id && typing.typing === true, 'alice saw the guest typing');

log('8. guest disconnects; alice writes while the guest is away');
const lastSeen = maxSeenSeq(guestWs);
await guestWs.close();
const missedId = `demo-${runId}-a2`;
alice.send({ type: 'send', clientId: missedId, text: 'Sent while you were away.' });
const ack3 = await alice.expect('ack', isAck(missedId));

log(`9. guest reconnects with ?since=${lastSeen}; must get exactly the missed entry, then caught_up`);
guestWs = connect('guest', conversationId, guestToken, lastSeen);
await guestWs.expect('welcome', (f) => f.type === 'welcome');
const from = guestWs.cursor;
const caughtUp = await guestWs.expect('caught_up', (f) => f.type === 'caught_up');
const replayed = guestWs.frames.slice(from, guestWs.cursor - 1).filter((f) => f.type === 'entry');
check(replayed.length === 1 && replayed[0].entry.seq === ack3.seq && replayed[0].entry.clientId === missedId,
  `replay held exactly entry #${ack3.seq} (got ${replayed.map((f) => `#${f.entry.seq}`).join(', ') || 'none'})`);
check(caughtUp.lastSeq === ack3.seq, `caught_up reports lastSeq ${caughtUp.lastSeq}`);

log('10. guest resends its earlier clientId; must be acked as a duplicate with the same seq');
guestWs.send({ type: 'send', clientId: guestMsgId, text: 'Can we talk about pricing?' });
const dup = await guestWs.expect('ack', isAck(guestMsgId));
check(dup.duplicate === true && dup.seq === ack1.seq, `resend acked duplicate:${dup.duplicate} seq #${dup.seq}`);
// A stored message would have been broadcast to this socket before its ack.
check(!guestWs.frames.some((f) => f.type === 'entry' && f.entry.seq > ack3.seq), 'no new entry was stored for the resend');

await guestWs.close();
await alice.close();
log('PASS');
process.exit(0);
