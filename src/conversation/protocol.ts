import { z } from 'zod';
import type { Availability } from '../directory/availability';
import { PrechatAnswerView } from '../directory/prechat';
import type { ErrorFrame } from '../errors';

/** Limits a client must respect; documented in docs/protocol.md. */
export const LIMITS = {
  messageChars: 4000,
  frameBytes: 16 * 1024,
  clientIdChars: 64,
  /** Token bucket per socket: sustained frames per second and burst. */
  framesPerSecond: 50,
  frameBurst: 200,
  /** Open sockets per participant in one conversation (a tab each, and then some). */
  socketsPerParticipant: 10,
  historyPage: 200,
  /** A note notifies at most this many @mentioned agents (the first ones in its text). */
  mentionsPerNote: 20,
  /** Files one message may carry (docs/attachments.md). */
  attachmentsPerMessage: 10,
  /** A rating's optional comment. */
  ratingCommentChars: 1000,
} as const;

export { CLOSE } from '../errors';

export const ClientId = z
  .string()
  .min(1)
  .max(LIMITS.clientIdChars)
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits or . _ : -');

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A frame's JSON (a binary frame must be UTF-8); null when it is not JSON. */
export function parseFrame(raw: string | ArrayBuffer): { value: unknown } | null {
  try {
    return { value: JSON.parse(typeof raw === 'string' ? raw : utf8.decode(raw)) };
  } catch {
    return null;
  }
}

/** The frame's `clientId` if it has one of valid shape, even when the rest of the frame is invalid. */
export function clientIdOf(json: unknown): { clientId?: string } {
  const candidate = typeof json === 'object' && json !== null ? (json as { clientId?: unknown }).clientId : undefined;
  const parsed = ClientId.safeParse(candidate);
  return parsed.success ? { clientId: parsed.data } : {};
}

export const MessageText = z
  .string()
  .max(LIMITS.messageChars, `must be at most ${LIMITS.messageChars} characters`)
  .refine((text) => text.trim().length > 0, 'must not be empty');

export const AttachmentId = z.string().regex(/^at_[A-Za-z0-9]{20}$/, 'must be an attachment id');

/**
 * What a message is sent with, over the socket and HTTP alike. `attachments`: files uploaded
 * for this clientId (docs/attachments.md); with them the text may be empty. A note has none.
 */
export const SendFields = {
  clientId: ClientId,
  text: z.string().max(LIMITS.messageChars, `must be at most ${LIMITS.messageChars} characters`).default(''),
  note: z.boolean().optional(),
  attachments: z
    .array(AttachmentId)
    .max(LIMITS.attachmentsPerMessage, `at most ${LIMITS.attachmentsPerMessage} files per message`)
    .refine((ids) => new Set(ids).size === ids.length, 'names a file twice')
    .optional(),
};

export function checkSend(send: { text: string; note?: boolean | undefined; attachments?: string[] | undefined }, ctx: z.RefinementCtx): void {
  const files = send.attachments?.length ?? 0;
  if (files > 0 && send.note) ctx.addIssue({ code: 'custom', path: ['attachments'], message: 'notes carry no files' });
  else if (files === 0 && send.text.trim().length === 0) ctx.addIssue({ code: 'custom', path: ['text'], message: 'must not be empty' });
}

export const ClientFrame = z.discriminatedUnion('type', [
  // note: true writes a private note (agents only; see agentOnly).
  z.strictObject({ type: z.literal('send'), ...SendFields }).superRefine(checkSend),
  z.strictObject({ type: z.literal('typing'), typing: z.boolean() }),
  z.strictObject({ type: z.literal('read'), seq: z.number().int().min(0) }),
  z.strictObject({ type: z.literal('resume'), since: z.number().int().min(0) }),
  z.strictObject({ type: z.literal('ping') }),
  // A guest rates the resolution named by their view's `rating.resolution` (docs/protocol.md, "Rating").
  z.strictObject({
    type: z.literal('rate'),
    resolution: z.number().int().min(1),
    score: z.number().int().min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'),
    comment: z.string().max(LIMITS.ratingCommentChars, `must be at most ${LIMITS.ratingCommentChars} characters`).optional(),
  }),
  // Answers a `mark` (actor/sockets.ts): proof of having read everything sent before it.
  z.strictObject({ type: z.literal('received'), mark: z.string().min(1).max(64) }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export const ParticipantKind = z.enum(['agent', 'guest']);

export const Author = z.object({ id: z.string(), kind: z.enum(['agent', 'guest', 'system']), name: z.string() });
export type Author = z.infer<typeof Author>;

export const ConversationStatusValue = z.enum(['open', 'snoozed', 'resolved']);

const Named = z.object({ id: z.string(), name: z.string() });

export const TimelineEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('created'), origin: z.object({ kind: z.enum(['agent', 'service']), name: z.string() }) }),
  z.object({ type: z.literal('joined'), participant: Named.extend({ kind: ParticipantKind }) }),
  z.object({ type: z.literal('left'), participant: Named.extend({ kind: ParticipantKind }) }),
  z.object({ type: z.literal('rejoined'), agents: z.array(Named) }),
  z.object({
    type: z.literal('assigned'),
    service: z.object({ slug: z.string(), name: z.string() }),
    assignee: z.object({ slug: z.string(), name: z.string() }).nullable(),
    agents: z.array(Named),
  }),
  z.object({ type: z.literal('renamed'), name: z.string() }),
  z.object({ type: z.literal('guest_added'), guest: Named }),
  z.object({ type: z.literal('visibility'), visibility: z.enum(['public', 'private']) }),
  z.object({
    type: z.literal('meeting'),
    action: z.enum(['booked', 'confirmed', 'rescheduled', 'duration_changed', 'cancelled', 'declined', 'reminder']),
    meetingId: z.string(),
    start: z.string(),
    end: z.string(),
    // The offer (below) the meeting was booked from: its card then shows the meeting, not the times.
    offerId: z.string().optional(),
  }),
  // An agent offers a meeting in the chat (docs/meetings.md "Booking from the chat"); authored by that agent.
  // `times`: the instants the agent picked to show first; empty: the next free ones are shown.
  z.object({
    type: z.literal('offer'),
    offerId: z.string(),
    agent: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    meetingType: z.object({ slug: z.string(), title: z.string() }),
    durationMinutes: z.number().int(),
    times: z.array(z.string()),
  }),
  // A status change (agents only, see agentOnly); `until` only for a snooze that ends by itself.
  z.object({ type: z.literal('status'), status: ConversationStatusValue, until: z.string().optional() }),
  // The result of a CRM push (C11): shown to agents only (see agentOnly).
  z.object({
    type: z.literal('crm'),
    provider: z.enum(['hubspot', 'salesforce']),
    pushId: z.string(),
    outcome: z.enum(['succeeded', 'failed']),
    action: z.enum(['created', 'updated']).nullable(),
    recordUrl: z.string().nullable(),
    error: z.string().nullable(),
    requestedBy: Named,
  }),
  // A private note by an agent (its text is the entry's): agents only, like CRM results.
  // `mentions`: the agents its @slugs named who may open the conversation when it was written.
  z.object({ type: z.literal('note'), mentions: z.array(Named.extend({ slug: z.string() })) }),
  // An agent put a label on the conversation or took it off: agents only, like statuses.
  z.object({ type: z.literal('labels'), action: z.enum(['added', 'removed']), label: Named }),
  // A guest rated the resolution whose status event is `resolution`: authored by the guest, agents only.
  z.object({ type: z.literal('rating'), resolution: z.number().int(), score: z.number().int(), comment: z.string().nullable() }),
  // What an erased guest's message became (docs/privacy.md): it keeps its seq and author id, so no client sees a gap.
  z.object({ type: z.literal('message_deleted') }),
]);
export type TimelineEvent = z.infer<typeof TimelineEvent>;
export type OfferEvent = Extract<TimelineEvent, { type: 'offer' }>;

/** A file a message carries (docs/attachments.md); `width`/`height` for images whose header said. */
export const AttachmentView = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int(),
  type: z.string().describe('Found from the bytes, never the client’s claim.'),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
});
export type AttachmentView = z.infer<typeof AttachmentView>;

export const Entry = z.object({
  seq: z.number().int(),
  at: z.string(),
  kind: z.enum(['message', 'event']),
  author: Author,
  clientId: z.string().nullable(),
  text: z.string().nullable(),
  event: TimelineEvent.nullable(),
  attachments: z.array(AttachmentView).optional().describe('A message’s files; absent when it has none.'),
});
export type Entry = z.infer<typeof Entry>;

const AGENTS_ONLY_EVENTS: ReadonlySet<TimelineEvent['type']> = new Set(['crm', 'status', 'note', 'labels', 'rating']);

/**
 * Entries guests never receive (CRM results, statuses, notes, labels and ratings are the
 * organisation's business: a guest learns of a resolution only as a rating prompt in their
 * view); they see a gap in seq instead.
 */
export const agentOnly = (entry: Entry): boolean => entry.event !== null && AGENTS_ONLY_EVENTS.has(entry.event.type);

/** The agent slugs a note's text mentions (`@bob`), once each; a slug inside a word or an email address is none. */
export const mentionedSlugs = (text: string): string[] => [
  ...new Set([...text.matchAll(/(?<![\w@.-])@([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)(?![\w-]|\.\w)/gi)].map((m) => m[1]!.toLowerCase())),
].slice(0, LIMITS.mentionsPerNote);
export const visibleTo = (kind: 'agent' | 'guest', entry: Entry): boolean => kind === 'agent' || !agentOnly(entry);

export const ParticipantView = z.object({
  id: z.string(),
  kind: ParticipantKind,
  name: z.string(),
  avatarUrl: z.string().nullable(),
  readSeq: z.number().int(),
  online: z.boolean(),
});
export type ParticipantView = z.infer<typeof ParticipantView>;

export const LabelChip = z.object({ id: z.string(), name: z.string(), color: z.string().describe('#rrggbb') });

export const RatingPrompt = z
  .object({
    resolution: z.number().int().describe('The seq of the `status` event that resolved it: what a `rate` frame names.'),
    rated: z
      .object({ score: z.number().int(), comment: z.string().nullable(), at: z.string(), by: z.object({ id: z.string(), name: z.string() }) })
      .nullable()
      .describe('The rating given for this resolution; null while nobody rated it.'),
  })
  .describe('While the conversation is resolved (and the resolution can be rated): guests are asked to rate it. Null otherwise.');
export type RatingPrompt = z.infer<typeof RatingPrompt>;

export const ConversationView = z.object({
  id: z.string(),
  title: z.string().describe('As this viewer sees it (C3).'),
  avatarUrl: z.string().nullable().describe('Follows the title (C4).'),
  visibility: z.enum(['public', 'private']),
  origin: z.object({ kind: z.enum(['agent', 'service']), slug: z.string(), name: z.string() }),
  service: z.object({ slug: z.string(), name: z.string() }).nullable(),
  participants: z.array(ParticipantView),
  lastSeq: z.number().int(),
  you: z.object({ id: z.string(), kind: ParticipantKind, participant: z.boolean() }),
  status: ConversationStatusValue.optional().describe('Agents only: open, snoozed or resolved; absent in a guest’s view.'),
  snoozedUntil: z.string().nullable().optional().describe('Agents only: when a snooze ends by itself; null when only the guest’s next message ends it (or not snoozed).'),
  labels: z.array(LabelChip).optional().describe('Agents only: the organisation’s labels on it, by name; absent in a guest’s view.'),
  rating: RatingPrompt.nullable().optional(),
  answers: PrechatAnswerView.optional()
    .describe("The pre-chat form's answers, with the labels the guest read: for agents and the guest who gave them; absent for other guests."),
});
export type ConversationView = z.infer<typeof ConversationView>;

/** Every frame the server sends. */
export type ServerFrame =
  | { type: 'welcome'; conversation: ConversationView }
  | { type: 'entry'; entry: Entry }
  // An entry already sent, as it is now (an erased guest's message, docs/protocol.md "Erasure"): same seq, replaces the old one.
  | { type: 'entry_replaced'; entry: Entry }
  | { type: 'ack'; clientId: string; seq: number; duplicate: boolean }
  | { type: 'caught_up'; lastSeq: number }
  | { type: 'conversation'; conversation: ConversationView }
  | { type: 'typing'; participant: { id: string; name: string }; typing: boolean }
  | { type: 'read'; participantId: string; seq: number }
  | { type: 'presence'; participantId: string; agentId?: string; online: boolean }
  | { type: 'rated'; resolution: number; duplicate: boolean }
  // Whether a reply may come soon: the best of the agents shown, and each agent participant's (docs/protocol.md "Availability").
  | { type: 'availability'; availability: Availability; agents: Array<{ id: string; availability: Availability }> }
  | { type: 'pong' }
  | { type: 'mark'; mark: string }
  | ErrorFrame;

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
