import { z } from 'zod';

/** One row of an agent's inbox (C10), as that agent sees the conversation. */
export const InboxItem = z.object({
  conversationId: z.string(),
  title: z.string(),
  avatarUrl: z.string().nullable(),
  lastMessage: z.object({ text: z.string(), authorName: z.string(), at: z.string(), seq: z.number().int() }).nullable(),
  unread: z.number().int().min(0).describe('Messages after your read position; 0 in a conversation you are not in.'),
  visibility: z.enum(['public', 'private']),
  participant: z.boolean().describe('False: the conversation is here only because a note mentioned you.'),
  mentions: z
    .object({ unread: z.number().int().min(0), lastSeq: z.number().int() })
    .nullable()
    .describe('Notes that @mentioned you: how many after your read position, and the latest one; null when none did.'),
});
export type InboxItem = z.infer<typeof InboxItem>;

export type InboxFrame =
  | { type: 'inbox'; items: InboxItem[] }
  | { type: 'item'; item: InboxItem }
  | { type: 'removed'; conversationId: string }
  | { type: 'pong' };
