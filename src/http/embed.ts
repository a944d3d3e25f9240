import { embedsSomeService, serviceEmbeddableFrom } from '../directory/services';
import type { Env } from '../env';
import { HttpError } from './errors';

/**
 * Which sites' pages may use the guest API (docs/api.md, "Embedding"): GUEST_ORIGINS for
 * everything, and a service's own `embedOrigins` for that service. Whom a request is about:
 * a service (its card, starting or following a conversation with it), an agent's personal
 * link (organisation-wide list only), or nothing in particular (CORS, creating a guest).
 */
export type EmbedScope = { kind: 'service'; slug: string } | { kind: 'agent' } | { kind: 'any' };

/**
 * The Origin of a request made by a page of another site, or null: this server's own pages
 * and clients that are not browsers (no Origin header) are judged by their tokens alone.
 */
export function foreignOrigin(request: Request, env: Env): string | null {
  const origin = request.headers.get('origin');
  if (!origin || origin === new URL(request.url).origin || origin === new URL(env.PUBLIC_BASE_URL).origin) return null;
  return origin;
}

export const organisationOrigins = (env: Env): string[] =>
  env.GUEST_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);

export async function mayEmbed(env: Env, origin: string, scope: EmbedScope): Promise<boolean> {
  if (organisationOrigins(env).includes(origin)) return true;
  switch (scope.kind) {
    case 'agent':
      return false;
    case 'any':
      return embedsSomeService(env.DB, origin);
    case 'service':
      return serviceEmbeddableFrom(env.DB, scope.slug, origin);
  }
}

/** Refuses, with a message saying how to allow it, a page of a site not allowed for this scope. */
export async function requireEmbedOrigin(request: Request, env: Env, scope: EmbedScope): Promise<void> {
  const origin = foreignOrigin(request, env);
  if (!origin || (await mayEmbed(env, origin, scope))) return;
  throw new HttpError(
    403,
    'origin_not_allowed',
    scope.kind === 'service'
      ? `Pages on ${origin} may not embed the service "${scope.slug}": an admin can add this origin to the service's embedOrigins.`
      : `Pages on ${origin} may not use this: only the sites in GUEST_ORIGINS may${scope.kind === 'agent' ? " embed agents' personal links" : ''}.`,
    { origin },
  );
}

/** A conversation is embedded as whom the guest first wrote to: its service, or an agent's personal link. */
export const conversationScope = (origin: { kind: 'agent' | 'service'; slug: string }): EmbedScope =>
  origin.kind === 'service' ? { kind: 'service', slug: origin.slug } : { kind: 'agent' };
