// 1. Fan-out latency: one conversation, one guest, 20 agents connected; the guest sends
// messages at a steady rate and every agent's receipt is timed (send → entry frame).
// The same pattern runs against the references: the bare relay Durable Object, the relay
// with a storage write per frame (to show what storage costs), a plain `ws` broadcast
// server and a Socket.IO room, plus Doorbell with the 20 agents watching rather than
// participating (no inbox update per agent per message) to show what the inboxes cost.
import { doorbell, newGuest } from '../lib/doorbell.mjs';
import { inParallel, paced } from '../lib/pace.mjs';
import { log, progress } from '../lib/progress.mjs';
import { openSocketIo, openWebSocket } from '../lib/sockets.mjs';
import { medianOfRuns, summarize } from '../lib/stats.mjs';
import { deliveryTracker } from '../lib/tracker.mjs';

const AGENTS = 20;
// The protocol allows 50 frames/s per socket (docs/protocol.md), so the guest spreads its
// messages over enough sockets (tabs) to stay under it; every target gets the same number.
const PER_SOCKET_RATE = 40;

const text = (i, prefix = 'f') => JSON.stringify({ type: 'send', clientId: `${prefix}-${i}`, text: `Message ${i} from the guest: is the team plan billed monthly?` });
// Messages sent first and not measured, so every target is measured warm (JIT, first storage writes).
const WARMUP = { full: 100, quick: 20 };

/**
 * How each target is reached: `guest(onText)` opens one of the guest's sockets and
 * `agent(r, onText)` agent r's; for the references both are just sockets in one room.
 */
const targets = {
  async doorbell(ctx, watching = false) {
    const api = doorbell(await ctx.product());
    const { agents, host } = await ctx.cache('fanout-agents', async () => {
      const list = [];
      for (let i = 1; i <= AGENTS; i++) list.push(await api.agent(`fan-agent-${String(i).padStart(2, '0')}`));
      await api.service('fanout', list);
      const host = await api.agent('fan-host');
      await api.service('fanout-watch', [host]);
      return { agents: list, host };
    });
    const guest = await newGuest(api.call, watching ? 'Watched Guest' : 'Fanout Guest');
    const id = await api.conversation(guest, { kind: 'service', slug: watching ? 'fanout-watch' : 'fanout' });
    const view = await api.expect(200, 'view', api.call('GET', `/api/conversations/${id}`, { headers: guest.headers }));
    const participants = view.participants.filter((p) => p.kind === 'agent').length;
    if (participants !== (watching ? 1 : AGENTS)) throw new Error(`expected ${watching ? 1 : AGENTS} agent participants, got ${participants}`);
    // The one participant is connected too (not timed), as every participant is in the row with 20:
    // away, they would have each message also queue their email digest (C12), which is not the layer this row isolates.
    const present = watching ? await openWebSocket(api.socketUrl(id, host.token), () => {}) : null;
    return {
      guest: (onText) => openWebSocket(api.socketUrl(id, guest.token), onText),
      agent: (r, onText) => openWebSocket(api.socketUrl(id, agents[r].token), onText),
      // A target that fell behind leaves a backlog: a full run gives the next one a fresh server.
      stop: () => (present?.close(), ctx.quick ? undefined : ctx.stopAll()),
    };
  },
  watching: (ctx) => targets.doorbell(ctx, true),
  relay: (ctx) => relayRoom(ctx, 'relay'),
  stored: (ctx) => relayRoom(ctx, 'stored'),
  ws: (ctx) => nodePeer(ctx, 'ws-server.mjs', (base, onText) => openWebSocket(`${base.replace('http', 'ws')}/room`, onText)),
  socketio: (ctx) => nodePeer(ctx, 'socketio-server.mjs', (base, onText) => openSocketIo(base, 'room', onText)),
};

async function relayRoom(ctx, kind) {
  const url = `${(await ctx.relay()).base.replace('http', 'ws')}/${kind}/room-${Date.now()}`;
  const open = (onText) => openWebSocket(url, onText);
  return { guest: open, agent: (_r, onText) => open(onText) };
}

async function nodePeer(ctx, script, open) {
  const peer = await ctx.nodePeer(script);
  return { guest: (onText) => open(peer.base, onText), agent: (_r, onText) => open(peer.base, onText), stop: peer.stop };
}

const LAYER_ROWS = ['stored', 'watching'];

export const LABELS = {
  doorbell: 'Doorbell (20 agent participants)',
  watching: 'Doorbell, 20 agents watching (1 participant, connected)',
  stored: 'Relay DO + SQLite write per frame',
  relay: 'Bare relay Durable Object',
  ws: 'Plain Node ws broadcast',
  socketio: 'Socket.IO room broadcast',
};

/** One target: connect, send `count` messages at `rate`, wait for every agent to get each. */
async function measure(ctx, key, count, rate, warmup) {
  const senders = Math.ceil(rate / PER_SOCKET_RATE);
  const track = deliveryTracker(count, AGENTS);
  const acks = [];
  let errors = 0;
  const idOf = (frame) => {
    const clientId = frame.type === 'entry' ? frame.entry.clientId : frame.clientId;
    return typeof clientId === 'string' && clientId.startsWith('f-') ? Number(clientId.slice(2)) : -1;
  };
  const onGuest = (t) => {
      const frame = JSON.parse(t);
      if (frame.type === 'ack' && idOf(frame) >= 0) acks.push(performance.now() - track.sentAt(idOf(frame)));
      if (frame.type === 'error') errors++;
  };
  const onAgent = (r) => (t) => {
      const frame = JSON.parse(t);
      if (frame.type === 'error') errors++;
      if (frame.type === 'entry' || frame.type === 'send') track.receive(idOf(frame), r);
  };
  log(`fanout: ${LABELS[key]}: ${senders} guest sockets, ${AGENTS} agents`);
  const target = await targets[key](ctx);
  const guests = await inParallel(senders, () => target.guest(onGuest));
  const agents = await inParallel(AGENTS, (r) => target.agent(r, onAgent(r)));
  await paced(warmup, rate, (i) => guests[i % senders].send(text(i, 'w')));
  await new Promise((r) => setTimeout(r, ctx.quick ? 300 : 1000)); // warm-up deliveries and presence frames settle
  const bar = progress(`fanout ${key}`, () => `${track.sent}/${count} sent, ${track.received}/${count * AGENTS} delivered`);
  await paced(count, rate, (i) => track.send(i) && (guests[i % senders].send(text(i)), true));
  const complete = await track.drain();
  bar.done();
  for (const link of [...guests, ...agents]) link.close();
  await target.stop?.();
  return {
    label: LABELS[key],
    rate,
    guestSockets: senders,
    agents: AGENTS,
    ...track.figures(),
    complete,
    errors,
    ackMs: acks.length ? summarize(acks) : null,
  };
}

export default {
  name: 'fanout',
  title: 'Fan-out latency',
  async run(ctx) {
    const count = ctx.quick ? 100 : 5000;
    const rate = 100;
    // References first, Doorbell last: a target that falls behind leaves a backlog that would
    // take CPU from whatever ran next on this machine (a full run restarts Doorbell after each).
    const keys = ['relay', 'stored', 'ws', 'socketio', 'watching', 'doorbell'];
    const warmup = ctx.quick ? WARMUP.quick : WARMUP.full;
    const runs = Object.fromEntries(keys.map((key) => [key, []]));
    // In rounds, every target once per round, so that a spell of a slower machine (these are
    // shared VMs) falls on all of them rather than on one; each row is the median of its runs.
    for (let round = 1; round <= ctx.repeat; round++) {
      if (ctx.repeat > 1) log(`fanout: round ${round} of ${ctx.repeat}`);
      // The intermediate rows only split the gap into layers: a fifth of the messages is enough.
      for (const key of keys) runs[key].push(await measure(ctx, key, LAYER_ROWS.includes(key) ? Math.ceil(count / 5) : count, rate, warmup));
    }
    const results = Object.fromEntries(keys.map((key) => [key, medianOfRuns(runs[key])]));
    return { params: { messages: count, warmup, rate, agents: AGENTS, perSocketRate: PER_SOCKET_RATE, repeat: ctx.repeat }, targets: results };
  },
  print(result) {
    return Object.values(result.targets).map(
      (t) =>
        `${t.label.padEnd(46)} p50 ${t.latencyMs.p50} ms  p95 ${t.latencyMs.p95}  p99 ${t.latencyMs.p99}  max ${t.latencyMs.max}  ${t.msgsPerSecond} msg/s` +
        (t.fellBehind ? `  FELL BEHIND: stopped after ${t.messages} messages` : '') +
        (t.undelivered || t.duplicates || t.errors ? `  missing at the end ${t.undelivered}, duplicates ${t.duplicates}, errors ${t.errors}` : ''),
    );
  },
};
