import type { EmbedScope } from '../http/embed';

/**
 * Whom each conversation was started with, as the embed check of a guest's request needs it
 * (src/http/embed.ts), kept per isolate so that a guest's message does not first ask the
 * actor for it. It never changes (the actor keeps its origin for good), so nothing expires;
 * the map is bounded, and forgets the least recently used conversation first, so an isolate
 * that lives long and sees many conversations keeps a fixed amount of memory.
 */
export const EMBED_SCOPES_LIMIT = 10_000;
const scopes = new Map<string, EmbedScope>();

export function knownScope(conversationId: string): EmbedScope | undefined {
  const scope = scopes.get(conversationId);
  if (scope) remember(conversationId, scope);
  return scope;
}

export function remember(conversationId: string, scope: EmbedScope): EmbedScope {
  // A Map iterates in insertion order: re-inserting moves the entry to the most recent end.
  scopes.delete(conversationId);
  scopes.set(conversationId, scope);
  if (scopes.size > EMBED_SCOPES_LIMIT) scopes.delete(scopes.keys().next().value!);
  return scope;
}
