import { digestEmail } from '../email/continuity';
import { mailerFor, progressInPayload, senderAddress } from '../email/mailer';
import { EmailSendError, type Address, type OutgoingEmail } from '../email/message';
import { replyAddress } from '../email/reply-address';
import type { Env } from '../env';
import { DigestStore, type ConversationJob } from './digest-store';
import { DIGEST, digestDueAt, digestFloor, digestRecipients, planDigest } from './email-digest';
import { conversationIdFor, guestConversationKey, type ConversationState } from './model';
import type { Entry } from './protocol';
import type { ConversationStore, Stored } from './store';
import { titleFor } from './titles';

const RETRY_BASE_MS = 30_000;
const MAX_ATTEMPTS = 8;

/** Someone a digest can go to, as the directory and their settings say at the time it is due. */
interface Recipient {
  kind: 'guest' | 'agent';
  address: Address;
  timeZone: string;
  link: string | null;
  /** An agent whose console is open saw the conversation in their inbox. */
  consoleOpen: boolean;
}

/**
 * Email continuity (C12) inside one conversation actor: queues a digest for every
 * participant a new message finds away, and serves the actor's alarm, which turns due
 * digests into emails and sends them. Alarms run at least once, so every step is
 * idempotent: a digest's ledger update and the email job it creates are written in one
 * transaction, and the email job's key is the recipient and the last seq it carries.
 */
export class EmailDigests {
  private readonly store: DigestStore;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly timeline: ConversationStore,
    private readonly conversation: () => Stored | null,
    private readonly online: (participantId: string) => boolean,
  ) {
    this.store = new DigestStore(ctx.storage.sql);
  }

  /**
   * Queues the digests a new message causes; called inside the transaction that stores the
   * message, with the conversation's state as that transaction leaves it. True when it
   * queued any (then the alarm may need to be set earlier).
   */
  queue(message: Entry, state: ConversationState): boolean {
    if (message.kind !== 'message' || message.author.kind === 'system') return false;
    const at = Date.parse(message.at);
    const recipients = digestRecipients(message.author.id, participantIds(state), this.online);
    for (const id of recipients) {
      this.store.enqueueOnce(`digest:${id}`, 'digest', digestDueAt(at, this.store.ledger(id)), { participantId: id });
    }
    return recipients.length > 0;
  }

  /** A participant's socket closed: whatever the conversation holds now reached them live. */
  wentAway(participantId: string): void {
    const state = this.conversation()?.state;
    if (state && participantIds(state).includes(participantId)) this.store.markSeen(participantId, this.timeline.lastSeq());
  }

  /** The participant a reply address's handle stands for, if they are still in the conversation. */
  participantOf(handle: number): { id: string; kind: 'guest' | 'agent' } | null {
    const id = this.store.participantOf(handle);
    const state = this.conversation()?.state;
    if (!id || !state) return null;
    if (state.guests.some((g) => g.id === id)) return { id, kind: 'guest' };
    if (state.agents.some((a) => a.id === id)) return { id, kind: 'agent' };
    return null;
  }

  jobs(): ConversationJob[] {
    return this.store.jobs();
  }

  /** Sets the one alarm to the earliest job, or clears it. */
  async arm(): Promise<void> {
    const due = this.store.nextDue();
    if (due === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(due, Date.now()));
  }

  /** The alarm: runs every due job, retrying failed sends with backoff, then re-arms. */
  async run(): Promise<void> {
    for (const job of this.store.dueJobs(Date.now())) {
      try {
        if (job.kind === 'digest') await this.digest(job);
        else await this.send(job);
      } catch (err) {
        const permanent = (err instanceof EmailSendError && !err.retryable) || job.attempts + 1 >= MAX_ATTEMPTS;
        if (permanent) {
          console.error('continuity job failed for good', job.key, err);
          this.store.finishJob(job.key);
        } else {
          this.store.retryJob(job.key, Date.now() + RETRY_BASE_MS * 2 ** job.attempts, String(err));
        }
      }
    }
    await this.arm();
  }

  private async send(job: ConversationJob): Promise<void> {
    if (job.kind === 'email') {
      await mailerFor(this.env).send(job.payload.email as OutgoingEmail, progressInPayload(job.payload, (saved) => this.store.savePayload(job.key, saved)));
    }
    else console.error('unknown conversation job', job.kind);
    this.store.finishJob(job.key);
  }

  /**
   * A recipient's digest fell due. Reads the directory and settings first; then, with no
   * await, decides from the current timeline, read position and ledger, so a message or a
   * reconnect that happened meanwhile is taken into account.
   */
  private async digest(job: ConversationJob): Promise<void> {
    const id = String(job.payload.participantId);
    const stored = this.conversation();
    const recipient = stored ? await this.recipient(stored.state, id) : null;
    const replyTo = stored && recipient ? await replyAddress(this.env, { conversationId: stored.id, handle: this.store.handleFor(id) }) : null;
    this.ctx.storage.transactionSync(() => {
      if (!stored || !recipient || !replyTo) return this.store.finishJob(job.key);
      if (this.online(id) || recipient.consoleOpen) {
        this.store.markSeen(id, this.timeline.lastSeq());
        return this.store.finishJob(job.key);
      }
      const ledger = this.store.ledger(id);
      const news = this.timeline.newsFor(id, digestFloor(ledger, this.timeline.readSeq(id)), DIGEST.maxMessages);
      const now = Date.now();
      const plan = planDigest(news.entries, id, ledger, now, news.total - news.entries.length);
      if (plan.kind === 'nothing') return this.store.finishJob(job.key);
      if (plan.kind === 'wait') return this.store.postpone(job.key, plan.until);
      const email = digestEmail({
        from: senderAddress(this.env),
        to: recipient.address,
        replyTo,
        title: titleFor(recipient.kind, this.conversation()!.state),
        messages: plan.messages,
        omitted: plan.omitted,
        link: recipient.link,
        timeZone: recipient.timeZone,
      });
      this.store.enqueueOnce(`email:${id}:${plan.throughSeq}`, 'email', now, { email });
      this.store.markEmailed(id, plan.throughSeq, now);
      this.store.finishJob(job.key);
    });
  }

  /** Guests with an email address; agents who opted in (their InboxActor keeps the setting). */
  private async recipient(state: ConversationState, id: string): Promise<Recipient | null> {
    const base = this.env.PUBLIC_BASE_URL.replace(/\/+$/, '');
    if (state.guests.some((g) => g.id === id)) {
      const row = await this.env.DB.prepare('SELECT name, email FROM guests WHERE id = ?').bind(id).first<{ name: string; email: string | null }>();
      if (!row?.email) return null;
      const page = state.origin.kind === 'service' ? `/s/${state.origin.service.slug}` : `/u/${state.origin.agent.slug}`;
      // The chat page opens the conversation the guest started there; a meeting's
      // conversation or one they were invited to is answered by replying only.
      const reachable = (await conversationIdFor(guestConversationKey(id, state.origin))) === this.conversation()?.id;
      return { kind: 'guest', address: { name: row.name, email: row.email }, timeZone: 'UTC', link: reachable ? `${base}${page}` : null, consoleOpen: false };
    }
    if (state.agents.some((a) => a.id === id)) {
      const inbox = this.env.INBOXES.get(this.env.INBOXES.idFromName(id));
      const [row, settings] = await Promise.all([
        this.env.DB.prepare('SELECT name, email, time_zone FROM agents WHERE id = ?').bind(id).first<{ name: string; email: string; time_zone: string }>(),
        inbox.emailContinuity(),
      ]);
      if (!row || !settings.emailWhenOffline) return null;
      return { kind: 'agent', address: { name: row.name, email: row.email }, timeZone: row.time_zone, link: `${base}/console`, consoleOpen: settings.consoleOpen };
    }
    return null;
  }
}

const participantIds = (state: ConversationState): string[] => [...state.agents.map((a) => a.id), ...state.guests.map((g) => g.id)];
