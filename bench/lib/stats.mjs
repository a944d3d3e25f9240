// Figures from raw samples: percentiles by nearest rank, and a compact distribution that the
// results keep so docs/benchmarks.md and its chart can be redrawn without the raw samples.

const round = (x, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? null : Number(x.toFixed(digits)));

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** count, min, mean, p50, p95, p99, max of `samples` (milliseconds), rounded to microseconds. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: round(sorted[0]),
    mean: round(sorted.length ? sum / sorted.length : null),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]),
  };
}

/** The value at each of `points` evenly spread quantiles (0 and 1 included): a CDF to plot. */
export function quantiles(samples, points = 101) {
  const sorted = Float64Array.from(samples).sort();
  if (sorted.length === 0) return [];
  return Array.from({ length: points }, (_, i) => round(sorted[Math.min(sorted.length - 1, Math.floor((i / (points - 1)) * (sorted.length - 1)))]));
}

/** Per second, over a span in milliseconds. */
export const perSecond = (count, ms) => (ms > 0 ? round((count * 1000) / ms, 1) : null);

/** a / b to two decimals, or null when either is missing. */
export const ratio = (a, b) => (a == null || b == null || b === 0 ? null : round(a / b, 2));

/** The median of the numbers given (nulls left out), or null for none. */
export function median(values) {
  const sorted = values.filter((v) => v != null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
}

const medianSummary = (summaries) => {
  const present = summaries.filter(Boolean);
  if (present.length === 0) return null;
  const figures = Object.fromEntries(['min', 'mean', 'p50', 'p95', 'p99', 'max'].map((k) => [k, median(present.map((s) => s[k]))]));
  return { count: present.reduce((a, s) => a + s.count, 0), ...figures };
};

/**
 * Several runs of one open-loop target as one row: each latency figure is the median of the
 * runs' (so one run on a stalled machine moves no verdict), the distribution is that of the run
 * with the median p99, and whatever went wrong in any run is added up, never hidden.
 */
export function medianOfRuns(runs) {
  if (runs.length === 1) return runs[0];
  const byP99 = [...runs].sort((a, b) => a.latencyMs.p99 - b.latencyMs.p99);
  const sum = (key) => runs.reduce((a, r) => a + (r[key] ?? 0), 0);
  return {
    ...byP99[Math.floor((runs.length - 1) / 2)],
    messages: sum('messages'),
    deliveries: sum('deliveries'),
    undelivered: sum('undelivered'),
    duplicates: sum('duplicates'),
    errors: sum('errors'),
    fellBehind: runs.some((r) => r.fellBehind),
    complete: runs.every((r) => r.complete),
    msgsPerSecond: median(runs.map((r) => r.msgsPerSecond)),
    latencyMs: medianSummary(runs.map((r) => r.latencyMs)),
    ackMs: medianSummary(runs.map((r) => r.ackMs)),
    runs: runs.map((r) => ({ p50: r.latencyMs.p50, p99: r.latencyMs.p99, max: r.latencyMs.max })),
  };
}
