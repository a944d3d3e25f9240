import { backoffDelay, type Backoff } from './backoff';
import { logEvent } from './log';

/**
 * The job kernel: every actor's due work (emails, notes, reminders, digests, webhook and CRM
 * queues, inbox updates) is a row of one `jobs` table (JOBS_TABLE in actor/schema.ts), and
 * the actor's one alarm is set to the earliest due row. Modelled on the schedule table of
 * cloudflare/agents, with keys and retries added.
 *
 * - **Keys make enqueueing idempotent.** The one conflict rule: an existing job with the
 *   same key keeps its kind, payload and attempt count; only its due time may move, and only
 *   earlier. What relies on it: the calendar's keys carry the meeting's version, and its
 *   reminders are cancelled before they are enqueued again at a new time; a digest's due
 *   time only grows with each missed message, so the first one stands; a burst of inbox
 *   updates is one job; a queue's drain job is pulled forward by new work.
 * - **At least once.** A job is deleted only after its handler finished, so handlers must
 *   be idempotent. While it runs its row is leased (due in LEASE_MS), which keeps a second
 *   run (the alarm and a request's own run) off it and brings it back if the actor dies
 *   mid-run. If the job is enqueued again while it runs, it is not deleted afterwards but
 *   runs once more: what arrived meanwhile is not lost.
 * - **Retries.** A handler that throws is retried after the project's one backoff
 *   (actor/backoff.ts) per its kind's policy, until `maxAttempts` or an error the policy
 *   calls permanent; then it is dropped and logged. A throwing job never stops the others.
 */

export interface Job<Kind extends string = string, Payload = unknown> {
  key: string;
  kind: Kind;
  dueAt: number;
  payload: Payload;
  attempts: number;
  lastError: string | null;
}

/** A job as tests and operators see it: `running` while this instance runs its handler (its due time is then the lease's end). */
export type PendingJob = Pick<Job, 'key' | 'kind' | 'dueAt' | 'attempts'> & { running: boolean };

export interface RetryPolicy {
  /** Attempts in all, the first included; Infinity for work that must eventually happen. */
  maxAttempts: number;
  backoff: Backoff;
  /** Errors no retry can fix (a refused address, say): the job is dropped at once. */
  permanent?: (err: unknown) => boolean;
}

/** What a handler may ask for instead of being deleted: to run again at `again` (its attempts start afresh). */
export type JobResult = void | { again: number };

export interface JobHandler<Payload> {
  run(payload: Payload, job: Job<string, Payload>): Promise<JobResult> | JobResult;
  retry: RetryPolicy;
  /**
   * Work that runs about once per message (a conversation's hand-overs to inboxes, search and
   * webhooks): its runs that succeed are not logged, since a line per message says nothing and
   * writing it was two thirds of those jobs' time in the many-conversations benchmark; a retry
   * or a drop still is.
   */
  routine?: boolean;
}

/** One handler per kind, each typed with its kind's payload. */
export type JobHandlers<Kinds> = { [K in keyof Kinds & string]: JobHandler<Kinds[K]> };

/** How long a running job is held before another run may take it (the actor died mid-run). */
const LEASE_MS = 5 * 60_000;
/** Jobs taken per run; the rest are due at once and the alarm comes back for them. */
const BATCH = 50;

interface JobRow extends Record<string, SqlStorageValue> {
  key: string;
  kind: string;
  due_at: number;
  payload: string;
  attempts: number;
  last_error: string | null;
}

const toJob = (r: JobRow): Job => ({ key: r.key, kind: r.kind, dueAt: r.due_at, payload: JSON.parse(r.payload), attempts: r.attempts, lastError: r.last_error });

export class Jobs<Kinds extends object> {
  private readonly sql: SqlStorage;
  /** Keys whose handler is running in this instance (the lease covers another instance, after a crash). */
  private readonly running = new Set<string>();
  /** The arm asked for in this turn, not begun yet (see arm). */
  private arming: Promise<void> | null = null;

  /** `actor` names the actor in each job's log line: its class and id (docs/privacy.md "Logs"). */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly actor: { kind: string; id: string },
  ) {
    this.sql = storage.sql;
  }

  /** Queues a job (see the conflict rule above). Call `arm()` afterwards, or let the running alarm do it. */
  enqueue<K extends keyof Kinds & string>(kind: K, key: string, dueAt: number, payload: Kinds[K]): void {
    this.sql.exec(
      'INSERT INTO jobs (key, kind, due_at, payload) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET due_at = min(due_at, excluded.due_at)',
      key,
      kind,
      dueAt,
      JSON.stringify(payload),
    );
  }

  /**
   * Records a running job's progress in its payload, so that a retry picks up where this
   * attempt stopped (the recipients an email already reached, say).
   */
  savePayload<K extends keyof Kinds & string>(key: string, payload: Kinds[K]): void {
    this.sql.exec('UPDATE jobs SET payload = ? WHERE key = ?', JSON.stringify(payload), key);
  }

  /** Drops every waiting job whose key starts with `prefix`. */
  cancel(prefix: string): void {
    this.sql.exec("DELETE FROM jobs WHERE key >= ? AND key < ? || '\uffff'", prefix, prefix);
  }

  /** Drops every waiting job but `key`'s (an actor about to delete itself keeps only that job). */
  cancelOthers(key: string): void {
    this.sql.exec('DELETE FROM jobs WHERE key != ?', key);
  }

  /** Whether any job waits (or runs) whose key starts with `prefix`. */
  has(prefix: string): boolean {
    return this.sql.exec("SELECT 1 FROM jobs WHERE key >= ? AND key < ? || '\uffff' LIMIT 1", prefix, prefix).toArray().length > 0;
  }

  /** The jobs as tests and operators see them (an actor's `pendingJobs()`). */
  pending(): PendingJob[] {
    return this.list().map(({ key, kind, dueAt, attempts, running }) => ({ key, kind, dueAt, attempts, running }));
  }

  list(): Array<Job & { running: boolean }> {
    return this.sql.exec<JobRow>('SELECT * FROM jobs ORDER BY due_at, key').toArray().map((r) => ({ ...toJob(r), running: this.running.has(r.key) }));
  }

  /**
   * When the alarm should come: the earliest job not running now. A job that runs is left to
   * its run, which arms again when it ends; only the lease's end is kept for it, in case the
   * actor dies meanwhile. (Arming for it now would wake the actor again and again while it runs.)
   */
  nextDue(): number | null {
    const rows = this.sql.exec<{ key: string; due_at: number }>('SELECT key, due_at FROM jobs ORDER BY due_at LIMIT ?', this.running.size + 1).toArray();
    const waiting = rows.find((r) => !this.running.has(r.key));
    if (waiting) return waiting.due_at;
    return rows.length > 0 ? Date.now() + LEASE_MS : null;
  }

  /**
   * Sets the actor's alarm to the earliest job, or deletes it when there is none. Arms asked for
   * in one turn share one reading, taken once that turn's code has run: a conversation's message
   * asks for two (its search and inbox hand-overs), and each reading is a query. An alarm already
   * set for that time is left alone, since each setting is a storage write. Inside the alarm
   * handler `getAlarm()` answers null until the handler sets one (Cloudflare's alarms API), so
   * the alarm that is firing is never mistaken for the next one.
   */
  arm(): Promise<void> {
    this.arming ??= Promise.resolve().then(() => {
      this.arming = null;
      return this.armNow();
    });
    return this.arming;
  }

  private async armNow(): Promise<void> {
    const due = this.nextDue();
    const armed = await this.storage.getAlarm();
    if (due === null) {
      if (armed !== null) await this.storage.deleteAlarm();
      return;
    }
    const at = Math.max(due, Date.now());
    if (armed !== at) await this.storage.setAlarm(at);
  }

  /**
   * Runs the jobs due now, oldest first, one after the other: optionally only those whose
   * key starts with `prefix`, and those due by `horizon` (an actor that starts a job itself
   * at once enqueues it due a little later, for the alarm to run only if it could not).
   * Jobs they enqueue run on a later run; call `arm()` after.
   */
  async runDue(handlers: JobHandlers<Kinds>, options: { prefix?: string; horizon?: number } = {}): Promise<void> {
    const by = options.horizon ?? Date.now();
    const due = options.prefix
      ? this.sql.exec<JobRow>("SELECT * FROM jobs WHERE due_at <= ? AND key >= ? AND key < ? || '\uffff' ORDER BY due_at LIMIT ?", by, options.prefix, options.prefix, BATCH)
      : this.sql.exec<JobRow>('SELECT * FROM jobs WHERE due_at <= ? ORDER BY due_at LIMIT ?', by, BATCH);
    for (const job of due.toArray().map(toJob)) await this.runOne(handlers, job);
  }

  private async runOne(handlers: JobHandlers<Kinds>, job: Job): Promise<void> {
    const handler = (handlers as Record<string, JobHandler<unknown> | undefined>)[job.kind];
    if (!handler) {
      console.error('no handler for job kind; dropped', job.kind, job.key);
      this.sql.exec('DELETE FROM jobs WHERE key = ?', job.key);
      return;
    }
    // Enqueued again while it runs, it is due again at once: it must still not run twice at a time.
    if (this.running.has(job.key)) return;
    const lease = Date.now() + LEASE_MS;
    // Another run took it meanwhile (its due time is no longer the one read).
    if (this.sql.exec('UPDATE jobs SET due_at = ? WHERE key = ? AND due_at = ?', lease, job.key, job.dueAt).rowsWritten === 0) return;
    let result: JobResult;
    this.running.add(job.key);
    const started = Date.now();
    // The kind and the attempt, never the key or payload: those name guests and carry text.
    const logged = (outcome: 'done' | 'again' | 'retry' | 'dropped', err?: unknown) => {
      if (handler.routine && (outcome === 'done' || outcome === 'again')) return;
      logEvent({
        type: 'job',
        job: job.kind,
        actorKind: this.actor.kind,
        actorId: this.actor.id,
        outcome,
        attempt: job.attempts + 1,
        durationMs: Date.now() - started,
        // The error's class only: its message may quote an address or a provider's answer.
        error: err === undefined ? null : err instanceof Error ? err.name : typeof err,
      });
    };
    try {
      result = await handler.run(job.payload, job);
    } catch (err) {
      const attempts = job.attempts + 1;
      if (attempts >= handler.retry.maxAttempts || handler.retry.permanent?.(err)) {
        logged('dropped', err);
        this.sql.exec('DELETE FROM jobs WHERE key = ?', job.key);
      } else {
        logged('retry', err);
        const dueAt = Date.now() + backoffDelay(handler.retry.backoff, attempts);
        this.sql.exec('UPDATE jobs SET due_at = ?, attempts = ?, last_error = ? WHERE key = ?', dueAt, attempts, String(err), job.key);
      }
      return;
    } finally {
      this.running.delete(job.key);
    }
    logged(result ? 'again' : 'done');
    if (result) {
      this.sql.exec(
        'UPDATE jobs SET due_at = CASE WHEN due_at = ? THEN ? ELSE min(due_at, ?) END, attempts = 0, last_error = NULL WHERE key = ?',
        lease,
        result.again,
        result.again,
        job.key,
      );
      return;
    }
    // Still leased: nobody enqueued it again while it ran. Otherwise it stays, due as enqueued.
    if (this.sql.exec('DELETE FROM jobs WHERE key = ? AND due_at = ?', job.key, lease).rowsWritten === 0) {
      this.sql.exec('UPDATE jobs SET attempts = 0, last_error = NULL WHERE key = ?', job.key);
    }
  }
}

interface DrainJobs {
  drain: Record<string, never>;
}

/**
 * For an actor whose work is a queue of its own (webhook deliveries, CRM pushes), each row
 * keeping its own attempts and due time: the kernel's one `drain` job only wakes the actor,
 * due when the earliest row is. `run` works through what is due and answers when to come back.
 */
export class Drain {
  private readonly jobs: Jobs<DrainJobs>;
  private readonly handlers: JobHandlers<DrainJobs>;

  constructor(storage: DurableObjectStorage, actor: { kind: string; id: string }, run: () => Promise<JobResult>, backoff: Backoff) {
    this.jobs = new Jobs(storage, actor);
    // It fails only when what it needs cannot be read; then it tries again, for as long as that takes.
    this.handlers = { drain: { run, retry: { maxAttempts: Infinity, backoff } } };
  }

  /** New work: the drain is due now (or at `at`, if earlier than it already was). */
  async nudge(at = Date.now()): Promise<void> {
    this.jobs.enqueue('drain', 'drain', at, {});
    await this.jobs.arm();
  }

  /** Sets the alarm for the queue's drain job as stored (a restored queue's). */
  async arm(): Promise<void> {
    await this.jobs.arm();
  }

  /** Nothing is left to do (the queue was dropped). */
  async stop(): Promise<void> {
    this.jobs.cancel('drain');
    await this.jobs.arm();
  }

  /** The actor's alarm. */
  async run(): Promise<void> {
    await this.jobs.runDue(this.handlers);
    await this.jobs.arm();
  }
}
