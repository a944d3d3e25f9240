import { z } from 'zod';
import type { Availability } from '../directory/availability';
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

export const ClientFrame = z.discriminatedUnion('type', [
  // note: true writes a private note (agents only; see agentOnly).
  z.strictObject({ type: z.literal('send'), clientId: ClientId, text: MessageText, note: z.boolean().optional() }),
  z.strictObject({ type: z.literal('typing'), typing: z.boolean() }),
  z.strictObject({ type: z.literal('read'), seq: z.number().int().min(0) }),
  z.strictObject({ type: z.literal('resume'), since: z.number().int().min(0) }),
  z.strictObject({ type: z.literal('ping') }),
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
]);
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const Entry = z.object({
  seq: z.number().int(),
  at: z.string(),
  kind: z.enum(['message', 'event']),
  author: Author,
  clientId: z.string().nullable(),
  text: z.string().nullable(),
  event: TimelineEvent.nullable(),
});
export type Entry = z.infer<typeof Entry>;

const AGENTS_ONLY_EVENTS: ReadonlySet<TimelineEvent['type']> = new Set(['crm', 'status', 'note', 'labels']);

/**
 * Entries guests never receive (CRM results, statuses, notes and labels are the organisation's
 * business: a resolved conversation looks no different to its guest); they see a gap in seq instead.
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
});
export type ConversationView = z.infer<typeof ConversationView>;

/** Every frame the server sends. */
export type ServerFrame =
  | { type: 'welcome'; conversation: ConversationView }
  | { type: 'entry'; entry: Entry }
  | { type: 'ack'; clientId: string; seq: number; duplicate: boolean }
  | { type: 'caught_up'; lastSeq: number }
  | { type: 'conversation'; conversation: ConversationView }
  | { type: 'typing'; participant: { id: string; name: string }; typing: boolean }
  | { type: 'read'; participantId: string; seq: number }
  | { type: 'presence'; participantId: string; agentId?: string; online: boolean }
  // Whether a reply may come soon: the best of the agents shown, and each agent participant's (docs/protocol.md "Availability").
  | { type: 'availability'; availability: Availability; agents: Array<{ id: string; availability: Availability }> }
  | { type: 'pong' }
  | ErrorFrame;

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
