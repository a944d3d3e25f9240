import type { Env } from '../env';

/**
 * The widget runs on other sites' pages and calls the API with fetch, which browsers allow
 * only with CORS. Only the sites in GUEST_ORIGINS get it, the same list that may open guest
 * sockets; every other origin gets no CORS headers, so browsers keep refusing it.
 */
function allowedOrigin(request: Request, env: Env): string | null {
  const origin = request.headers.get('origin');
  if (!origin) return null;
  return env.GUEST_ORIGINS.split(',').map((o) => o.trim()).includes(origin) ? origin : null;
}

/** The answer to a CORS preflight, or null when the request is not one. */
export function preflight(request: Request, env: Env): Response | null {
  if (request.method !== 'OPTIONS' || !request.headers.has('access-control-request-method')) return null;
  const origin = allowedOrigin(request, env);
  if (!origin) return new Response(null, { status: 403 });
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

export function withCors(request: Request, env: Env, response: Response): Response {
  const origin = allowedOrigin(request, env);
  if (!origin || response.status === 101) return response;
  const headers = new Headers(response.headers);
  headers.set('access-control-allow-origin', origin);
  headers.append('vary', 'Origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
