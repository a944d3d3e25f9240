import type { Env } from '../env';

/** The actor of one conversation: its id is the actor's name. */
export const conversationActor = (env: Pick<Env, 'CONVERSATIONS'>, conversationId: string) => env.CONVERSATIONS.getByName(conversationId);
