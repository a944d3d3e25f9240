import type { Env } from '../env';
import { errorResponse, HttpError } from './errors';
import { foreignOrigin, mayEmbed } from './embed';

/**
 * The widget runs on other sites' pages and calls the API with fetch, which browsers allow
 * only with CORS. A site gets it when it may embed something: it is in GUEST_ORIGINS or in
 * some service's embed allowlist. Which service it may talk to is then checked by the routes
 * themselves (src/http/embed.ts), whose 403 such a site can read. Every other origin gets no
 * CORS headers, so browsers keep refusing it.
 */
async function allowedOrigin(request: Request, env: Env): Promise<string | null> {
  const origin = foreignOrigin(request, env);
  return origin && (await mayEmbed(env, origin, { kind: 'any' })) ? origin : null;
}

/** The answer to a CORS preflight, or null when the request is not one. */
export async function preflight(request: Request, env: Env): Promise<Response | null> {
  if (request.method !== 'OPTIONS' || !request.headers.has('access-control-request-method')) return null;
  const origin = await allowedOrigin(request, env);
  if (!origin) {
    // Browsers hide this body from the page, but it tells whoever debugs with curl what is wrong.
    const who = request.headers.get('origin') ?? 'this origin';
    return errorResponse(new HttpError(403, 'origin_not_allowed', `Pages on ${who} may not call this API: add the origin to GUEST_ORIGINS or to a service's embedOrigins.`));
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

export async function withCors(request: Request, env: Env, response: Response): Promise<Response> {
  if (response.status === 101) return response;
  const origin = await allowedOrigin(request, env);
  if (!origin) return response;
  const headers = new Headers(response.headers);
  headers.set('access-control-allow-origin', origin);
  headers.append('vary', 'Origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
