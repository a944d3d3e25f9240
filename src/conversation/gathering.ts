/**
 * How the conversation's hand-overs (inbox updates, the search index) are gathered
 * (docs/architecture.md "A guest's message…"): a first change goes out `batchMs` later, so a
 * quiet conversation looks live; while changes keep coming, a run starts no sooner than
 * `spacingMs` after the last one started, so a busy conversation costs each inbox and the
 * index about one update a second rather than ten.
 */
export interface Gathering {
  batchMs: number;
  spacingMs: number;
}

/** Milliseconds from `now` until the next run, given when the last run started (null: none yet). */
export function gatherDelay(now: number, lastRunAt: number | null, { batchMs, spacingMs }: Gathering): number {
  return Math.max(batchMs, lastRunAt === null ? 0 : lastRunAt + spacingMs - now);
}
