import { DurableObject } from 'cloudflare:workers';
import { backupStorage, type BackupAnswer, type BackupOp } from '../actor/backup';
import { Jobs, type JobHandlers, type JobResult, type PendingJob, type RetryPolicy } from '../actor/jobs';
import { accept, refuse, type Outcome, type Refusal } from '../actor/outcome';
import { acknowledge, broadcast, closeIfExpired, completeClose, deliver, newSendWindow, type ExpiringAttachment, type MeteredAttachment } from '../actor/sockets';
import { EmailDigests, type DigestJobs } from '../continuity/digests';
import { findAgentById, findAgentsBySlugs } from '../directory/agents';
import { aggregateAvailability, type Availability } from '../directory/availability';
import { isLicensed } from '../directory/licensing';
import { chipsOf, labelCatalog, lastLabelCatalog, type LabelChip } from '../directory/labels';
import { indexedSeq, rewriteSearchEntries, writeSearchIndex, type SearchEntry } from '../directory/search';
import { watchingAgents } from '../directory/presence';
import { summaryOf, summaryStatements, type ConversationSummary } from '../directory/summaries';
import { viewsOf, type ViewFacts } from '../directory/views';
import { serviceMembers } from '../directory/services';
import { forgetConversation, recordConversation, recordGuestJoined } from '../directory/conversations';
import type { Env } from '../env';
import { errorEnvelope } from '../errors';
import { errorResponse } from '../http/errors';
import { rateLimited } from '../http/limits';
import type { InboxItem } from '../inbox/item';
import { emitWebhookEvents } from '../integrations/emit';
import { conversationEvents, conversationEventType } from '../integrations/webhook-events';
import { knownSubscriptions } from '../integrations/webhook-registry';
import { applyAssignment, planAssignment, type AssignmentRequest } from './assignment';
import type { AgentParticipant, ConversationState, ConversationStatus, GuestParticipant, Origin, StartContext } from './model';
import { agentParticipant, answersSeenBy, assigneeOf, contextOf, isAgentParticipant, OPEN, statusOf, withGuestErased } from './model';
import type { PrechatAnswer } from '../directory/prechat';
import { ratingPrompt } from './rating';
import { inviteRefusal, InviteStore, type InviteView } from './invites';
import { fileLinks, LINK_LIFETIME_S } from '../attachments/links';
import { AttachmentStore, fileKey, UNSENT_LIFETIME_MS, type StoredFile } from './attachments';
import { deleteConversationFiles, deleteFiles } from '../attachments/files';
import { DELETED_GUEST, ERASURE_RETRY, finishConversationStep } from '../privacy/erasure';
import { canAgentOpen, planJoin } from './participants';
import { agentOnly, assertNever, ClientFrame, clientIdOf, CLOSE, LIMITS, mentionedSlugs, parseFrame, visibleTo, type AttachmentView, type Author, type ConversationView, type Entry, type OfferEvent, type RatingPrompt, type ServerFrame, type TimelineEvent } from './protocol';
import { applyRejoinDecision, recordLeave, rejoinDecision } from './rejoin';
import { Gatherer, type Gathering } from './gathering';
import { migrate, ConversationStore, type Stored } from './store';
import { avatarFor, titleFor } from './titles';
import { inboxActor } from '../inbox/stub';

/** Who is calling, as the Worker verified it from a token and the directory. */
export type Caller = { kind: 'agent'; agent: AgentParticipant } | { kind: 'guest'; guest: GuestParticipant };


/** `expiresAt`: from then on the socket gets nothing and is closed with 4001 (actor/sockets.ts). */
interface SocketAttachment extends ExpiringAttachment, MeteredAttachment {
  caller: Caller;
  /**
   * Every entry after this seq has been sent on this socket, live since it opened or by a
   * replay, so a later `resume` sends only what is before it (see replay). Absent: nothing known.
   */
  sentFrom?: number;
  /** Whether the limits apply (off only for the test and benchmark runners: src/http/limits.ts). */
  limited?: boolean;
}

export interface OpenRequest {
  id: string;
  origin: Origin;
  /** The agent participants of a new conversation: the personal-link agent or the service's licensed members. */
  agents: AgentParticipant[];
  guest: GuestParticipant;
  /** Kept only if this request creates the conversation: where it started never changes. */
  context: StartContext;
  /** Kept only if this request creates the conversation, like the context. */
  answers?: PrechatAnswer[];
}

export interface StartRequest extends OpenRequest {
  clientId: string;
  text: string;
}

/** Entries one conversation puts in an export at most (docs/privacy.md "Limits"). */
export const EXPORT_ENTRIES = 5000;

/** Who an export is for: an admin, an agent the admin lets export, or the guest themself. */
export type ExportViewer = 'admin' | 'guest' | { agentId: string };

export interface ExportedConversation {
  id: string;
  title: string;
  context: StartContext;
  status?: ConversationStatus['value'];
  participants: Array<{ id: string; kind: 'agent' | 'guest'; name: string }>;
  answers: PrechatAnswer[];
  entries: Array<Omit<Entry, 'attachments'> & { agentsOnly?: true; attachments?: Array<AttachmentView & { url: string }> }>;
  truncated: boolean;
  /** Whose calendar may hold meetings of it: the agent it was started with. */
  agentId: string | null;
}

/** The conversation actor's jobs (actor/jobs.ts). */
interface ConversationJobs extends DigestJobs {
  /** Webhook events of entries committed together, with the state they left (what the events describe). */
  webhooks: { seqs: number[]; state: ConversationState };
  /** Every agent's inbox that is behind (ConversationStore.inboxesBehind) gets this conversation as it is when the job runs. */
  inbox: Record<string, never>;
  /** A snooze that ends by itself at `until` (ms): keyed by it, so a later snooze never inherits an earlier one's time. */
  wake: { until: number };
  /**
   * The search index gets every entry after the last one it has, and the conversation's facts
   * and its views' summary (directory/summaries.ts) as they are when the job runs.
   */
  search: Record<string, never>;
  /** Unsent uploads a day old are deleted, bytes and record (docs/attachments.md). */
  attachments: Record<string, never>;
  /** Retention deletes the conversation with everything it holds (docs/privacy.md "Retention"); `agentIds`: the inboxes that list it. */
  purge: { id: string; agentIds: string[] };
  /** This conversation's part of a guest's erasure (docs/privacy.md). */
  erase: { erasureId: string; guestId: string };
}

/** An entry as the search index holds it; none for one without text or files. A message is found by its files' names as well as its text. */
const searchEntryOf = (e: Entry): SearchEntry[] => {
  const text = [e.text ?? '', ...(e.attachments ?? []).map((a) => a.name)].filter(Boolean).join('\n');
  return text ? [{ seq: e.seq, authorKind: e.author.kind, authorName: e.author.name, at: e.at, text, agentsOnly: agentOnly(e) }] : [];
};

/** What a message's text stands for where only a line is shown (the inbox): its files' names when it has no text. */
const messageLine = (entry: Entry): string =>
  entry.text || !entry.attachments?.length ? (entry.text ?? '') : `📎 ${entry.attachments.map((a) => a.name).join(', ')}`;

const snoozedUntil = (status: ConversationStatus): string | null =>
  status.value === 'snoozed' && status.until !== null ? new Date(status.until).toISOString() : null;
const wakeKey = (until: number): string => `wake:${until}`;
const samePrompt = (a: RatingPrompt | null, b: RatingPrompt | null): boolean => JSON.stringify(a) === JSON.stringify(b);
const sameStatus = (a: ConversationStatus, b: ConversationStatus): boolean =>
  a.value === b.value && (a.value !== 'snoozed' || b.value !== 'snoozed' || a.until === b.until);
const statusEvent = (status: ConversationStatus): TimelineEvent =>
  status.value === 'snoozed' && status.until !== null
    ? { type: 'status', status: 'snoozed', until: new Date(status.until).toISOString() }
    : { type: 'status', status: status.value };

/**
 * Hand-overs to our own actors (webhook queues, inboxes) are retried until they succeed: an
 * actor that cannot be reached for a while gets everything once it can.
 */
const HANDOVER_RETRY: RetryPolicy = { maxAttempts: Infinity, backoff: { baseMs: 5_000, capMs: 10 * 60_000 } };
/**
 * Hand-overs are started by the actor itself at once (inboxes after the gathering pause);
 * their jobs are due this much later, when the alarm runs them only if the actor could not.
 */
const BACKSTOP_MS = 2_000;

/** How many of the latest ratings the details list. */
const RATINGS_LISTED = 20;

const callerId = (caller: Caller): string => (caller.kind === 'agent' ? caller.agent.id : caller.guest.id);
const callerName = (caller: Caller): string => (caller.kind === 'agent' ? caller.agent.name : caller.guest.name);
/**
 * How inbox updates and the search index's are gathered (conversation/gathering.ts): 100 ms
 * after a first change, short enough to look live; then a second apart while the conversation
 * stays busy, which is what kept one with 20 agent participants from keeping its fan-out
 * near the bare relay's (docs/benchmarks.md).
 */
const GATHERING: Gathering = { batchMs: 100, spacingMs: 1_000 };
/** The gathered hand-overs, in the order a run takes them. */
const HAND_OVERS = ['inbox:', 'search:'] as const;

/**
 * Every participant's presence is pushed, guests' too: a console that loaded before a guest
 * joined by invite otherwise showed them offline until it reloaded. `agentId` stays on
 * agents' frames for clients written before guests had any.
 */
const presenceOf = (caller: Caller, online: boolean): ServerFrame =>
  caller.kind === 'agent' ? { type: 'presence', participantId: caller.agent.id, agentId: caller.agent.id, online } : { type: 'presence', participantId: caller.guest.id, online };
const asAuthor = (caller: Caller): Author => ({ id: callerId(caller), kind: caller.kind, name: callerName(caller) });
const SYSTEM: Author = { id: 'system', kind: 'system', name: 'Doorbell' };
/** A message's insert found its clientId already stored (post). */
const ALREADY_SENT = Symbol('already sent');
const named = (p: { id: string; name: string }) => ({ id: p.id, name: p.name });

/**
 * One conversation (C1–C10): its state (a ConversationState the pure rules transform),
 * its timeline with per-conversation sequence numbers, read positions, and the sockets
 * of everyone connected. Sockets use the hibernation API; everything a socket needs is in
 * its attachment, so the object can sleep and wake without losing a connection.
 */
export class ConversationActor extends DurableObject<Env> {
  private readonly store: ConversationStore;
  private readonly invites: InviteStore;
  private readonly files: AttachmentStore;
  private stored: Stored | null;
  // Rate-limit buckets live in memory: losing them when the object sleeps only forgives
  // a burst, which is harmless.
  private readonly buckets = new WeakMap<WebSocket, Bucket>();
  // Messages sent over HTTP, per participant: the same budget as one socket, so that HTTP is no
  // way around the socket's limit.
  private readonly httpBuckets = new Map<string, Bucket>();
  private readonly jobs: Jobs<ConversationJobs>;
  private readonly digests: EmailDigests;
  // Agents this instance marked as behind and whose update has not started yet (see syncInboxes).
  private readonly inboxesQueued = new Set<string>();
  // A search job this instance queued has not yet found the index caught up: later commits ride on it (see queueSearch).
  private searchQueued = false;
  // Inbox updates and the search index are handed over together: one timer and one run for both
  // (a message asks for both), of those asked for since the last run. Inboxes first: the team
  // watches them live, while a search may find the message a moment later.
  private readonly handOversAsked = new Set<'inbox:' | 'search:'>();
  private readonly handOvers = new Gatherer(GATHERING, () => {
    const prefixes = HAND_OVERS.filter((prefix) => this.handOversAsked.has(prefix));
    this.handOversAsked.clear();
    this.ctx.waitUntil(this.runNow(...prefixes));
  });
  // The last seq this instance wrote to the search index (the index keeps the maximum of what any run wrote).
  private indexedUpTo: number | null = null;
  // A transaction queued webhook events; they are handed over once it committed.
  private webhooksQueued = false;
  private readonly handlers: JobHandlers<ConversationJobs>;
  // Agents whose inbox watch()es this conversation, with their availability as last told; in
  // memory: after a restart the next socket or change asks their inboxes again.
  private readonly shown = new Map<string, Availability>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage.sql);
    this.store = new ConversationStore(ctx.storage.sql);
    this.invites = new InviteStore(ctx.storage.sql);
    this.files = new AttachmentStore(ctx.storage.sql);
    this.stored = this.store.load();
    this.jobs = new Jobs(ctx.storage, { kind: 'conversation', id: ctx.id.toString() });
    this.digests = new EmailDigests(ctx, env, this.jobs, this.store, () => this.stored, (id) => this.isOnline(id));
    this.handlers = {
      ...this.digests.handlers,
      webhooks: { run: (payload) => this.emitWebhooks(payload), retry: HANDOVER_RETRY, routine: true },
      inbox: { run: () => this.updateInboxes(), retry: HANDOVER_RETRY, routine: true },
      // Retried like a hand-over: a snooze must end even if the first attempt failed.
      wake: { run: ({ until }) => this.wake(until), retry: HANDOVER_RETRY },
      search: { run: () => this.updateSearch(), retry: HANDOVER_RETRY, routine: true },
      attachments: { run: () => this.sweepUploads(), retry: HANDOVER_RETRY },
      purge: { run: (payload) => this.purgeNow(payload), retry: HANDOVER_RETRY },
      erase: { run: (payload) => this.erase(payload), retry: ERASURE_RETRY },
    };
    // Starts reading who subscribes to webhooks, so that the first message usually knows.
    knownSubscriptions(env.DB, ctx);
    // Views pushed on sockets show labels from the last catalog read (see labelsNow).
    ctx.waitUntil(this.labelsNow().catch((err: unknown) => console.error('labels not read', err)));
    // Heartbeats are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  // ---- RPC from the Worker -------------------------------------------------------------

  /** C1/C2: the guest's message creates the conversation the first time, and reuses it after. */
  async start(request: StartRequest): Promise<Outcome<{ created: boolean; seq: number; duplicate: boolean; conversation: ConversationView }>> {
    await this.register(request);
    const created = this.open(request);
    const caller: Caller = { kind: 'guest', guest: request.guest };
    const posted = await this.post(caller, request.clientId, request.text);
    if (!posted.ok) return posted;
    return accept({ created, ...posted.value, conversation: this.viewFor(caller) });
  }

  /**
   * A note from Doorbell itself, such as a meeting booked or changed (M2, M4, M5). The
   * conversation is created on the first note; the client id makes a repeated note (an
   * alarm run twice) land once. Without a request (a CRM result) it only goes into a conversation that exists.
   */
  async note(request: OpenRequest | null, clientId: string, text: string, event: TimelineEvent): Promise<{ seq: number; duplicate: boolean }> {
    if (request) {
      await this.register(request);
      this.open(request);
    } else if (!this.stored) throw new Error('conversation not started');
    const existing = this.store.findByClientId(SYSTEM.id, clientId);
    if (existing) return { seq: existing.seq, duplicate: true };
    const before = this.state;
    const entry = this.ctx.storage.transactionSync(() => {
      const appended = this.store.append({ at: Date.now(), author: SYSTEM, clientId, text, event });
      this.queueWebhooks([appended], this.state);
      this.queueSearch([appended]);
      return appended;
    });
    this.publish([entry], before);
    return { seq: entry.seq, duplicate: false };
  }

  /**
   * The directory learns of a conversation before it exists, so the Worker never refuses one
   * that does (a failure after this leaves a record whose actor answers 404, which is harmless).
   */
  private async register(request: OpenRequest): Promise<void> {
    if (!this.stored) await recordConversation(this.env.DB, request.id, request.guest.id);
  }

  /** Creates the conversation unless it exists; true when it did. */
  private open(request: OpenRequest): boolean {
    let created = false;
    if (!this.stored) {
      const state: ConversationState = {
        origin: request.origin,
        service: request.origin.kind === 'service' ? request.origin.service : null,
        agents: request.agents,
        guests: [request.guest],
        customName: null,
        visibility: 'public',
        departures: [],
        rejoinWithheld: null,
        context: request.context,
        ...(request.answers?.length ? { answers: request.answers } : {}),
      };
      const originName = request.origin.kind === 'service' ? request.origin.service.name : request.origin.agent.name;
      this.ctx.storage.transactionSync(() => {
        this.store.create(request.id, state, Date.now());
        const first = this.store.append({ at: Date.now(), author: SYSTEM, event: { type: 'created', origin: { kind: request.origin.kind, name: originName } } });
        this.queueWebhooks([first], state);
      });
      this.stored = this.store.load();
      this.handOverWebhooks();
      created = true;
    }
    return created;
  }

  async view(caller: Caller): Promise<Outcome<ConversationView>> {
    await this.labelsNow();
    const denied = this.denied(caller);
    return denied ?? accept(this.viewFor(caller));
  }

  /** What agents know about where the conversation started and who its guests are (docs/rules.md); never guests. */
  async details(caller: Caller): Promise<Outcome<{ context: StartContext; answers: PrechatAnswer[]; guests: GuestParticipant[]; ratings: Entry[] }>> {
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents see the details of a conversation.');
    const denied = this.denied(caller);
    return denied ?? accept({ context: contextOf(this.state), answers: [...(this.state.answers ?? [])], guests: [...this.state.guests], ratings: this.store.ratings(RATINGS_LISTED) });
  }

  /** One line about the conversation for a list elsewhere: its title as the caller sees it and when anything last happened. */
  async summary(caller: Caller): Promise<Outcome<{ id: string; title: string; with: string; lastActivityAt: string }>> {
    const denied = this.denied(caller);
    if (denied) return denied;
    const { origin } = this.state;
    const title = titleFor(caller.kind, this.state);
    return accept({ id: this.stored!.id, title, with: origin.kind === 'service' ? origin.service.name : origin.agent.name, lastActivityAt: new Date(this.store.lastAt()).toISOString() });
  }

  async history(caller: Caller, after: number, limit: number): Promise<Outcome<{ entries: Entry[]; lastSeq: number }>> {
    const denied = this.denied(caller);
    return denied ?? accept({ entries: this.store.after(after, limit).filter((e) => visibleTo(caller.kind, e)), lastSeq: this.store.lastSeq() });
  }

  /**
   * Stores a message once per client id (C9) and applies the rejoin rule to guest messages (C6).
   * `limited`: an HTTP send, held to the socket's budget (sockets count their own frames, and
   * email replies are limited by mail itself).
   */
  async post(caller: Caller, clientId: string, text: string, options: { limited?: boolean; attachments?: readonly string[] | undefined } = {}): Promise<Outcome<{ seq: number; duplicate: boolean }>> {
    const denied = this.denied(caller);
    if (denied) return denied;
    const spent = this.overHttpBudget(caller, options);
    if (spent) return spent;
    // The directory read happens before the synchronous section below, so that the
    // dedupe check and the insert see one consistent state.
    const originAgents = caller.kind === 'guest' && this.state.departures.length > 0 ? await this.originAgents() : null;

    // A resend of a stored message is acknowledged as before, even where a first send would now be
    // refused; the common case, a new message, is found out by the insert itself (appendUnlessSent).
    const resent = () => {
      const existing = this.store.findByClientId(callerId(caller), clientId);
      return existing ? accept({ seq: existing.seq, duplicate: true }) : null;
    };

    // A participant downgraded to basic stays listed but may no longer speak to guests.
    const unlicensed = this.unlicensed(caller);
    if (unlicensed) return resent() ?? unlicensed;
    const ids = options.attachments ?? [];
    const files = ids.length > 0 ? this.files.unsent(callerId(caller), clientId, ids) : [];
    if (!files) return resent() ?? refuse(400, 'unknown_attachment', 'A file this message names is not one you uploaded for its clientId, or it was deleted after a day unsent: upload it again.');
    const before = this.state;
    let state = before;
    const events: TimelineEvent[] = [];
    if (caller.kind === 'agent' && !isAgentParticipant(state, caller.agent.id)) {
      const join = planJoin(state, caller.agent);
      if (!join.ok) return resent() ?? refuse(403, join.code, join.message);
      state = { ...state, agents: join.agents };
      events.push({ type: 'joined', participant: { ...named(caller.agent), kind: 'agent' } });
    }
    if (originAgents) {
      const decision = rejoinDecision(state, Date.now(), originAgents);
      state = applyRejoinDecision(state, decision);
      if (decision.kind === 'rejoin') events.push({ type: 'rejoined', agents: decision.agents.map(named) });
    }
    // The guest writing again is news for the team: a resolved or snoozed conversation is open again.
    const reopened = caller.kind === 'guest' && statusOf(state).value !== 'open';
    if (reopened) {
      state = { ...state, status: OPEN };
      events.push(statusEvent(OPEN));
    }
    let queued = false;
    let entries: Entry[];
    try {
      entries = this.commit(state, events, (at) => {
        const entry = this.store.appendUnlessSent({ at, author: asAuthor(caller), clientId, text, attachments: files });
        // Thrown to roll back what the message would have brought with it (a join, a reopening).
        if (!entry) throw ALREADY_SENT;
        this.files.attach(ids, entry.seq);
        // In the message's own transaction: the emails it may cause (C12) cannot be lost.
        queued = this.digests.queue(entry, state);
        return entry;
      });
    } catch (err) {
      if (err === ALREADY_SENT) return resent()!;
      throw err;
    }
    const message = entries[entries.length - 1]!;
    if (reopened) this.jobs.cancel('wake:');
    this.publish(entries, before);
    // Only a new job can need an earlier alarm; while everyone is connected this costs nothing.
    if (queued || reopened) await this.jobs.arm();
    return accept({ seq: message.seq, duplicate: false });
  }

  /**
   * A private note: agents who may write in the conversation (licensed) write it; only agents
   * ever receive it (agentOnly). Unlike a message it does not make its author a participant.
   * Its @mentions are the agents they name who may open the conversation now; their inboxes
   * get it (the inbox job, so durable and retried) under Mentions, unread until they read it.
   */
  async postNote(caller: Caller, clientId: string, text: string, options: { limited?: boolean } = {}): Promise<Outcome<{ seq: number; duplicate: boolean }>> {
    const denied = this.denied(caller);
    if (denied) return denied;
    const spent = this.overHttpBudget(caller, options);
    if (spent) return spent;
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents write notes.');
    const unlicensed = this.unlicensed(caller);
    if (unlicensed) return unlicensed;
    const slugs = mentionedSlugs(text);
    const named = slugs.length > 0 ? await findAgentsBySlugs(this.env.DB, slugs) : [];
    // After the directory read: the conversation may have been made private meanwhile, and
    // a resend that arrived meanwhile finds the stored note.
    const lost = this.denied(caller);
    if (lost) return lost;
    const existing = this.store.findByClientId(caller.agent.id, clientId);
    if (existing) return accept({ seq: existing.seq, duplicate: true });
    const before = this.state;
    const mentions = named
      .filter((agent) => agent.id !== caller.agent.id && canAgentOpen(before, agent.id))
      .map((agent) => ({ id: agent.id, slug: agent.slug, name: agent.name }));
    const entries = this.commit(before, [], (at) =>
      this.store.append({ at, author: asAuthor(caller), clientId, text, event: { type: 'note', mentions } }),
    );
    this.publish(entries, before);
    this.syncInboxes(mentions.map((m) => m.id));
    return accept({ seq: entries[0]!.seq, duplicate: false });
  }

  /**
   * An agent in the conversation offers a meeting (docs/meetings.md "Booking from the chat"):
   * the entry is authored by them and seen by everyone; the Worker checked the type and times.
   * The client id makes a resent request land once.
   */
  async offer(caller: Caller, clientId: string, text: string, event: OfferEvent): Promise<Outcome<Entry>> {
    const denied = this.denied(caller) ?? this.unlicensed(caller);
    if (denied) return denied;
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents offer meetings.');
    if (!isAgentParticipant(this.state, caller.agent.id)) return refuse(403, 'not_a_participant', 'Join the conversation before offering a meeting in it.');
    const existing = this.store.findByClientId(caller.agent.id, clientId);
    if (existing) return accept(existing);
    const before = this.state;
    const entries = this.commit(before, [], (at) => this.store.append({ at, author: asAuthor(caller), clientId, text, event }));
    this.publish(entries, before);
    return accept(entries[0]!);
  }

  /** An offer made here, for a guest of the conversation who books it (or an agent who may open it). */
  async offered(caller: Caller, offerId: string): Promise<Outcome<OfferEvent>> {
    const denied = this.denied(caller);
    if (denied) return denied;
    const event = this.store.offer(offerId)?.event;
    return event?.type === 'offer' ? accept(event) : refuse(404, 'not_found', 'Offer was not found.');
  }

  /** An HTTP message or note (`limited`) takes from the participant's budget, the socket's own. */
  private overHttpBudget(caller: Caller, options: { limited?: boolean }): Refusal | null {
    if (!options.limited) return null;
    const id = callerId(caller);
    const bucket = this.httpBuckets.get(id) ?? newBucket();
    this.httpBuckets.set(id, bucket);
    if (takeToken(bucket)) return null;
    return refuse(429, 'rate_limited', `Slow down: at most ${LIMITS.framesPerSecond} messages a second (bursts of ${LIMITS.frameBurst}).`, {
      limit: 'messages_per_participant',
      retryAfter: 1,
    });
  }

  /**
   * Reserves an upload for the message `clientId` (docs/attachments.md): whoever may send here
   * may, and uploading joins nobody. A name already uploaded for this message answers that file
   * (`fresh: false`): the Worker stores nothing new.
   */
  async reserveUpload(caller: Caller, clientId: string, name: string, size: number): Promise<Outcome<{ id: string; fresh: boolean; attachment: AttachmentView }>> {
    const refused = this.denied(caller) ?? this.mayNotWrite(caller);
    if (refused) return refused;
    const now = Date.now();
    const sent = this.store.findByClientId(callerId(caller), clientId) !== null;
    const reserved = this.files.reserve(callerId(caller), clientId, name, size, sent, now);
    if ('ok' in reserved) return reserved;
    if (reserved.fresh) {
      this.jobs.enqueue('attachments', 'attachments:sweep', now + UNSENT_LIFETIME_MS, {});
      await this.jobs.arm();
    }
    return accept({ id: reserved.id, fresh: reserved.fresh, attachment: reserved.view });
  }

  /** The bytes of a reserved upload are in R2; null when the sweep took it meanwhile. */
  async storedUpload(id: string, file: StoredFile): Promise<AttachmentView | null> {
    return this.files.stored(id, file);
  }

  async abandonUpload(id: string): Promise<void> {
    this.files.abandon(id);
  }

  /** A file the caller may read: one of a message they can see, or their own unsent upload. */
  async attachment(caller: Caller, id: string): Promise<Outcome<AttachmentView>> {
    const denied = this.denied(caller);
    if (denied) return denied;
    const file = this.files.find(id);
    if (!file || (!file.sent && file.authorId !== callerId(caller))) return refuse(404, 'not_found', 'File was not found.');
    return accept(file.view);
  }

  async join(caller: Caller): Promise<Outcome<ConversationView>> {
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents join conversations this way.');
    const denied = this.denied(caller);
    if (denied) return denied;
    const before = this.state;
    if (isAgentParticipant(before, caller.agent.id)) return accept(this.viewFor(caller));
    const join = planJoin(before, caller.agent);
    if (!join.ok) return refuse(403, join.code, join.message);
    const entries = this.commit({ ...before, agents: join.agents }, [{ type: 'joined', participant: { ...named(caller.agent), kind: 'agent' } }]);
    this.publish(entries, before);
    return accept(this.viewFor(caller));
  }

  async leave(caller: Caller): Promise<Outcome<ConversationView>> {
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents leave conversations.');
    const denied = this.denied(caller);
    if (denied) return denied;
    const before = this.state;
    if (!isAgentParticipant(before, caller.agent.id)) return refuse(409, 'not_a_participant', 'You are not a participant of this conversation.');
    const entries = this.commit(recordLeave(before, caller.agent.id, Date.now()), [
      { type: 'left', participant: { ...named(caller.agent), kind: 'agent' } },
    ]);
    this.publish(entries, before);
    return accept(this.viewFor(caller));
  }

  /** C5. The Worker reads the service from the directory; the rules decide. */
  async assign(caller: Caller, request: AssignmentRequest): Promise<Outcome<ConversationView>> {
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents assign conversations.');
    const denied = this.denied(caller);
    if (denied) return denied;
    const unlicensed = this.unlicensed(caller);
    if (unlicensed) return unlicensed;
    const plan = planAssignment(request);
    if (!plan.ok) return refuse(plan.code === 'service_unavailable' ? 409 : 422, plan.code, plan.message);
    const before = this.state;
    const entries = this.commit(applyAssignment(before, plan), [
      {
        type: 'assigned',
        service: { slug: plan.service.slug, name: plan.service.name },
        assignee: plan.assignee ? { slug: plan.assignee.slug, name: plan.assignee.name } : null,
        agents: plan.agents.map(named),
      },
    ], undefined, asAuthor(caller));
    this.publish(entries, before);
    return accept(this.viewFor(caller));
  }

  /** C3 rename (anyone in the conversation) and C8 visibility (agents only). */
  async update(caller: Caller, change: { name?: string | undefined; visibility?: 'public' | 'private' | undefined }): Promise<Outcome<ConversationView>> {
    const denied = this.denied(caller);
    if (denied) return denied;
    if (change.visibility !== undefined && caller.kind !== 'agent') {
      return refuse(403, 'agents_only', 'Only agents change who can open a conversation.');
    }
    // Making it private shuts out every non-participant, so only a participant may decide it (C8).
    if (change.visibility !== undefined && caller.kind === 'agent' && !isAgentParticipant(this.state, caller.agent.id)) {
      return refuse(403, 'not_a_participant', 'Join the conversation before changing who can open it.');
    }
    const unlicensed = this.unlicensed(caller);
    if (unlicensed) return unlicensed;
    const before = this.state;
    let state = before;
    const events: TimelineEvent[] = [];
    if (change.name !== undefined && change.name !== before.customName) {
      state = { ...state, customName: change.name };
      events.push({ type: 'renamed', name: change.name });
    }
    if (change.visibility !== undefined && change.visibility !== before.visibility) {
      state = { ...state, visibility: change.visibility };
      events.push({ type: 'visibility', visibility: change.visibility });
      // Whoever was invited while it was public would otherwise still get in (C7, C8).
      if (change.visibility === 'private') this.invites.revokeOpen(Date.now());
    }
    if (events.length > 0) this.publish(this.commit(state, events, undefined, asAuthor(caller)), before);
    return accept(this.viewFor(caller));
  }

  /**
   * Resolve, snooze or reopen: whoever may write in the conversation (a licensed agent who
   * may open it), never a guest. Setting the status it has changes nothing. A snooze with an
   * end is a `wake` job; any other change drops the waiting one.
   */
  async setStatus(caller: Caller, status: ConversationStatus): Promise<Outcome<ConversationView>> {
    const denied = this.denied(caller);
    if (denied) return denied;
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents change the status of a conversation.');
    const unlicensed = this.unlicensed(caller);
    if (unlicensed) return unlicensed;
    const before = this.state;
    if (sameStatus(statusOf(before), status)) return accept(this.viewFor(caller));
    // The status event is the next entry: its seq names this resolution (what guests rate).
    const next: ConversationStatus = status.value === 'resolved' ? { value: 'resolved', resolution: this.store.lastSeq() + 1 } : status;
    const entries = this.commit({ ...before, status: next }, [statusEvent(next)], undefined, asAuthor(caller));
    this.jobs.cancel('wake:');
    if (status.value === 'snoozed' && status.until !== null) this.jobs.enqueue('wake', wakeKey(status.until), status.until, { until: status.until });
    this.publish(entries, before);
    await this.jobs.arm();
    return accept(this.viewFor(caller));
  }

  /**
   * A guest rates the resolution their view names (docs/rules.md, "Transcript and rating"):
   * once per resolution, by any guest of the conversation. The same rating sent again (a
   * resend after a lost answer) is answered as a duplicate; another one is refused.
   */
  private rate(caller: Caller, frame: Extract<ClientFrame, { type: 'rate' }>): ServerFrame {
    const refused = (code: 'guests_only' | 'rating_closed' | 'already_rated', message: string): ServerFrame => ({ type: 'error', code, message });
    if (caller.kind !== 'guest') return refused('guests_only', 'Only the guests of a conversation rate it.');
    const before = this.state;
    const status = statusOf(before);
    if (status.value !== 'resolved' || status.resolution !== frame.resolution) {
      return refused('rating_closed', 'That resolution cannot be rated: the conversation is not resolved, or it has been resolved again since.');
    }
    const comment = frame.comment?.trim() || null;
    const given = status.rating;
    if (given) {
      if (given.by.id === caller.guest.id && given.score === frame.score && given.comment === comment) return { type: 'rated', resolution: frame.resolution, duplicate: true };
      return refused('already_rated', 'This resolution has been rated already.');
    }
    const rating = { score: frame.score, comment, at: Date.now(), by: named(caller.guest) };
    const event: TimelineEvent = { type: 'rating', resolution: frame.resolution, score: frame.score, comment };
    this.publish(this.commit({ ...before, status: { ...status, rating } }, [event], undefined, asAuthor(caller)), before);
    return { type: 'rated', resolution: frame.resolution, duplicate: false };
  }

  /**
   * Puts one of the organisation's labels on the conversation or takes it off: whoever may
   * change its status may. Doing what is already done changes nothing. `label` was read from
   * the directory by the Worker.
   */
  async setLabel(caller: Caller, label: { id: string; name: string }, applied: boolean): Promise<Outcome<ConversationView>> {
    const denied = this.denied(caller);
    if (denied) return denied;
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents label conversations.');
    const unlicensed = this.unlicensed(caller);
    if (unlicensed) return unlicensed;
    await this.labelsNow();
    const before = this.state;
    const ids = before.labels ?? [];
    if (ids.includes(label.id) === applied) return accept(this.viewFor(caller));
    const labels = applied ? [...ids, label.id] : ids.filter((id) => id !== label.id);
    const event: TimelineEvent = { type: 'labels', action: applied ? 'added' : 'removed', label: named(label) };
    this.publish(this.commit({ ...before, labels }, [event], undefined, asAuthor(caller)), before);
    return accept(this.viewFor(caller));
  }

  /** The label catalog, read again if this isolate's copy is old: what a view or an inbox row shows next. */
  private labelsNow(): Promise<unknown> {
    return labelCatalog(this.env.DB);
  }

  /** A snooze's time came: open again, unless it was reopened or snoozed anew meanwhile (a late or repeated run). */
  private wake(until: number): void {
    if (!this.stored) return;
    const before = this.state;
    const status = statusOf(before);
    if (status.value !== 'snoozed' || status.until !== until) return;
    this.publish(this.commit({ ...before, status: OPEN }, [statusEvent(OPEN)]), before);
  }

  /** C7: an invite link for more guests; licensed agents who can open the conversation make one. */
  async createInvite(caller: Caller, maxUses: number): Promise<Outcome<InviteView>> {
    const refused = this.inviteManager(caller);
    if (refused) return refused;
    return accept(this.invites.create(asAuthor(caller), maxUses, Date.now()));
  }

  async listInvites(caller: Caller): Promise<Outcome<InviteView[]>> {
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents see invite links.');
    return this.denied(caller) ?? accept(this.invites.list(Date.now()));
  }

  /** Withdrawing an invite twice changes nothing. */
  async revokeInvite(caller: Caller, inviteId: string): Promise<Outcome<InviteView>> {
    const refused = this.inviteManager(caller);
    if (refused) return refused;
    const now = Date.now();
    if (!this.invites.get(inviteId, now)) return refuse(404, 'not_found', 'Invite was not found.');
    this.invites.revoke(inviteId, now);
    return accept(this.invites.get(inviteId, now)!);
  }

  /**
   * C7: what the invite page tells a guest before they give a name: who invites them and the
   * title they would see once in (nothing else: no other guest, no note). A link that lets
   * nobody in any more answers as accepting it would.
   */
  async previewInvite(inviteId: string | null): Promise<Outcome<{ invitedBy: { name: string }; title: string }>> {
    if (!this.stored) return refuse(404, 'not_found', 'Conversation was not found.');
    const invite = inviteId === null ? null : this.invites.get(inviteId, Date.now());
    const refused = inviteRefusal(invite);
    if (refused) return refused;
    return accept({ invitedBy: { name: invite!.createdBy.name }, title: titleFor('guest', this.state) });
  }

  /**
   * C7: a guest accepted an invite link. Each new guest uses it up once; a guest already in the
   * conversation is let in again whatever became of the invite, using nothing.
   */
  async addGuest(guest: GuestParticipant, inviteId: string | null): Promise<Outcome<ConversationView>> {
    if (!this.stored) return refuse(404, 'not_found', 'Conversation was not found.');
    const caller: Caller = { kind: 'guest', guest };
    const joined = () => this.state.guests.some((g) => g.id === guest.id);
    const refusal = () => inviteRefusal(inviteId === null ? null : this.invites.get(inviteId, Date.now()));
    if (joined()) return accept(this.viewFor(caller));
    const early = refusal();
    if (early) return early;
    // The directory learns of the guest's part before they have one, so an erasure or an export never misses it.
    await recordGuestJoined(this.env.DB, this.stored.id, guest.id);
    // Asked again: other calls ran while the directory answered (the same guest twice, another using the invite up).
    if (joined()) return accept(this.viewFor(caller));
    const refused = refusal();
    if (refused) return refused;
    const before = this.state;
    this.invites.use(inviteId!);
    const entries = this.commit({ ...before, guests: [...before.guests, guest] }, [{ type: 'guest_added', guest: named(guest) }]);
    this.publish(entries, before);
    return accept(this.viewFor(caller));
  }

  /** Email continuity (C12): who a signed reply address's handle stands for, if they are still in the conversation. */
  async emailParticipant(handle: number): Promise<{ id: string; kind: 'guest' | 'agent' } | null> {
    return this.digests.participantOf(handle);
  }

  /**
   * The conversation in a guest's export (docs/privacy.md): every entry with its files' signed
   * links, agents-only ones flagged, or for the guest's own export without those; null when
   * there is none, or an agent exporting may not open it. Up to
   * EXPORT_ENTRIES entries, read a page at a time; `truncated` says there were more.
   */
  async exportFor(viewer: ExportViewer, guestId: string): Promise<ExportedConversation | { notOpen: true } | null> {
    if (!this.stored || !this.state.guests.some((g) => g.id === guestId)) return null;
    // An agent's export holds what they could open in the console (C8), nothing more.
    if (typeof viewer === 'object' && !canAgentOpen(this.state, viewer.agentId)) return { notOpen: true };
    const forGuest = viewer === 'guest';
    const id = this.stored.id;
    const state = this.state;
    const entries: Entry[] = [];
    let truncated = false;
    for (let after = 0; ; ) {
      const page = this.store.after(after, LIMITS.historyPage);
      entries.push(...page.filter((e) => !forGuest || visibleTo('guest', e)));
      if (entries.length > EXPORT_ENTRIES) truncated = true;
      if (truncated || page.length < LIMITS.historyPage) break;
      after = page[page.length - 1]!.seq;
    }
    const kept = entries.slice(0, EXPORT_ENTRIES);
    const links = await fileLinks(this.env, id, kept, LINK_LIFETIME_S.webhook);
    return {
      id,
      title: titleFor(forGuest ? 'guest' : 'agent', state),
      context: contextOf(state),
      ...(forGuest ? {} : { status: statusOf(state).value }),
      participants: [...state.agents.map((a) => ({ id: a.id, kind: 'agent' as const, name: a.name })), ...state.guests.map((g) => ({ id: g.id, kind: 'guest' as const, name: g.name }))],
      // The pre-chat answers are the starter's: an invited guest's export does not hold another guest's.
      answers: answersSeenBy('guest', guestId, state) ? [...(state.answers ?? [])] : [],
      entries: kept.map(({ attachments, ...e }) => ({
        ...e,
        ...(agentOnly(e as Entry) ? { agentsOnly: true as const } : {}),
        ...(attachments ? { attachments: attachments.map((f) => ({ ...f, url: links.get(f.id)! })) } : {}),
      })),
      truncated,
      agentId: state.origin.kind === 'agent' ? state.origin.agent.id : null,
    };
  }

  /**
   * A guest's erasure reached this conversation (docs/privacy.md): its part runs as a job,
   * started at once. False when the conversation holds nothing (it was never created).
   */
  async eraseGuest(erasureId: string, guestId: string): Promise<boolean> {
    if (!this.stored) return false;
    this.jobs.enqueue('erase', `erase:${erasureId}`, Date.now() + BACKSTOP_MS, { erasureId, guestId });
    await this.jobs.arm();
    this.ctx.waitUntil(this.runNow('erase:'));
    return true;
  }

  /**
   * The guest's messages become tombstones at their seq and their name "Deleted guest", in one
   * transaction that also queues the index's update (summary, inbox rows and search read the new
   * state); open sockets get both at once, and the guest's own are closed. Then their files'
   * bytes and search rows go. A retry finds the timeline done and repeats only the deletes.
   */
  private async erase({ erasureId, guestId }: ConversationJobs['erase']): Promise<void> {
    const id = this.stored!.id;
    const before = this.state;
    const oldName = before.guests.find((g) => g.id === guestId)?.name ?? DELETED_GUEST;
    const { tombstones, renamed } = this.ctx.storage.transactionSync(() => {
      const erased = this.store.eraseAuthor(guestId, oldName, DELETED_GUEST);
      const state = withGuestErased(before, guestId, DELETED_GUEST);
      if (state !== before) {
        this.store.save(state);
        this.stored = { ...this.stored!, state };
      }
      this.jobs.enqueue('search', `search:erase:${erasureId}`, Date.now() + GATHERING.batchMs + BACKSTOP_MS, {});
      this.searchQueued = true;
      return erased;
    });
    for (const ws of this.ctx.getWebSockets(guestId)) ws.close(CLOSE.unauthorized, 'guest erased');
    for (const entry of [...tombstones, ...renamed].sort((a, b) => a.seq - b.seq)) {
      broadcast(visibleTo('guest', entry) ? this.ctx.getWebSockets() : this.agentSockets(), { type: 'entry_replaced', entry });
    }
    if (this.state !== before) {
      const shared = this.sharedView();
      for (const ws of this.ctx.getWebSockets()) {
        if (closeIfExpired(ws) || ws.readyState !== WebSocket.OPEN) continue;
        this.send(ws, { type: 'conversation', conversation: this.viewFor((ws.deserializeAttachment() as SocketAttachment).caller, shared) });
      }
    }
    this.handOverSearch();
    this.syncInboxes([...new Set([...this.state.agents.map((a) => a.id), ...this.store.mentionedAgents()])]);
    await deleteFiles(this.env.FILES, id, this.files.byAuthor(guestId));
    this.files.forgetAuthor(guestId);
    // Doorbell's lines that named them are indexed again with the new name (a retry after this found none renamed: they were done).
    await rewriteSearchEntries(this.env.DB, id, this.store.tombstonesOf(guestId), renamed.flatMap(searchEntryOf));
    await finishConversationStep(this.env, erasureId, id, this.state.origin.kind === 'agent' ? this.state.origin.agent.id : null);
  }

  /**
   * An agent's inbox tells a conversation that watch()es it of a change in their availability
   * (docs/protocol.md "Availability"). False: nobody is looking any more, or the agent is not
   * one of those shown, so the inbox stops telling it.
   */
  async availabilityChanged(agentId: string, availability: Availability): Promise<boolean> {
    if (!this.stored || !this.ctx.getWebSockets().some((ws) => ws.readyState === WebSocket.OPEN)) {
      this.shown.clear();
      return false;
    }
    const ids = await this.availabilityAgents();
    if (!ids.includes(agentId)) {
      this.shown.delete(agentId);
      return false;
    }
    this.shown.set(agentId, availability);
    this.broadcast(await this.availabilityFrame(ids));
    return true;
  }

  /**
   * Retention's request to delete this conversation (retention/actor.ts): queued as a job, so
   * the caller never waits for it and a failure is retried. Asking twice queues it once.
   */
  async purge(id: string): Promise<void> {
    const agentIds = this.stored ? [...new Set([...this.state.agents.map((a) => a.id), ...this.store.mentionedAgents()])] : [];
    this.jobs.enqueue('purge', 'purge', Date.now(), { id, agentIds });
    await this.jobs.arm();
  }

  /** Pending jobs (digests, emails, webhook and inbox hand-overs), for tests and operators. */
  async pendingJobs(): Promise<PendingJob[]> {
    return this.jobs.pending();
  }

  /** A page of this conversation's storage for a backup, or a page of a backup written into it (docs/backups.md). */
  async backup(op: BackupOp): Promise<BackupAnswer> {
    return backupStorage(this.ctx.storage, op, async () => {
      this.stored = this.store.load();
      await this.jobs.arm();
    });
  }

  override async alarm(): Promise<void> {
    await this.jobs.runDue(this.handlers);
    await this.jobs.arm();
  }

  // ---- WebSockets ----------------------------------------------------------------------

  /** The Worker forwards an authenticated upgrade with the caller in a header (see conversation/endpoints.ts). */
  override async fetch(request: Request): Promise<Response> {
    const attachment = JSON.parse(request.headers.get('x-doorbell-socket') ?? 'null') as SocketAttachment | null;
    // Only a Worker bug forwards an upgrade without its caller.
    if (!attachment) return Response.json(errorEnvelope('internal', 'No caller.'), { status: 500 });
    await this.labelsNow();
    const denied = this.denied(attachment.caller);
    if (denied) return Response.json(errorEnvelope(denied.code, denied.message), { status: denied.status });
    const mine = this.ctx.getWebSockets(callerId(attachment.caller)).filter((ws) => ws.readyState === WebSocket.OPEN).length;
    if (attachment.limited && mine >= LIMITS.socketsPerParticipant) {
      return errorResponse(
        rateLimited('sockets_per_participant', 10, `At most ${LIMITS.socketsPerParticipant} sockets per person and conversation: close one first.`),
      );
    }
    const since = Number(new URL(request.url).searchParams.get('since') ?? 'NaN');
    // Asked before the socket is accepted, so its inboxes are watching by the time anyone looks.
    const availability = await this.availabilityFrame().catch((err: unknown) => (console.error('availability not read', err), null));

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [callerId(attachment.caller)]);
    server.serializeAttachment({ ...attachment, sentFrom: this.store.lastSeq(), window: newSendWindow() } satisfies SocketAttachment);
    const wasOnline = this.isOnline(callerId(attachment.caller), server);
    this.send(server, { type: 'welcome', conversation: this.viewFor(attachment.caller) });
    if (availability) this.send(server, availability);
    if (Number.isInteger(since) && since >= 0) this.replay(server, since);
    if (!wasOnline) this.broadcast(presenceOf(attachment.caller, true), server);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Every frame is answered: a failure is a bug, logged, and a `send` still learns it failed. */
  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    try {
      await this.answer(ws, raw);
    } catch (err) {
      console.error('conversation socket frame failed', err);
      this.send(ws, { type: 'error', code: 'internal', message: 'Something went wrong on our side; it has been logged.', ...naming(raw) });
    }
  }

  private async answer(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const { caller } = ws.deserializeAttachment() as SocketAttachment;
    // A UTF-8 character is at most 3 bytes per UTF-16 unit, so only long text needs encoding to measure.
    const size =
      typeof raw !== 'string' ? raw.byteLength : raw.length * 3 <= LIMITS.frameBytes ? raw.length : new TextEncoder().encode(raw).byteLength;
    if (size > LIMITS.frameBytes) {
      this.send(ws, { type: 'error', code: 'frame_too_large', message: `Frames are limited to ${LIMITS.frameBytes} bytes.` });
      return;
    }
    const bucket = this.buckets.get(ws) ?? newBucket();
    this.buckets.set(ws, bucket);
    if (!takeToken(bucket)) {
      this.send(ws, { type: 'error', code: 'rate_limited', message: `Slow down: at most ${LIMITS.framesPerSecond} frames a second.` });
      return;
    }
    if (closeIfExpired(ws)) return;
    const denied = this.denied(caller);
    if (denied) {
      this.send(ws, { type: 'error', code: denied.code, message: denied.message });
      ws.close(CLOSE.forbidden, denied.code);
      return;
    }
    const json = parseFrame(raw);
    if (!json) {
      this.send(ws, { type: 'error', code: 'invalid_json', message: 'Frames must be JSON text.' });
      return;
    }
    const parsed = ClientFrame.safeParse(json.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      const message = `The frame is not valid: ${where}${issue?.message ?? 'unknown'}.`;
      this.send(ws, { type: 'error', code: 'invalid_frame', message, ...clientIdOf(json.value) });
      return;
    }
    const frame = parsed.data;
    switch (frame.type) {
      case 'send': {
        const result = await (frame.note ? this.postNote(caller, frame.clientId, frame.text) : this.post(caller, frame.clientId, frame.text, { attachments: frame.attachments }));
        if (result.ok) this.send(ws, { type: 'ack', clientId: frame.clientId, ...result.value });
        else this.send(ws, { type: 'error', code: result.code, message: result.message, clientId: frame.clientId });
        return;
      }
      case 'typing': {
        const refused = this.mayNotWrite(caller);
        if (refused) this.send(ws, { type: 'error', code: refused.code, message: refused.message });
        else this.broadcast({ type: 'typing', participant: { id: callerId(caller), name: callerName(caller) }, typing: frame.typing }, ws);
        return;
      }
      case 'read':
        if (this.store.markRead(callerId(caller), frame.seq)) {
          this.broadcast({ type: 'read', participantId: callerId(caller), seq: this.store.readSeq(callerId(caller)) });
          if (caller.kind === 'agent') this.syncInboxes([caller.agent.id]);
        }
        return;
      case 'resume':
        this.replay(ws, frame.since);
        return;
      case 'received':
        acknowledge(ws, frame.mark);
        return;
      case 'ping':
        this.send(ws, { type: 'pong' });
        return;
      case 'rate':
        this.send(ws, this.rate(caller, frame));
        return;
      default:
        assertNever(frame);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    completeClose(ws, code, reason);
    this.wentAway(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.wentAway(ws);
  }

  // ---- internals -----------------------------------------------------------------------

  private get state(): ConversationState {
    if (!this.stored) throw new Error('conversation not started');
    return this.stored.state;
  }

  /** Read access: guests who are in it; agents while it is public or they are in it (C8). */
  private denied(caller: Caller): Refusal | null {
    if (!this.stored) return refuse(404, 'not_found', 'Conversation was not found.');
    const state = this.stored.state;
    const allowed =
      caller.kind === 'guest' ? state.guests.some((g) => g.id === caller.guest.id) : canAgentOpen(state, caller.agent.id);
    // A stranger gets the same answer as for a conversation that does not exist.
    return allowed ? null : refuse(404, 'not_found', 'Conversation was not found.');
  }

  /**
   * Only licensed agents are ever added to a guest conversation, so only they may write in
   * or change one (assign, rename, visibility, invite); a basic agent can still open a public one.
   */
  private unlicensed(caller: Caller): Refusal | null {
    if (caller.kind !== 'agent' || caller.agent.license !== 'basic') return null;
    return refuse(403, 'agent_not_licensed', `${caller.agent.name} has a basic license; only standard or premium agents can change guest conversations.`);
  }

  private inviteManager(caller: Caller): Refusal | null {
    if (caller.kind !== 'agent') return refuse(403, 'agents_only', 'Only agents invite guests.');
    return this.denied(caller) ?? this.unlicensed(caller);
  }

  /**
   * Whether a `send` from this caller would be refused: typing is a promise of a message, so
   * only who may write shows it (a participant, or an agent who may join by writing).
   */
  private mayNotWrite(caller: Caller): Refusal | null {
    const unlicensed = this.unlicensed(caller);
    if (unlicensed || caller.kind !== 'agent') return unlicensed;
    const join = planJoin(this.state, caller.agent);
    return join.ok ? null : refuse(403, join.code, join.message);
  }

  /** Writes the new state and its timeline entries in one transaction. */
  private commit(state: ConversationState, events: TimelineEvent[], then?: (at: number) => Entry, author: Author = SYSTEM): Entry[] {
    const at = Date.now();
    return this.ctx.storage.transactionSync(() => {
      const entries = events.map((event) => this.store.append({ at, author, event }));
      if (then) entries.push(then(at));
      if (state !== this.state) {
        this.store.save(state);
        this.stored = { ...this.stored!, state };
      }
      this.queueWebhooks(entries, state);
      this.queueSearch(entries);
      const status = statusOf(state);
      if (status.value === 'resolved' && status.resolution !== undefined && entries.some((e) => e.seq === status.resolution)) this.digests.queueTranscript(status.resolution, state);
      return entries;
    });
  }

  /** Delivers committed entries, per-viewer views when participants or names changed, and inbox updates. */
  private publish(entries: Entry[], before: ConversationState): void {
    for (const entry of entries) broadcast(agentOnly(entry) ? this.agentSockets() : this.ctx.getWebSockets(), { type: 'entry', entry });
    this.handOverWebhooks();
    this.handOverSearch();
    const after = this.state;
    const changedFor = (kind: Caller['kind']) => entries.some((e) => e.kind === 'event' && visibleTo(kind, e));
    if (changedFor('agent')) {
      const shared = this.sharedView();
      // A guest gets no new view for what they may not see: a status change shows only as the rating prompt.
      const guestsToo = changedFor('guest') || !samePrompt(ratingPrompt(before), ratingPrompt(after));
      for (const ws of this.ctx.getWebSockets()) {
        if (closeIfExpired(ws)) continue;
        const { caller } = ws.deserializeAttachment() as SocketAttachment;
        if (caller.kind === 'guest' && !guestsToo) continue;
        if (this.denied(caller)) {
          // Made private, or assigned away from a non-participant: they may not watch any more.
          this.send(ws, { type: 'error', code: 'not_found', message: 'You can no longer open this conversation.' });
          ws.close(CLOSE.forbidden, 'no longer allowed');
        } else {
          this.send(ws, { type: 'conversation', conversation: this.viewFor(caller, shared) });
        }
      }
    }
    const affected = new Set([...before.agents, ...after.agents].map((a) => a.id));
    // An agent a note mentioned may no longer be allowed to open it (made private, assigned away).
    if (after !== before) for (const id of this.store.mentionedAgents()) affected.add(id);
    this.syncInboxes([...affected]);
    const ids = (agents: ConversationState['agents']) => agents.map((a) => a.id).join();
    if (ids(before.agents) !== ids(after.agents) && this.ctx.getWebSockets().length > 0) {
      this.ctx.waitUntil(this.availabilityFrame().then((frame) => this.broadcast(frame), (err: unknown) => console.error('availability not read', err)));
    }
  }

  /** Whose availability a guest sees: the agents in the conversation, or once all left, the licensed ones a guest message brings back (C6). */
  private async availabilityAgents(): Promise<string[]> {
    const agents = this.state.agents.length > 0 ? this.state.agents : (await this.originAgents()).filter((a) => isLicensed(a.license));
    return agents.map((a) => a.id);
  }

  /**
   * The `availability` frame: the best of those shown, and each agent participant's. An agent
   * not watched yet is asked (and watched) through their inbox; one whose inbox cannot be
   * reached counts as offline until it can.
   */
  private async availabilityFrame(ids?: string[]): Promise<ServerFrame> {
    const shown = ids ?? (await this.availabilityAgents());
    const id = this.stored!.id;
    await Promise.all(
      shown
        .filter((agentId) => !this.shown.has(agentId))
        .map((agentId) =>
          inboxActor(this.env, agentId).watch(id).then(
            (availability) => void this.shown.set(agentId, availability),
            (err: unknown) => console.error('availability not watched', err),
          ),
        ),
    );
    const of = (agentId: string): Availability => this.shown.get(agentId) ?? 'offline';
    const participants = new Set(this.state.agents.map((a) => a.id));
    return {
      type: 'availability',
      availability: aggregateAvailability(shown.map(of)),
      agents: shown.filter((agentId) => participants.has(agentId)).map((agentId) => ({ id: agentId, availability: of(agentId) })),
    };
  }

  /** What every viewer's view shares; computed once when many sockets get a new view. */
  private sharedView(): Omit<ConversationView, 'title' | 'avatarUrl' | 'you'> {
    const state = this.state;
    const reads = this.store.readPositions();
    const online = new Set(this.ctx.getWebSockets().flatMap((ws) => this.ctx.getTags(ws)));
    const participant = (p: { id: string; name: string; avatarUrl: string | null }, kind: 'agent' | 'guest') => ({
      id: p.id,
      kind,
      name: p.name,
      avatarUrl: p.avatarUrl,
      readSeq: reads.get(p.id) ?? 0,
      online: online.has(p.id),
    });
    const origin = state.origin.kind === 'service' ? state.origin.service : state.origin.agent;
    return {
      id: this.stored!.id,
      visibility: state.visibility,
      origin: { kind: state.origin.kind, slug: origin.slug, name: origin.name },
      service: state.service ? { slug: state.service.slug, name: state.service.name } : null,
      participants: [...state.agents.map((a) => participant(a, 'agent')), ...state.guests.map((g) => participant(g, 'guest'))],
      lastSeq: this.store.lastSeq(),
    };
  }

  private viewFor(caller: Caller, shared = this.sharedView()): ConversationView {
    const state = this.state;
    const id = callerId(caller);
    const status = statusOf(state);
    return {
      ...(caller.kind === 'agent' ? { status: status.value, snoozedUntil: snoozedUntil(status), labels: chipsOf(lastLabelCatalog(), state.labels ?? []) } : {}),
      ...shared,
      rating: ratingPrompt(state),
      ...(answersSeenBy(caller.kind, id, state) ? { answers: [...(state.answers ?? [])] } : {}),
      title: titleFor(caller.kind, state),
      avatarUrl: avatarFor(caller.kind, state),
      you: {
        id,
        kind: caller.kind,
        participant: caller.kind === 'agent' ? isAgentParticipant(state, id) : state.guests.some((g) => g.id === id),
      },
    };
  }

  /**
   * Sends the entries after `since` that this socket was not sent yet, then `caught_up`.
   * What went out on a socket arrives in order unless the socket dies (and then the client
   * resumes on a new one), so resending it only piles copies into the runtime's send buffer:
   * 200 resumes of a 600-entry history from a client that did not read grew the runtime by
   * 160 MiB under wrangler dev (300 MiB in the issue that found it).
   * The runtime exposes no `bufferedAmount` to bound that buffer, so each entry is replayed
   * at most once per socket, and the send window (actor/sockets.ts) closes the socket of a
   * client that leaves more unread than it allows: a replay cut so is continued by reconnecting.
   */
  private replay(ws: WebSocket, since: number): void {
    const attachment = ws.deserializeAttachment() as SocketAttachment;
    const until = Math.min(attachment.sentFrom ?? Number.POSITIVE_INFINITY, this.store.lastSeq());
    for (let after = since; after < until; ) {
      if (ws.readyState !== WebSocket.OPEN) return;
      const page = this.store.after(after, LIMITS.historyPage);
      for (const entry of page) if (entry.seq <= until && visibleTo(attachment.caller.kind, entry)) this.send(ws, { type: 'entry', entry });
      if (page.length < LIMITS.historyPage) break;
      after = page[page.length - 1]!.seq;
    }
    // Read again: the replay's marks were written to the attachment meanwhile.
    if (since < until) ws.serializeAttachment({ ...(ws.deserializeAttachment() as SocketAttachment), sentFrom: since } satisfies SocketAttachment);
    this.send(ws, { type: 'caught_up', lastSeq: this.store.lastSeq() });
  }

  private agentSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => (ws.deserializeAttachment() as SocketAttachment).caller.kind === 'agent');
  }

  private send(ws: WebSocket, frame: ServerFrame): void {
    deliver(ws, JSON.stringify(frame));
  }

  private broadcast(frame: ServerFrame, except?: WebSocket): void {
    broadcast(this.ctx.getWebSockets(), frame, except);
  }

  private isOnline(participantId: string, except?: WebSocket): boolean {
    return this.ctx.getWebSockets(participantId).some((ws) => ws !== except && ws.readyState === WebSocket.OPEN);
  }

  private wentAway(ws: WebSocket): void {
    const { caller } = ws.deserializeAttachment() as SocketAttachment;
    // Whoever was typing on this socket is not any more; without this the indicator would stick.
    this.broadcast({ type: 'typing', participant: { id: callerId(caller), name: callerName(caller) }, typing: false }, ws);
    if (!this.isOnline(callerId(caller), ws)) this.broadcast(presenceOf(caller, false), ws);
    this.digests.wentAway(callerId(caller));
  }

  /** The current directory record of whom the guest originally wrote to (C6). */
  private async originAgents(): Promise<AgentParticipant[]> {
    const origin = this.state.origin;
    if (origin.kind === 'service') return (await serviceMembers(this.env.DB, origin.service.id)).map(agentParticipant);
    const agent = await findAgentById(this.env.DB, origin.agent.id);
    return agent ? [agentParticipant(agent)] : [];
  }

  /**
   * Queues the webhook events of entries being committed, in their transaction (handed over
   * by handOverWebhooks once it committed): an event is never lost, and never delays the
   * answer. While no endpoint subscribes to what they stand for, nothing is written at all.
   */
  private queueWebhooks(entries: Entry[], state: ConversationState): void {
    const relevant = entries.filter((e) => conversationEventType(e) !== null);
    if (relevant.length === 0) return;
    const known = knownSubscriptions(this.env.DB, this.ctx);
    if (known && !relevant.some((e) => known.has(conversationEventType(e)!))) return;
    this.jobs.enqueue('webhooks', `webhooks:${relevant[0]!.seq}`, Date.now() + BACKSTOP_MS, { seqs: relevant.map((e) => e.seq), state });
    this.webhooksQueued = true;
  }

  private handOverWebhooks(): void {
    if (!this.webhooksQueued) return;
    this.webhooksQueued = false;
    this.ctx.waitUntil(this.runNow('webhooks:'));
  }

  private async emitWebhooks({ seqs, state }: ConversationJobs['webhooks']): Promise<void> {
    const first = seqs[0]!;
    const entries = this.store.after(first - 1, seqs[seqs.length - 1]! - first + 1).filter((e) => seqs.includes(e.seq));
    const links = await fileLinks(this.env, this.stored!.id, entries, LINK_LIFETIME_S.webhook);
    await emitWebhookEvents(this.env, await conversationEvents(this.stored!.id, state, entries, links));
  }

  /**
   * Each agent's inbox gets this conversation as they now see it, or loses it. Updates are
   * gathered (GATHERING): a burst of messages in a busy conversation costs each agent's
   * inbox one update (one RPC) instead of one per message, and all the agents one job, which is
   * what kept a conversation with many agents from keeping up (docs/benchmarks.md). An agent
   * stays marked as behind until their inbox took an update made after the mark, and the job is
   * retried until then, so an inbox that is unreachable for a while misses nothing.
   */
  private syncInboxes(agentIds: string[]): void {
    const behind = agentIds.filter((agentId) => !this.inboxesQueued.has(agentId));
    if (behind.length > 0) {
      for (const agentId of behind) this.inboxesQueued.add(agentId);
      this.store.inboxesBehind(behind);
      this.jobs.enqueue('inbox', 'inbox:', Date.now() + this.handOvers.delay() + BACKSTOP_MS, {});
      // The alarm backs the timer up from the start: the actor may be gone before it fires.
      this.ctx.waitUntil(this.jobs.arm());
    }
    this.handOver('inbox:');
  }

  /**
   * One inbox after the other, so the conversation answers its sockets between them; one that
   * fails does not hold back the rest. Inbox updates are ordered by revision (one that arrives
   * late, or twice, is ignored): every update of a run reads the conversation after its one
   * revision was taken, so all of them are newer than the last run's.
   */
  private async updateInboxes(): Promise<void> {
    const pending = this.store.inboxesPending();
    if (pending.length === 0 || !this.stored) return;
    const catalog = await labelCatalog(this.env.DB);
    const revision = this.store.bumpRevision();
    const done: typeof pending = [];
    let failure: unknown = null;
    for (const behind of pending) {
      // An inbox's answer can resume this loop ahead of the frames that came meanwhile; a timer
      // lets them go first, so a message waits for one inbox update at most, not for all of
      // them (fan-out p95 with 20 agent participants: 59 ms before, 15 ms after, 2026-12-02).
      if (done.length > 0 || failure !== null) await new Promise((resolve) => setTimeout(resolve, 0));
      // Whatever changes from now on marks the agent again, for the next run.
      this.inboxesQueued.delete(behind.agentId);
      try {
        await this.updateInbox(behind.agentId, revision, catalog);
        done.push(behind);
      } catch (err) {
        failure ??= err;
      }
    }
    this.store.inboxesCaughtUp(done);
    if (failure !== null) throw failure;
  }

  private async updateInbox(agentId: string, revision: number, catalog: ReadonlyMap<string, LabelChip>): Promise<void> {
    if (!this.stored) return;
    const state = this.state;
    const participant = isAgentParticipant(state, agentId);
    const mentions = canAgentOpen(state, agentId) ? this.store.mentionsOf(agentId, this.store.readSeq(agentId)) : null;
    const item: InboxItem | null = participant || mentions
      ? {
          conversationId: this.stored.id,
          title: titleFor('agent', state),
          avatarUrl: avatarFor('agent', state),
          lastMessage: this.lastMessageRow(),
          unread: participant ? this.store.unreadFor(agentId) : 0,
          visibility: state.visibility,
          status: statusOf(state).value,
          snoozedUntil: snoozedUntil(statusOf(state)),
          participant,
          mentions,
          labels: chipsOf(catalog, state.labels ?? []),
          service: state.service ? { slug: state.service.slug, name: state.service.name } : null,
          assignee: assigneeOf(state),
        }
      : null;
    const inbox = inboxActor(this.env, agentId);
    await inbox.apply(this.stored.id, revision, item);
  }

  /** The last message as inbox rows and view summaries show it. */
  private lastMessageRow(): InboxItem['lastMessage'] {
    const last = this.store.lastMessage();
    return last ? { text: messageLine(last), authorName: last.author.name, authorKind: last.author.kind, at: last.at, seq: last.seq } : null;
  }

  /** The conversation as the views see it now (docs/rules.md "Inbox views"). */
  private viewSummary(): ConversationSummary {
    const state = this.state;
    const status = statusOf(state);
    const assignee = assigneeOf(state);
    return {
      id: this.stored!.id,
      title: titleFor('agent', state),
      avatarUrl: avatarFor('agent', state),
      status: status.value,
      snoozedUntil: snoozedUntil(status),
      visibility: state.visibility,
      serviceId: state.service?.id ?? null,
      serviceSlug: state.service?.slug ?? null,
      serviceName: state.service?.name ?? null,
      assigneeId: assignee?.id ?? null,
      assigneeSlug: assignee?.slug ?? null,
      assigneeName: assignee?.name ?? null,
      agentIds: state.agents.map((a) => a.id),
      labelIds: state.labels ?? [],
      lastMessage: this.lastMessageRow(),
      lastActivityAt: new Date(this.store.lastAt()).toISOString(),
    };
  }

  /** When the current resolution was written: the time of its status entry; null unless resolved. */
  private resolvedAt(): string | null {
    const status = statusOf(this.state);
    if (status.value !== 'resolved') return null;
    return status.resolution === undefined ? null : (this.store.after(status.resolution - 1, 1)[0]?.at ?? null);
  }

  /**
   * Tells the open consoles whose views showed the conversation, or show it now, to read them
   * again (an inbox `views` frame). Only a hint: a console missing it reads the views on its
   * next change or reconnect, so a failure is logged, not retried.
   */
  private async hintViews(before: ConversationSummary | null, after: ConversationSummary): Promise<void> {
    const mentionedIds = this.store.mentionedAgents();
    const facts = (s: ConversationSummary): ViewFacts => ({ ...s, mentionedIds });
    const watching = await watchingAgents(this.env.DB);
    const concerned = watching.filter((viewer) => viewsOf(facts(after), viewer).size > 0 || (before !== null && viewsOf(facts(before), viewer).size > 0));
    const sent = await Promise.allSettled(concerned.map((viewer) => inboxActor(this.env, viewer.agentId).hint(after.id)));
    for (const r of sent) if (r.status === 'rejected') console.error('views hint not delivered', r.reason);
  }

  /**
   * Queues the search index's update in the transaction of the entries committed (so none
   * is ever left out), keyed by the first of them; it is the transaction's last write. One
   * job serves a burst and everything committed while it waits or runs: it indexes all after
   * the index's last seq, and runs again while more came meanwhile. After an eviction a second
   * job may be queued; it finds nothing new to add.
   */
  private queueSearch(entries: Entry[]): void {
    if (this.searchQueued || entries.length === 0) return;
    this.jobs.enqueue('search', `search:${entries[0]!.seq}`, Date.now() + this.handOvers.delay() + BACKSTOP_MS, {});
    this.searchQueued = true;
  }

  /** Started once the commit is published; gathered like inbox updates (GATHERING), so a message is searchable within about a second. */
  private handOverSearch(): void {
    if (!this.searchQueued) return;
    // The alarm backs up the first timer of a queued job; later commits ride on both. A timer
    // already waiting has an alarm for an earlier backstop, whose run arms for this one.
    if (!this.handOvers.waiting) this.ctx.waitUntil(this.jobs.arm());
    this.handOver('search:');
  }

  private handOver(prefix: 'inbox:' | 'search:'): void {
    this.handOversAsked.add(prefix);
    this.handOvers.schedule();
  }

  /**
   * One page of entries per run, so that a long conversation indexed for the first time is a
   * few small D1 batches. A failed run is retried (the job stays queued, and new commits ride on it).
   */
  private async updateSearch(): Promise<JobResult> {
    if (!this.stored) return;
    const id = this.stored.id;
    const state = this.state;
    // What this instance wrote last, else the index's own record (one D1 read per message saved).
    const indexed = this.indexedUpTo ?? (await indexedSeq(this.env.DB, id));
    const page = this.store.after(indexed, LIMITS.historyPage);
    const entries = page.flatMap(searchEntryOf);
    const lastSeq = page.length > 0 ? page[page.length - 1]!.seq : indexed;
    const facts = { conversationId: id, title: titleFor('agent', state), serviceSlug: state.service?.slug ?? null, visibility: state.visibility, agents: state.agents };
    const summary = this.viewSummary();
    const [before] = await writeSearchIndex(this.env.DB, facts, entries, lastSeq, summaryStatements(this.env.DB, summary, this.store.bumpRevision(), this.store.firstResponse(), this.resolvedAt()));
    this.indexedUpTo = lastSeq;
    // In the job, after the write: a hint never reaches a console before the summary it announces.
    await this.hintViews(summaryOf(before!), summary).catch((err: unknown) => console.error('views hint failed', err));
    // Read after the write: what was committed while it ran is indexed by another run of this job.
    if (this.store.lastSeq() > lastSeq) return { again: Date.now() };
    this.searchQueued = false;
  }

  /**
   * Unsent uploads a day old go, bytes then records. They are marked first, so a send that
   * comes while R2 deletes refuses them instead of carrying a file that is gone; a failed
   * delete is retried with the marked ones. Runs again when the next unsent upload is a day old.
   */
  private async sweepUploads(): Promise<JobResult> {
    if (!this.stored) return;
    const doomed = this.files.doom(Date.now() - UNSENT_LIFETIME_MS);
    const id = this.stored.id;
    await deleteFiles(this.env.FILES, id, doomed);
    this.files.forget(doomed);
    const oldest = this.files.oldestUnsent();
    return oldest === null ? undefined : { again: oldest + UNSENT_LIFETIME_MS };
  }

  /**
   * Deletes the conversation everywhere, the actor's own storage last: each step can run
   * again, so a retry after a failure finishes the work. From the first step this instance
   * holds no conversation, so whatever comes meanwhile is answered 404 and queues nothing.
   */
  private async purgeNow({ id, agentIds }: ConversationJobs['purge']): Promise<void> {
    this.stored = null;
    this.jobs.cancelOthers('purge');
    for (const ws of this.ctx.getWebSockets()) {
      this.send(ws, { type: 'error', code: 'not_found', message: 'This conversation was deleted.' });
      ws.close(CLOSE.forbidden, 'conversation deleted');
    }
    await deleteConversationFiles(this.env.FILES, id);
    await Promise.all(agentIds.map((agentId) => inboxActor(this.env, agentId).forget(id)));
    await forgetConversation(this.env.DB, id);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.store.forgetCounts();
    // An empty schema again, as a new object has: the job kernel finishes on it, and later calls find no conversation.
    migrate(this.ctx.storage.sql);
  }

  /** Runs this actor's hand-overs of these kinds now; the alarm is set first, in case this run never finishes. */
  private async runNow(...prefixes: Array<'webhooks:' | 'inbox:' | 'search:' | 'erase:'>): Promise<void> {
    try {
      await this.jobs.arm();
      for (const prefix of prefixes) await this.jobs.runDue(this.handlers, { prefix, horizon: Date.now() + BACKSTOP_MS + GATHERING.batchMs });
      await this.jobs.arm();
    } catch (err) {
      console.error('conversation jobs not run', prefixes, err);
    }
  }
}

/** The `clientId` of a frame that failed, so the client knows which `send` the error answers. */
const naming = (raw: string | ArrayBuffer): { clientId?: string } => {
  const json = parseFrame(raw);
  return json ? clientIdOf(json.value) : {};
};
/** A token bucket of LIMITS.framesPerSecond sustained, LIMITS.frameBurst at once. */
interface Bucket {
  tokens: number;
  at: number;
}

const newBucket = (): Bucket => ({ tokens: LIMITS.frameBurst, at: Date.now() });

function takeToken(bucket: Bucket): boolean {
  const now = Date.now();
  bucket.tokens = Math.min(LIMITS.frameBurst, bucket.tokens + ((now - bucket.at) / 1000) * LIMITS.framesPerSecond);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
