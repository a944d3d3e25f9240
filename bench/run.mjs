// `npm run bench`: the benchmarks of issue #7 against Doorbell as `npm start` runs it, with
// references in the same run. Writes bench/results/<scenario>.json and regenerates
// docs/benchmarks.md from every result file there.
//   npm run bench                      every scenario, full sizes (about 10-15 minutes)
//   npm run bench -- --quick           small sizes for development and smoke runs (a few minutes at most)
//   npm run bench -- --only=fanout,busy   some scenarios (fanout, busy, many, booking, availability, html, search, firstpaint, liveslots)
//   npm run bench -- --report          only regenerate docs/benchmarks.md from bench/results
//   npm run bench -- --on-disk         the servers' state on the project's disk instead of a tmpfs (/dev/shm)
//   npm run bench -- --repeat=3        fan-out's targets 3 times in rounds, each figure the median of the runs
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { root } from '../test/support/dev-server.mjs';
import { writeReport } from './lib/report.mjs';
import { describeMachine, machine } from './lib/machine.mjs';
import { endProgress, log } from './lib/progress.mjs';
import { startNodePeer, startProduct, startRelay, stateRoot, work } from './lib/servers.mjs';
import availability from './scenarios/availability.mjs';
import booking from './scenarios/booking.mjs';
import busy from './scenarios/busy.mjs';
import fanout from './scenarios/fanout.mjs';
import firstpaint from './scenarios/firstpaint.mjs';
import html from './scenarios/html.mjs';
import liveslots from './scenarios/liveslots.mjs';
import many from './scenarios/many.mjs';
import search from './scenarios/search.mjs';

const scenarios = [fanout, busy, many, booking, availability, html, search, firstpaint, liveslots];
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const quick = Boolean(flag('quick'));
const only = flag('only')?.split('=')[1]?.split(',').filter(Boolean);
const unknown = only?.filter((n) => !scenarios.some((s) => s.name === n)) ?? [];
const known = new Set(['quick', 'only', 'report', 'on-disk', 'repeat']);
const repeat = flag('repeat') ? Number(flag('repeat').split('=')[1]) : 1;
const state = stateRoot(Boolean(flag('on-disk')));
const badFlags = args.filter((a) => !known.has(a.replace(/^--/, '').split('=')[0]));
if (unknown.length || badFlags.length || !(Number.isInteger(repeat) && repeat >= 1 && repeat <= 9)) {
  const what = unknown.length ? `unknown scenario ${unknown.join(', ')}` : badFlags.length ? `unknown flag ${badFlags.join(' ')}` : '--repeat takes a whole number from 1 to 9';
  console.error(`${what}; scenarios: ${scenarios.map((s) => s.name).join(', ')}; flags: --quick --only=a,b --report --on-disk --repeat=N`);
  process.exit(2);
}
const resultsDir = `${root}bench/results`;

/** Servers are started on first use; a full run gives each scenario fresh ones (fresh state, clean memory). */
function serverPool() {
  let product = null;
  let relay = null;
  let cache = new Map();
  const peers = new Set();
  const started = [];
  const track = (promise) => (promise.then((s) => started.push(s), () => {}), promise);
  return {
    /**
     * How many times `wrangler dev` reloaded a Worker so far: it does when a source file it
     * watches changes, which restarts the objects and drops every socket mid-run.
     */
    reloads: () => started.reduce((sum, s) => sum + (s.output().match(/Reloading local server/g)?.length ?? 0), 0),
    product: () => (product ??= track(startProduct(log, state))),
    relay: () => (relay ??= track(startRelay(log, state))),
    async nodePeer(script) {
      const peer = await startNodePeer(script, log);
      peers.add(peer);
      return { ...peer, stop: () => (peers.delete(peer), peer.stop()) };
    },
    /** Setup made once per product server (agents, services), shared by its scenarios. */
    async cache(key, make) {
      if (!cache.has(key)) cache.set(key, make());
      return cache.get(key);
    },
    async stopAll() {
      const all = [product, relay].filter(Boolean);
      product = relay = null;
      cache = new Map();
      await Promise.all([...all.map((p) => p.then((s) => s.stop(), () => {})), ...[...peers].map((p) => p.stop())]);
      peers.clear();
    },
  };
}

async function main() {
  if (flag('report')) return writeReport(resultsDir, log);
  const pool = serverPool();
  const stop = () => pool.stopAll().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  mkdirSync(resultsDir, { recursive: true });
  // Profiles and generated files go here whichever place the servers' state is.
  mkdirSync(work, { recursive: true });
  const selected = scenarios.filter((s) => !only || only.includes(s.name));
  const started = Date.now();
  let failed = false;
  try {
    for (const scenario of selected) {
      const m = machine();
      log(`${scenario.title}${quick ? ' (quick)' : ''} on ${describeMachine(m)}, servers' state on ${state.on} (${state.dir})`);
      const t0 = Date.now();
      const reloadsBefore = pool.reloads();
      let result;
      let reloads = 0;
      try {
        result = await scenario.run({ quick, repeat, log, ...pool });
      } catch (err) {
        endProgress();
        failed = true;
        log(`${scenario.name} FAILED: ${err.stack ?? err}`);
        continue;
      } finally {
        reloads = pool.reloads() - reloadsBefore;
        if (!quick) await pool.stopAll();
      }
      if (reloads) log(`WARNING: wrangler dev reloaded the Worker ${reloads} time(s) during ${scenario.name} (a watched file changed): its figures are not valid`);
      // A scenario whose sizes --quick does not shrink gives reference figures either way.
      const record = { scenario: scenario.name, title: scenario.title, quick: quick && !scenario.sameWhenQuick, timestamp: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 1000), reloads, machine: m, stateOn: state.on, ...result };
      writeFileSync(`${resultsDir}/${scenario.name}.json`, `${JSON.stringify(record, null, 2)}\n`);
      console.log(`\n== ${scenario.title}${quick ? ' (quick)' : ''} — ${describeMachine(m)}`);
      for (const line of scenario.print(result)) console.log(`   ${line}`);
      console.log('');
    }
  } finally {
    await pool.stopAll();
    // A tmpfs is memory: the states go with the run (on disk they stay, as `npm start` leaves its own).
    if (state.on === 'tmpfs') rmSync(state.dir, { recursive: true, force: true });
  }
  writeReport(resultsDir, log);
  log(`done in ${Math.round((Date.now() - started) / 1000)} s${failed ? ' (with failures)' : ''}`);
  process.exitCode = failed ? 1 : 0;
}

await main();
