import { DurableObject } from 'cloudflare:workers';
import { Jobs, type JobHandlers, type JobResult, type PendingJob } from '../actor/jobs';
import { logEvent } from '../actor/log';
import { JOBS_TABLE, migrateSchema } from '../actor/schema';
import { calendarActor } from '../calendar/stub';
import { conversationActor } from '../conversation/stub';
import type { Env } from '../env';
import { agentIdsAfter, expiredConversations, readRetention } from './settings';

const DAY_MS = 86_400_000;
/** Actors asked per run of the sweep: each only queues its own job, so a page is quick, and the next run has fresh limits. */
const PAGE = 100;

/** One sweep: when it started (its cutoffs count from then), where it is, and what it asked for so far. */
interface Sweep {
  at: number;
  conversationDays: number | null;
  meetingDays: number | null;
  phase: 'conversations' | 'meetings' | 'done';
  after: string;
  conversations: number;
  calendars: number;
}

interface RetentionJobs {
  sweep: Sweep;
}

/**
 * The organisation's retention sweep (docs/privacy.md "Retention"), one object named
 * `organisation`, started by the daily Cron Trigger. The cron only asks it to start; its job
 * pages through the directory, asking each expired conversation's actor to delete itself and
 * each agent's calendar to delete its old meetings (both their own jobs), a page per run. So
 * ten thousand expired conversations are a hundred short runs, never one long one.
 */
export class RetentionActor extends DurableObject<Env> {
  private readonly jobs: Jobs<RetentionJobs>;
  private readonly handlers: JobHandlers<RetentionJobs>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrateSchema(ctx.storage.sql, [JOBS_TABLE]);
    this.jobs = new Jobs(ctx.storage, { kind: 'retention', id: ctx.id.toString() });
    // A page that failed (D1 or an actor unreachable) is tried again; the pages before it are done.
    this.handlers = { sweep: { run: (sweep, job) => this.page(sweep, job.key), retry: { maxAttempts: 10, backoff: { baseMs: 30_000, capMs: 30 * 60_000 } } } };
  }

  override async alarm(): Promise<void> {
    await this.jobs.runDue(this.handlers);
    await this.jobs.arm();
  }

  /** Starts a sweep as of `at` (ms) with the settings as they are now; while one is still running, that one goes on. */
  async sweep(at: number): Promise<void> {
    const { conversationDays, meetingDays } = await readRetention(this.env.DB);
    this.jobs.enqueue('sweep', 'sweep', Date.now(), { at, conversationDays, meetingDays, phase: 'conversations', after: '', conversations: 0, calendars: 0 });
    await this.jobs.arm();
  }

  private async page(sweep: Sweep, key: string): Promise<JobResult> {
    const next = sweep.phase === 'conversations' ? await this.conversationsPage(sweep) : await this.meetingsPage(sweep);
    if (next.phase !== 'done') {
      this.jobs.savePayload<'sweep'>(key, next);
      return { again: Date.now() };
    }
    // Counts only: no id, name or text of what was deleted.
    logEvent({ type: 'retention', event: 'sweep', conversations: next.conversations, calendars: next.calendars });
  }

  /** One page of expired conversations; answers where the sweep goes on (the meetings after the last page). */
  private async conversationsPage(sweep: Sweep): Promise<Sweep> {
    const ids = await expiredConversations(this.env.DB, new Date(sweep.at).toISOString(), sweep.conversationDays, sweep.after, PAGE);
    await Promise.all(ids.map((id) => conversationActor(this.env, id).purge(id)));
    const conversations = sweep.conversations + ids.length;
    return ids.length === PAGE ? { ...sweep, after: ids[ids.length - 1]!, conversations } : { ...sweep, phase: 'meetings', after: '', conversations };
  }

  /** One page of agents' calendars; done once every calendar was asked (at once when meetings are kept for good). */
  private async meetingsPage(sweep: Sweep): Promise<Sweep> {
    if (sweep.meetingDays === null) return { ...sweep, phase: 'done' };
    const before = sweep.at - sweep.meetingDays * DAY_MS;
    const ids = await agentIdsAfter(this.env.DB, sweep.after, PAGE);
    await Promise.all(ids.map((id) => calendarActor(this.env, id).expire(before)));
    const calendars = sweep.calendars + ids.length;
    return { ...sweep, phase: ids.length === PAGE ? 'meetings' : 'done', after: ids[ids.length - 1] ?? sweep.after, calendars };
  }

  /** Pending jobs, for tests and operators. */
  async pendingJobs(): Promise<PendingJob[]> {
    return this.jobs.pending();
  }
}

/** The daily Cron Trigger's work: one call that starts the sweep (the Worker's `scheduled` handler). */
export const startRetention = (env: Pick<Env, 'RETENTION'>, at: number): Promise<void> => env.RETENTION.getByName('organisation').sweep(at);
