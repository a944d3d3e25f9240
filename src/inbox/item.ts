import { z } from 'zod';
import type { InboxSettings } from './settings';
import type { PresenceView } from './presence';
import { ConversationStatusValue, LabelChip } from '../conversation/protocol';

const NamedRef = z.object({ slug: z.string(), name: z.string() });

/** One row of an agent's inbox (C10), as that agent sees the conversation. */
export const InboxItem = z.object({
  conversationId: z.string(),
  title: z.string(),
  avatarUrl: z.string().nullable(),
  lastMessage: z
    .object({
      text: z.string(),
      authorName: z.string(),
      // Whether a guest wrote it: the console alerts the agent to guests' messages only. Rows
      // stored before the field existed lack it until the conversation's next change.
      authorKind: z.enum(['guest', 'agent', 'system']).optional(),
      at: z.string(),
      seq: z.number().int(),
    })
    .nullable(),
  unread: z.number().int().min(0).describe('Messages after your read position; 0 in a conversation you are not in.'),
  visibility: z.enum(['public', 'private']),
  status: ConversationStatusValue,
  snoozedUntil: z.string().nullable().describe('When a snooze ends by itself; null when the guest’s next message ends it, or not snoozed.'),
  participant: z.boolean().describe('False: the conversation is here only because a note mentioned you.'),
  mentions: z
    .object({ unread: z.number().int().min(0), lastSeq: z.number().int() })
    .nullable()
    .describe('Notes that @mentioned you: how many after your read position, and the latest one; null when none did.'),
  // Rows stored before labels existed lack it on the socket until the conversation's next change.
  labels: z.array(LabelChip).optional().describe('The labels on it, by name (GET /api/inbox always has them, as they are now).'),
  // Rows stored before views existed lack these until the conversation's next change.
  service: NamedRef.nullable().optional().describe('The service it belongs to now; null: none (a personal link never assigned).'),
  assignee: NamedRef.nullable().optional().describe('The agent it is assigned to (or the personal link’s agent); null: nobody.'),
});
export type InboxItem = z.infer<typeof InboxItem>;

export type InboxFrame =
  | { type: 'inbox'; items: InboxItem[]; presence: PresenceView }
  | ({ type: 'presence' } & PresenceView)
  | { type: 'item'; item: InboxItem }
  | { type: 'removed'; conversationId: string }
  // A conversation the agent may see changed in the views' summaries: read the views again.
  | { type: 'views'; conversationId: string }
  | { type: 'settings'; settings: InboxSettings }
  | { type: 'pong' };
