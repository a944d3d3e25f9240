// The benchmark's own arithmetic: percentiles, delivery bookkeeping, profile layers and the
// chart. Run with `npm run test:bench` (node --test); no server needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cdfChart } from '../lib/chart.mjs';
import { layers } from '../lib/profile.mjs';
import { median, medianOfRuns, percentile, quantiles, ratio, summarize } from '../lib/stats.mjs';
import { deliveryTracker } from '../lib/tracker.mjs';

test('percentiles are nearest-rank over the sorted samples', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([], 50), null);
  const s = summarize([5, 1, 3, 2, 4]);
  assert.deepEqual([s.count, s.min, s.p50, s.max, s.mean], [5, 1, 3, 5, 3]);
  assert.deepEqual(quantiles([3, 1, 2], 3), [1, 2, 3]);
  assert.equal(ratio(3, 2), 1.5);
  assert.equal(ratio(1, null), null);
});

test('runs of one target become one row: median figures, the median-p99 run for the chart, every loss added up', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([null, 5]), 5);
  assert.equal(median([]), null);
  const run = (p50, p99, extra = {}) => ({ label: 'T', messages: 100, deliveries: 2000, undelivered: 0, duplicates: 0, errors: 0, fellBehind: false, complete: true, msgsPerSecond: 100, latencyMs: { count: 2000, min: 1, mean: p50, p50, p95: p99 / 2, p99, max: p99 * 4 }, ackMs: null, cdf: [p50, p99], ...extra });
  const one = run(2, 10);
  assert.equal(medianOfRuns([one]), one);
  // One run on a stalled machine moves neither the p50 nor the p99.
  const row = medianOfRuns([run(2, 10), run(9, 400, { undelivered: 3, fellBehind: true, complete: false }), run(3, 12, { duplicates: 1 })]);
  assert.deepEqual([row.latencyMs.p50, row.latencyMs.p99, row.latencyMs.max, row.latencyMs.count], [3, 12, 48, 6000]);
  assert.deepEqual(row.cdf, [3, 12]);
  assert.deepEqual([row.messages, row.undelivered, row.duplicates, row.fellBehind, row.complete], [300, 3, 1, true, false]);
  assert.deepEqual(row.runs.map((r) => r.p99), [10, 400, 12]);
});

test('the tracker counts each receipt once and sees a target falling behind', async () => {
  const track = deliveryTracker(4, 2, { behindMs: 30 });
  assert.ok(track.send(0));
  track.receive(0, 0);
  track.receive(0, 0); // a duplicate
  track.receive(0, 1);
  assert.ok(track.send(1));
  track.receive(1, 0); // receiver 1 never gets message 1
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(track.send(2), false, 'message 1 is 30 ms overdue');
  assert.equal(await track.drain(20, 100), false);
  const f = track.figures();
  assert.deepEqual([f.messages, f.deliveries, f.undelivered, f.duplicates, f.fellBehind], [2, 3, 1, 1, true]);
});

test('profile samples are charged to the nearest function on the stack that names a layer', () => {
  const frame = (id, functionName, children = [], url = 'index.js') => ({ id, callFrame: { functionName, url }, children });
  const profile = {
    nodes: [
      frame(1, '(root)', [2, 6, 7], ''),
      frame(2, 'webSocketMessage', [3, 5]),
      frame(3, 'syncInboxes', [4]),
      frame(4, 'unreadFor'),
      frame(5, 'apply', [], ''), // Function.prototype.apply: a built-in never names a layer
      frame(6, '(idle)', [], ''),
      frame(7, 'safeParse'),
    ],
    samples: [4, 4, 5, 6, 7],
    timeDeltas: [1000, 1000, 1000, 5000, 2000],
  };
  const result = layers(profile);
  const ms = Object.fromEntries(result.layers.map((l) => [l.layer.split(' (')[0], l.ms]));
  assert.equal(result.idleMs, 5);
  assert.equal(result.busyMs, 5);
  assert.deepEqual(ms, { 'inbox updates': 2, 'frame validation': 2, 'other per-message work': 1 });
});

test('the chart draws one line and one legend entry per series on a log scale', () => {
  const svg = cdfChart({ title: 'T & <t>', series: [{ label: 'a', quantiles: [1, 2, 30] }, { label: 'b', quantiles: [0.5, 5, 500] }] });
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<polyline /g).length, 2);
  assert.match(svg, /T &amp; &lt;t&gt;/);
  for (const tick of ['0.1 ms', '1 ms', '10 ms', '100 ms', '1 s']) assert.ok(svg.includes(`>${tick}<`), tick);
});

test('the page judges each target from the results and says when a run is not valid', async () => {
  const { renderReport } = await import('../lib/report.mjs');
  const machine = { cpu: 'Test CPU', cores: 2, memoryGiB: 4, node: 'v22.0.0', os: 'Test OS', loadAverage: [0.1, 0.1, 0.1] };
  const lat = (p50, p99) => ({ count: 10, min: p50 / 2, mean: p50, p50, p95: p99, p99, max: p99 });
  const row = (label, p50, p99, extra = {}) => ({ label, messages: 5000, fellBehind: false, undelivered: 0, duplicates: 0, errors: 0, msgsPerSecond: 100, guestSockets: 3, latencyMs: lat(p50, p99), cdf: [p50 / 2, p50, p99], ackMs: lat(p50, p99), ...extra });
  const base = { quick: false, timestamp: '2026-11-24T18:00:00.000Z', seconds: 60, reloads: 0, machine };
  const results = {
    fanout: {
      ...base,
      title: 'Fan-out latency',
      params: { messages: 5000, warmup: 100, rate: 100, agents: 20, perSocketRate: 40 },
      targets: {
        relay: row('Bare relay', 2, 10),
        stored: row('Storing relay', 3, 11),
        ws: row('ws', 1, 4),
        socketio: row('Socket.IO', 1.5, 6),
        watching: row('Watching', 4, 11.5),
        doorbell: row('Doorbell', 5, 12),
      },
    },
    busy: { ...base, title: 'One busy conversation', reloads: 2, params: { sockets: 32, pacePerSocket: 48, window: 8, warmupMs: 3000, measureMs: 15000, offeredCeiling: 1536 }, storingRelay: { ackedPerSecond: 1300, ceilingReached: false, ackMs: lat(5, 20), acknowledged: 19000 }, figures: { ackedPerSecond: 1200, ceilingReached: false, ackMs: lat(10, 40), acknowledged: 18000, stored: 18000, ackedButMissing: 0, storedTwice: 0, duplicateAcks: 0, rateLimited: 0 } },
    many: {
      ...base,
      title: 'Many conversations',
      params: { conversations: 1000, agents: 20, messages: 5000, rate: 200, sockets: 2000 },
      targets: {
        relay: row('Bare relay', 2, 10, { memory: { idleMiB: 50, openMiB: 250, afterMiB: 250 }, memoryPerConversationKiB: 200, droppedSockets: 0 }),
        doorbell: row('Doorbell', 5, 25, { memory: { idleMiB: 80, openMiB: 400, afterMiB: 410 }, memoryPerConversationKiB: 330, droppedSockets: 0 }),
      },
    },
    availability: { ...base, title: 'Availability', params: { meetings: 500, busyEvents: 500, days: 31, durationMinutes: 15, iterations: 2000, requests: 200 }, figures: { pure: { ...lat(3, 6), slots: 700 }, http: { ...lat(20, 60), slots: 700, firstRequestMs: 90 }, sameSlots: true } },
  };
  const { markdown, chart } = renderReport(results);
  const target = (name) => markdown.split('\n').find((l) => l.startsWith(`| ${name}`));
  assert.match(target('Fan-out p99 within 1.5×'), /12\.0 ms vs 10\.0 ms: 1\.2×.*\*\*met\*\*/);
  assert.match(target('Fan-out p50 within 3×'), /5\.00 ms vs 1\.00 ms: 5×.*\*\*missed\*\*/);
  assert.match(target('≥ 1,000 stored'), /1,200\/s.*\*\*met\*\*/);
  assert.match(target('Availability median'), /3\.00 ms \(pure function\).*\*\*met\*\*/);
  assert.match(markdown, /Not valid: `wrangler dev` reloaded the Worker during One busy conversation \(2×\)/);
  assert.doesNotMatch(markdown, /quick run/);
  assert.match(target('One busy conversation: stored'), /1,200\/s vs 1,300\/s: 92%; 0 lost, 0 stored twice.*\*\*met\*\*/);
  assert.match(target('Many conversations p99 within 2×'), /25\.0 ms vs 10\.0 ms: 2\.5×.*\*\*missed\*\*/);
  assert.match(target('workerd memory per open conversation'), /330 KiB vs 200 KiB: 1\.65×.*\*\*met\*\*/);
  assert.match(markdown, /Not measured yet: `npm run bench -- --only=booking`/);
  assert.equal(chart.match(/<polyline /g).length, 6);
  // A met p99 needs no reason; a missed one gets the hand-overs' reason, and each run says where the servers kept their state.
  assert.doesNotMatch(markdown, /Why the p99 target is out of reach/);
  assert.match(markdown, /- Fan-out latency: .*, the servers' state on disk\n/);
  const rounds = { ...results, fanout: { ...results.fanout, params: { ...results.fanout.params, repeat: 3 }, targets: { ...results.fanout.targets, doorbell: { ...row('Doorbell', 5, 12), runs: [{ p50: 5, p99: 12 }, { p50: 4, p99: 30 }, { p50: 6, p99: 11 }] } } } };
  const repeated = renderReport(rounds).markdown;
  assert.match(repeated, /Every target ran 3 times, in rounds/);
  assert.match(repeated.split('\n').find((l) => l.startsWith('| Doorbell |')), /5\.00 ms · 4\.00 ms · 6\.00 ms \| 12\.0 ms · 30\.0 ms · 11\.0 ms \|$/);
  assert.doesNotMatch(markdown, /Every target ran/);
  const missed = { ...results, fanout: { ...results.fanout, stateOn: 'tmpfs', targets: { ...results.fanout.targets, stored: row('Storing relay', 3.5, 11), doorbell: row('Doorbell', 5, 20) } } };
  const again = renderReport(missed).markdown;
  assert.match(again, /Why the p99 target is out of reach locally: .* the 20 agents' inboxes/);
  assert.match(again, /- Fan-out latency: .*, the servers' state on tmpfs\n/);
  // The storing relay alone over 3× plain ws: the p50 reason names it, the state's place and what Doorbell adds.
  assert.match(again, /Why the p50 target is out of reach locally: .* 3\.5× plain `ws`.* with the state on tmpfs .*\(1\.50 ms more than the storing relay at the median here\)/);
  assert.doesNotMatch(markdown, /Why the p50 target is out of reach/);
});

test('the page judges booking contention, slots beside their static copy, and search', async () => {
  const { renderReport } = await import('../lib/report.mjs');
  const machine = { cpu: 'Test CPU', cores: 2, memoryGiB: 4, node: 'v22.0.0', os: 'Test OS', loadAverage: [0.1, 0.1, 0.1] };
  const lat = (p50, p99) => ({ count: 200, min: p50 / 2, mean: p50, p50, p95: p99, p99, max: p99 });
  const base = { quick: false, timestamp: '2026-12-02T08:00:00.000Z', seconds: 30, reloads: 0, machine };
  const attempts = (succeeded, slotTaken, wallMs, p99) => ({ requests: 200, succeeded, slotTaken, other: [], wallMs, latencyMs: lat(p99 / 2, p99) });
  const render = (booking, staticMs, searchMs) =>
    renderReport({
      booking: { ...base, title: 'Booking contention', params: { concurrent: 200, durationMinutes: 30 }, figures: { ...booking, meetingsHeld: 201 } },
      availability: { ...base, title: 'Availability', params: { meetings: 500, busyEvents: 500, days: 31, durationMinutes: 15, iterations: 2000, requests: 200 }, figures: { pure: { ...lat(0.2, 1), slots: 736 }, http: { ...lat(9, 20), slots: 736, firstRequestMs: 30 }, static: { ...lat(staticMs, 10), bytes: 90_000 }, sameSlots: true } },
      search: { ...base, title: 'Search', params: { messages: 100_000, conversations: 1000, wordsPerMessage: 12, vocabulary: 3000, queries: 200 }, figures: { query: lat(searchMs, 40), meanResults: 18, seedSeconds: 5, searchableAfter: lat(200, 400) } },
    }).markdown;
  const target = (markdown, name) => markdown.split('\n').find((l) => l.startsWith(`| ${name}`));
  const met = render({ sameSlot: attempts(1, 199, 800, 790), differentSlots: attempts(200, 0, 950, 940), overlaps: 0 }, 4, 12);
  assert.match(target(met, '200 bookings of different slots'), /p99 940\.0 ms, 200\/200 booked, 0 overlapping.*\*\*met\*\*/);
  assert.match(target(met, '200 attempts on one slot'), /1 booked, all answered after 800\.0 ms.*\*\*met\*\*/);
  assert.match(target(met, 'Slots through HTTP'), /9\.00 ms vs 4\.00 ms: 2\.25×.*\*\*met\*\*/);
  assert.match(target(met, 'Search median'), /12\.0 ms.*\*\*met\*\*/);
  assert.match(met, /\| the same 90,000 bytes as a static asset \| 4\.00 ms/);
  // Fast but wrong is missed too: two winners, or an overlap.
  const missed = render({ sameSlot: attempts(2, 198, 500, 490), differentSlots: attempts(200, 0, 1200, 1100), overlaps: 1 }, 2, 25);
  for (const name of ['200 bookings of different slots', '200 attempts on one slot', 'Slots through HTTP', 'Search median']) assert.match(target(missed, name), /\*\*missed\*\*/, name);
});
