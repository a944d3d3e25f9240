import type { Env } from '../env';

/** An agent's calendar actor, named by the agent's id. */
export const calendarActor = (env: Pick<Env, 'CALENDARS'>, agentId: string) => env.CALENDARS.getByName(agentId);
