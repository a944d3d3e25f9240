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

/**
 * One hand-over's gathering: at most one run waits at a time, and it starts `gatherDelay`
 * after it was asked for. `delay()` is what a backstop job's due time adds.
 */
export class Gatherer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastRunAt: number | null = null;

  constructor(
    private readonly rule: Gathering,
    private readonly run: () => void,
  ) {}

  delay(now = Date.now()): number {
    return gatherDelay(now, this.lastRunAt, this.rule);
  }

  get waiting(): boolean {
    return this.timer !== null;
  }

  /** Asks for a run; one already waiting serves this request too. */
  schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.lastRunAt = Date.now();
      this.run();
    }, this.delay());
  }
}
