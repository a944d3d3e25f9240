import { conversationExists } from '../directory/conversations';
import type { Env } from '../env';
import { notFound } from '../http/errors';

/** The actor of one conversation: its id is the actor's name. Only for creating one; every route about one uses existingConversationActor. */
export const conversationActor = (env: Pick<Env, 'CONVERSATIONS'>, conversationId: string) => env.CONVERSATIONS.getByName(conversationId);

/**
 * The actor of a conversation that exists. Any other id is answered 404 here, as for a
 * conversation the caller may not open, without a Durable Object being created for it:
 * getting a stub creates nothing, but the first call to it would.
 */
export async function existingConversationActor(env: Pick<Env, 'CONVERSATIONS' | 'DB'>, conversationId: string) {
  if (!(await conversationExists(env.DB, conversationId))) throw notFound('Conversation');
  return conversationActor(env, conversationId);
}
