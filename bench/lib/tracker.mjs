// Bookkeeping of an open-loop run where each message i must reach `receivers` sockets:
// latency from send to each receipt, duplicates, what never arrived, and whether the target
// fell so far behind that offering more load would only grow a backlog.
import { perSecond, quantiles, summarize } from './stats.mjs';

export function deliveryTracker(count, receivers, { behindMs = 10_000 } = {}) {
  const sentAt = new Float64Array(count);
  const seen = new Uint8Array(count * receivers);
  const got = new Uint16Array(count); // receivers that have message i
  const latencies = [];
  let oldest = 0; // the first message some receiver still lacks
  let sent = 0;
  let received = 0;
  let duplicates = 0;
  let firstSend = 0;
  let lastReceipt = 0;
  return {
    /** Records the send of message i; false when the run should stop (fell behind). */
    send(i) {
      const now = performance.now();
      if (oldest < i && now - sentAt[oldest] > behindMs) return false;
      if (sent === 0) firstSend = now;
      sentAt[i] = now;
      sent++;
      return true;
    },
    sentAt: (i) => sentAt[i],
    receive(i, r) {
      const now = performance.now();
      if (i < 0 || i >= count) return;
      if (seen[i * receivers + r]++) return void duplicates++;
      latencies.push(now - sentAt[i]);
      received++;
      lastReceipt = now;
      if (++got[i] === receivers) while (oldest < count && got[oldest] === receivers) oldest++;
    },
    get sent() {
      return sent;
    },
    get received() {
      return received;
    },
    allDelivered: () => received === sent * receivers,
    /**
     * After the last send: waits for every delivery, but gives up when none has arrived for
     * `quietMs` or after `maxMs`. What is missing then counts as not delivered by the end.
     */
    async drain(quietMs = 10_000, maxMs = 60_000) {
      const deadline = performance.now() + maxMs;
      let seen = received;
      let lastProgress = performance.now();
      while (received < sent * receivers && performance.now() < deadline && performance.now() - lastProgress < quietMs) {
        await new Promise((r) => setTimeout(r, 50));
        if (received !== seen) (seen = received), (lastProgress = performance.now());
      }
      return received === sent * receivers;
    },
    figures() {
      return {
        messages: sent,
        // The target could not keep up: sending stopped early; figures cover what was sent.
        fellBehind: sent < count,
        deliveries: received,
        undelivered: sent * receivers - received,
        duplicates,
        msgsPerSecond: perSecond(got.filter((n) => n === receivers).length, lastReceipt - firstSend),
        latencyMs: summarize(latencies),
        cdf: quantiles(latencies),
      };
    },
  };
}
