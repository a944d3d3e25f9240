import type { Env } from '../env';

/** An agent's inbox actor, named by the agent's id. */
export const inboxActor = (env: Pick<Env, 'INBOXES'>, agentId: string) => env.INBOXES.getByName(agentId);
