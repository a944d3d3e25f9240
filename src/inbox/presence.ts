import { z } from 'zod';
import { Availability } from '../directory/availability';

/** What the agent chooses; offline is never chosen, it is what closing every console means. */
export const PresenceState = z.enum(['online', 'away']);
export type PresenceState = z.infer<typeof PresenceState>;

export const PresenceView = z.object({
  state: PresenceState.describe('What the agent chose (kept while no console is open).'),
  availability: Availability.describe('What guests and colleagues see: offline while no console socket is open, else `state`.'),
});
export type PresenceView = z.infer<typeof PresenceView>;

export const PresenceUpdate = z.strictObject({ state: PresenceState });
