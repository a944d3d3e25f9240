import { statusOf, type ConversationState } from './model';
import type { RatingPrompt } from './protocol';

/**
 * What a viewer is asked to rate: the current resolution and its rating, if any. Only a
 * resolution stored with its seq can be rated; any other status asks nothing.
 */
export function ratingPrompt(state: ConversationState): RatingPrompt | null {
  const status = statusOf(state);
  if (status.value !== 'resolved' || status.resolution === undefined) return null;
  const { rating } = status;
  return { resolution: status.resolution, rated: rating ? { score: rating.score, comment: rating.comment, at: new Date(rating.at).toISOString(), by: rating.by } : null };
}
