// 3. Many conversations: a guest and an agent in each of 1,000 conversations, both
// connected; messages spread over them at a steady rate, each from one side (chosen at
// random) and timed until the other side receives it. Reports throughput, latency and the
// memory of the server process (workerd's resident set, /proc/<pid>/status VmRSS) before
// the conversations exist, once they are open, and after the messages. The reference, first
// and measured the same way: the bare relay Durable Object with one object per conversation
// (bench/peers/relay-worker), two sockets in each; then the storing relay, one SQLite write per frame.
import { doorbell, newGuest } from '../lib/doorbell.mjs';
import { inParallel, paced } from '../lib/pace.mjs';
import { log, progress } from '../lib/progress.mjs';
import { cpuMeter, rssMiB, workerdPid, workerdPids } from '../lib/servers.mjs';
import { openWebSocket } from '../lib/sockets.mjs';
import { deliveryTracker } from '../lib/tracker.mjs';

export const LABELS = { doorbell: 'Doorbell', relay: 'Bare relay Durable Object', stored: 'Relay DO + SQLite write per frame' };

/**
 * How each target is reached: `setup()` makes what the sockets need and answers
 * `url(s)`, the address of socket s (2c is conversation c's guest, 2c+1 its agent), and
 * how a received text names the message it carries.
 */
const targets = {
  async doorbell(ctx, { conversations, agentCount }) {
    const server = await ctx.product();
    const api = doorbell(server);
    return {
      server,
      async setup() {
        const agents = [];
        for (let a = 0; a < agentCount; a++) agents.push(await api.agent(`many-agent-${a}`));
        let made = 0;
        const bar = progress('many: setup', () => `${made}/${conversations} conversations`);
        const pairs = await inParallel(conversations, async (c) => {
          const guest = await newGuest(api.call, `Guest ${c}`);
          const agent = agents[c % agentCount];
          const id = await api.conversation(guest, { kind: 'agent', slug: agent.slug });
          made++;
          return { id, guest, agent };
        }, 16);
        bar.done();
        return (s) => api.socketUrl(pairs[s >> 1].id, s % 2 ? pairs[s >> 1].agent.token : pairs[s >> 1].guest.token);
      },
      // Only entries matter; the rest (presence, marks, acks) is skipped unparsed.
      clientIdOf: (t) => (t.startsWith('{"type":"entry"') ? JSON.parse(t).entry.clientId : null),
    };
  },
  relay: (ctx) => relayObjects(ctx, 'relay'),
  // What one SQLite write per message costs 1,000 objects, beside the bare relay.
  stored: (ctx) => relayObjects(ctx, 'stored'),
};

async function relayObjects(ctx, kind) {
  const server = await ctx.relay();
  const run = Date.now();
  return {
    server,
    setup: async () => (s) => `${server.base.replace('http', 'ws')}/${kind}/many-${run}-${s >> 1}`,
    // The relay forwards the sender's frame as it came (the storing one after writing it).
    clientIdOf: (t) => JSON.parse(t).clientId,
  };
}

/** One target: open every conversation's two sockets, then send `messages` at `rate`. */
async function measure(ctx, key, sizes) {
  const { conversations, messages, rate } = sizes;
  log(`many: ${LABELS[key]}: ${conversations} conversations, ${conversations * 2} sockets`);
  const target = await targets[key](ctx, sizes);
  const pid = workerdPid(target.server.pid);
  if (!pid) throw new Error('no workerd process found under wrangler dev');
  await new Promise((r) => setTimeout(r, 2000));
  const memory = { idleMiB: rssMiB(pid) };
  const url = await target.setup();

  const track = deliveryTracker(messages, 1);
  const sides = []; // message i → socket index that must receive it
  let errors = 0;
  const onText = (socket) => (t) => {
    if (t.startsWith('{"type":"error"')) errors++;
    const clientId = target.clientIdOf(t) ?? '';
    const i = clientId.startsWith('m-') ? Number(clientId.slice(2)) : -1;
    if (i >= 0 && sides[i] === socket) track.receive(i, 0);
  };
  let opened = 0;
  const connecting = progress('many: connecting', () => `${opened}/${conversations * 2} sockets`);
  const links = await inParallel(conversations * 2, async (s) => {
    const link = await openWebSocket(url(s), onText(s));
    opened++;
    return link;
  }, 20);
  connecting.done();
  await new Promise((r) => setTimeout(r, 2000));
  memory.openMiB = rssMiB(pid);

  // A fixed pseudo-random sequence, so runs and targets are comparable.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // workerd's CPU (all its threads) from the first message until the last delivery: what the
  // messages cost the runtime in all, their hand-overs included.
  const used = cpuMeter(workerdPids(target.server.pid));
  const sending = progress(`many: ${key}: messages`, () => `${track.sent}/${messages} sent, ${track.received} delivered`);
  await paced(messages, rate, (i) => {
    const from = Math.floor(random() * conversations * 2);
    sides[i] = from ^ 1;
    if (!track.send(i)) return false;
    links[from].send(JSON.stringify({ type: 'send', clientId: `m-${i}`, text: `Message ${i}: could we move the call to Thursday?` }));
    return true;
  });
  // Deliveries have paused for over 10 s and then all come (docs/benchmarks.md): wait long
  // enough that "missing at the end" means lost, not late.
  const complete = await track.drain(30_000, 180_000);
  const perMessage = (ms) => Math.round((ms / Math.max(1, track.received)) * 100) / 100;
  const { allMs, mainThreadMs } = used();
  const [cpuMsPerMessage, mainThreadCpuMsPerMessage] = [perMessage(allMs), perMessage(mainThreadMs)];
  sending.done();
  memory.afterMiB = rssMiB(pid);
  const dropped = links.filter((l) => l.dropped !== null);
  for (const link of links) link.close();
  if (!ctx.quick) await ctx.stopAll();
  return {
    label: LABELS[key],
    ...track.figures(),
    complete,
    errors,
    droppedSockets: dropped.length,
    dropCodes: [...new Set(dropped.map((l) => l.dropped))],
    cpuMsPerMessage,
    mainThreadCpuMsPerMessage,
    memory,
    memoryPerConversationKiB: Math.round(((memory.openMiB - memory.idleMiB) * 1024) / conversations),
  };
}

export default {
  name: 'many',
  title: 'Many conversations',
  async run(ctx) {
    const sizes = {
      conversations: ctx.quick ? 30 : 1000,
      agentCount: ctx.quick ? 5 : 20,
      messages: ctx.quick ? 300 : 5000,
      rate: ctx.quick ? 100 : 200,
    };
    // The reference first, as in the fan-out: a target that fell behind would take CPU from the next.
    const results = {};
    for (const key of ['relay', 'stored', 'doorbell']) results[key] = await measure(ctx, key, sizes);
    return {
      params: { conversations: sizes.conversations, agents: sizes.agentCount, messages: sizes.messages, rate: sizes.rate, sockets: sizes.conversations * 2 },
      targets: results,
    };
  },
  print({ params, targets: t }) {
    return Object.values(t).flatMap((f) => [
      `${f.label}: ${params.conversations} conversations, ${params.sockets} sockets, ${f.messages} messages offered at ${params.rate}/s: ${f.msgsPerSecond} msg/s delivered` +
        (f.fellBehind ? ' (FELL BEHIND: sending stopped early)' : ''),
      `  latency p50 ${f.latencyMs.p50} ms p95 ${f.latencyMs.p95} p99 ${f.latencyMs.p99} max ${f.latencyMs.max}; missing at the end ${f.undelivered}, duplicates ${f.duplicates}, errors ${f.errors}, sockets closed by the server ${f.droppedSockets}${f.droppedSockets ? ` (${f.dropCodes.join(', ')})` : ''}`,
      `  workerd CPU ${f.cpuMsPerMessage} ms per delivered message (${f.mainThreadCpuMsPerMessage} ms on its main thread); RSS: ${f.memory.idleMiB} MiB idle, ${f.memory.openMiB} MiB with the conversations open (${f.memoryPerConversationKiB} KiB each), ${f.memory.afterMiB} MiB after the messages`,
    ]);
  },
};
