import type { Env } from '../env';
import { servesOtherSites, type Access } from './endpoint';
import { errorResponse, HttpError } from './errors';
import { foreignOrigin, mayEmbed } from './embed';

/**
 * The widget runs on other sites' pages and calls the API with fetch, which browsers allow
 * only with CORS. A site gets it when it may embed something: it is in GUEST_ORIGINS or in
 * some service's embed allowlist. Which service it may talk to is then checked by the routes
 * themselves (src/http/embed.ts), whose 403 such a site can read. Every other origin gets no
 * CORS headers, so browsers keep refusing it, and so does every site on the routes for agents
 * and the admin (`access`; undefined for a path no route has, answered as the guest API).
 */
async function allowedOrigin(request: Request, env: Env, access: Access | undefined): Promise<string | null> {
  if (access !== undefined && !servesOtherSites(access)) return null;
  const origin = foreignOrigin(request, env);
  return origin && (await mayEmbed(env, origin, { kind: 'any' })) ? origin : null;
}

/** The answer to a CORS preflight, or null when the request is not one. */
export async function preflight(request: Request, env: Env, accessOf: (method: string) => Access | undefined): Promise<Response | null> {
  const method = request.headers.get('access-control-request-method');
  if (request.method !== 'OPTIONS' || !method) return null;
  const origin = await allowedOrigin(request, env, accessOf(method));
  if (!origin) {
    // Browsers hide this body from the page, but it tells whoever debugs with curl what is wrong.
    const who = request.headers.get('origin') ?? 'this origin';
    return errorResponse(new HttpError(403, 'origin_not_allowed', `Pages on ${who} may not call this route: other sites may use only the guest API, when their origin is in GUEST_ORIGINS or a service's embedOrigins.`));
  }
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '86400',
      vary: 'Origin',
    },
  });
}

export async function withCors(request: Request, env: Env, response: Response, access: Access | undefined): Promise<Response> {
  if (response.status === 101) return response;
  const origin = await allowedOrigin(request, env, access);
  if (!origin) return response;
  const headers = new Headers(response.headers);
  headers.set('access-control-allow-origin', origin);
  headers.append('vary', 'Origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
