import type { JobHandlers, JobResult, Jobs } from '../actor/jobs';
import { conversationIdFor, guestConversationKey, type ConversationState } from '../conversation/model';
import type { Entry } from '../conversation/protocol';
import type { ConversationStore, Stored } from '../conversation/store';
import { titleFor } from '../conversation/titles';
import { findAgentById } from '../directory/agents';
import { findGuest } from '../directory/guests';
import { emailJobHandler, senderAddress, type EmailJob } from '../email/mailer';
import { SEND_RETRY, type Address, type OutgoingEmail } from '../email/message';
import type { Env } from '../env';
import { fileLinks, LINK_LIFETIME_S } from '../attachments/links';
import { transcriptsOn } from '../directory/services';
import { digestEmail, transcriptEmail } from './digest-email';
import { DigestStore } from './digest-store';
import { DIGEST, digestDueAt, digestFloor, digestRecipients, gatherPauseMs, planDigest } from './email-digest';
import { replyAddress } from './reply-address';
import { inboxActor } from '../inbox/stub';
import { brandOf } from '../email/layout';
import { digestsStopped, unsubscribeUrl } from './unsubscribe';

/** The kinds of job continuity adds to the conversation actor's job table. */
export interface DigestJobs {
  /** A recipient's digest fell due. */
  digest: { participantId: string };
  email: EmailJob;
  /** A resolution (the seq of its status event) of a conversation of `serviceId`: its guests may get a transcript. */
  transcript: { resolution: number; serviceId: string | null };
}

/** A transcript quotes at most this many messages (the latest) and says how many earlier ones it leaves out. */
const TRANSCRIPT_MAX_MESSAGES = 200;

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
 * Email continuity (C12) inside one conversation actor: queues a digest job for every
 * participant a new message finds away, and handles the jobs (actor/jobs.ts), which turn
 * due digests into emails and send them. Jobs run at least once, so every step is
 * idempotent: a digest's ledger update and the email job it creates are written in one
 * transaction, and the email job's key is the recipient and the last seq it carries.
 */
export class EmailDigests {
  private readonly store: DigestStore;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly jobs: Jobs<DigestJobs>,
    private readonly timeline: ConversationStore,
    private readonly conversation: () => Stored | null,
    private readonly online: (participantId: string) => boolean,
  ) {
    this.store = new DigestStore(ctx.storage.sql);
    this.handlers = {
      digest: { run: ({ participantId }) => this.digest(participantId), retry: SEND_RETRY },
      transcript: { run: (payload) => this.transcript(payload), retry: SEND_RETRY },
      email: emailJobHandler(env, jobs),
    };
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
      this.jobs.enqueue('digest', `digest:${id}`, digestDueAt(at, this.store.ledger(id), gatherPauseMs(this.env)), { participantId: id });
    }
    return recipients.length > 0;
  }

  /**
   * A resolution may send transcripts; called in the transaction that stores it, so none is
   * lost. Whether the service sends them is read when the job runs.
   */
  queueTranscript(resolution: number, state: ConversationState): void {
    this.jobs.enqueue('transcript', `transcript:${resolution}`, Date.now(), { resolution, serviceId: state.service?.id ?? null });
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

  readonly handlers: JobHandlers<DigestJobs>;

  /**
   * A recipient's digest fell due. Reads the directory and settings first; then, with no
   * await, decides from the current timeline, read position and ledger, so a message or a
   * reconnect that happened meanwhile is taken into account.
   */
  private async digest(id: string): Promise<JobResult> {
    const stored = this.conversation();
    const recipient = stored ? await this.recipient(stored.state, id) : null;
    const replyTo = stored && recipient ? await replyAddress(this.env, { conversationId: stored.id, handle: this.store.handleFor(id) }) : null;
    // Signing is asynchronous, so the links are made before the decision below, for the
    // messages it would take now; a file sent meanwhile is listed without one.
    const links = stored && recipient ? await fileLinks(this.env, stored.id, this.timeline.newsFor(id, 0, DIGEST.maxMessages).entries, LINK_LIFETIME_S.email) : new Map<string, string>();
    const stopped = recipient?.kind === 'guest' && (await digestsStopped(this.env.DB, recipient.address.email));
    const unsubscribe = recipient ? await unsubscribeUrl(this.env, id) : undefined;
    return this.ctx.storage.transactionSync((): JobResult => {
      if (!stored || !recipient || !replyTo || stopped) return;
      if (this.online(id) || recipient.consoleOpen) {
        this.store.markSeen(id, this.timeline.lastSeq());
        return;
      }
      const ledger = this.store.ledger(id);
      const news = this.timeline.newsFor(id, digestFloor(ledger, this.timeline.readSeq(id)), DIGEST.maxMessages);
      const now = Date.now();
      const plan = planDigest(news.entries, id, ledger, now, news.total - news.entries.length);
      if (plan.kind === 'nothing') return;
      if (plan.kind === 'wait') return { again: plan.until };
      const email = digestEmail({
        from: senderAddress(this.env),
        to: recipient.address,
        replyTo,
        title: titleFor(recipient.kind, this.conversation()!.state),
        messages: plan.messages,
        omitted: plan.omitted,
        link: recipient.link,
        timeZone: recipient.timeZone,
        fileLinks: links,
        brand: brandOf(this.env),
        unsubscribe,
      });
      this.jobs.enqueue('email', `email:${id}:${plan.throughSeq}`, now, { email });
      this.store.markEmailed(id, plan.throughSeq, now);
    });
  }

  /**
   * Emails each guest with an address the messages up to the resolution (never a note: notes
   * are events). The email's job and the guest's row in transcripts_sent are written together,
   * so a run repeated by the alarm sends nothing twice; what it carried counts as emailed, so
   * no digest repeats it.
   */
  private async transcript({ resolution, serviceId }: DigestJobs['transcript']): Promise<void> {
    const stored = this.conversation();
    if (!stored || serviceId === null || !(await transcriptsOn(this.env.DB, serviceId))) return;
    const to: Array<{ id: string; recipient: Recipient; replyTo: string }> = [];
    for (const guest of stored.state.guests) {
      const recipient = await this.recipient(stored.state, guest.id);
      if (recipient) to.push({ id: guest.id, recipient, replyTo: await replyAddress(this.env, { conversationId: stored.id, handle: this.store.handleFor(guest.id) }) });
    }
    const { entries, total } = this.timeline.messagesThrough(resolution, TRANSCRIPT_MAX_MESSAGES);
    const throughSeq = entries[entries.length - 1]?.seq ?? 0;
    const links = to.length > 0 ? await fileLinks(this.env, stored.id, entries, LINK_LIFETIME_S.email) : new Map<string, string>();
    this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      for (const { id, recipient, replyTo } of to) {
        if (!this.store.markTranscriptSent(resolution, id)) continue;
        const email = transcriptEmail({
          from: senderAddress(this.env),
          to: recipient.address,
          replyTo,
          title: titleFor('guest', stored.state),
          messages: entries,
          omitted: total - entries.length,
          link: recipient.link,
          timeZone: recipient.timeZone,
          fileLinks: links,
          brand: brandOf(this.env),
        });
        this.jobs.enqueue('email', `email:transcript:${resolution}:${id}`, now, { email });
        this.store.markEmailed(id, throughSeq, now);
      }
    });
  }

  /** Guests with an email address; agents who opted in (their InboxActor keeps the setting). */
  private async recipient(state: ConversationState, id: string): Promise<Recipient | null> {
    const base = this.env.PUBLIC_BASE_URL.replace(/\/+$/, '');
    if (state.guests.some((g) => g.id === id)) {
      const row = await findGuest(this.env.DB, id);
      if (!row?.email) return null;
      const page = state.origin.kind === 'service' ? `/s/${state.origin.service.slug}` : `/u/${state.origin.agent.slug}`;
      // The chat page opens the conversation the guest started there; a meeting's
      // conversation or one they were invited to is answered by replying only.
      const reachable = (await conversationIdFor(guestConversationKey(id, state.origin))) === this.conversation()?.id;
      return { kind: 'guest', address: { name: row.name, email: row.email }, timeZone: 'UTC', link: reachable ? `${base}${page}` : null, consoleOpen: false };
    }
    if (state.agents.some((a) => a.id === id)) {
      const inbox = inboxActor(this.env, id);
      const [row, settings] = await Promise.all([
        findAgentById(this.env.DB, id),
        inbox.emailContinuity(),
      ]);
      if (!row || !settings.emailWhenOffline) return null;
      return { kind: 'agent', address: { name: row.name, email: row.email }, timeZone: row.timeZone, link: `${base}/console`, consoleOpen: settings.consoleOpen };
    }
    return null;
  }
}

const participantIds = (state: ConversationState): string[] => [...state.agents.map((a) => a.id), ...state.guests.map((g) => g.id)];
