// What availability is, free of storage: the console's and the pages' types come from here.
import { z } from 'zod';

/** What guests and colleagues see of an agent (docs/rules.md "Availability"). */
export const Availability = z.enum(['online', 'away', 'offline']);
export type Availability = z.infer<typeof Availability>;

/** A service is as available as its most available licensed member. */
export function aggregateAvailability(members: Iterable<Availability>): Availability {
  const all = [...members];
  return all.includes('online') ? 'online' : all.includes('away') ? 'away' : 'offline';
}

/** The line a guest reads under a service or agent card, in English; the pages show it in the guest's language. */
export const availabilityMessage = (availability: Availability): string =>
  availability === 'online' ? 'Usually replies in a few minutes' : 'We’ll reply by email';
