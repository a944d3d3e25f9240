/**
 * The Worker's structured logs (docs/privacy.md "Logs"): one JSON object per line, so that
 * `wrangler tail --format json` and Workers Logs can filter on its fields. Callers pass ids,
 * kinds, statuses and durations only: never message text, a name, an email or a token, which
 * would make every log store a copy of what erasure and retention delete.
 */
export function logEvent(event: { type: 'request' | 'job' | 'retention' } & Record<string, string | number | boolean | null>): void {
  console.log(JSON.stringify(event));
}
