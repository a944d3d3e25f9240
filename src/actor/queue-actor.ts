import { DurableObject } from 'cloudflare:workers';
import { backupStorage, type BackupAnswer, type BackupOp } from './backup';
import type { Backoff } from './backoff';
import { Drain, type JobResult } from './jobs';

/**
 * An actor whose work is a queue of its own (webhook deliveries, CRM pushes): its schema is
 * migrated before anything reads it, and its one alarm runs `drain`, which works through
 * what is due and answers when to come back. `queue.nudge()` when work arrives.
 */
export abstract class QueueActor<E> extends DurableObject<E> {
  protected readonly queue: Drain;

  constructor(ctx: DurableObjectState, env: E, kind: string, migrate: (sql: SqlStorage) => void, backoff: Backoff) {
    super(ctx, env);
    migrate(ctx.storage.sql);
    this.queue = new Drain(ctx.storage, { kind, id: ctx.id.toString() }, () => this.drain(), backoff);
  }

  protected abstract drain(): Promise<JobResult>;

  override async alarm(): Promise<void> {
    await this.queue.run();
  }

  /** A page of this queue's storage for a backup, or a page of a backup written into it (docs/backups.md). */
  async backup(op: BackupOp): Promise<BackupAnswer> {
    return backupStorage(this.ctx.storage, op, () => this.queue.arm());
  }
}
