import { errorEnvelope, HttpError } from '../errors';

// The error contract lives in the bottom layer (src/errors.ts) so that actors can use it too.
export { errorEnvelope, HttpError, type ErrorCode, type ErrorEnvelope } from '../errors';

export function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) {
    return Response.json(errorEnvelope(err.code, err.message, err.details), { status: err.status, ...(err.headers ? { headers: err.headers } : {}) });
  }
  console.error('unhandled error', err);
  return Response.json(errorEnvelope('internal', 'Something went wrong on our side; it has been logged.'), {
    status: 500,
  });
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} was not found.`);

/** The record a lookup found, or the API's 404 naming what was looked for. */
export function found<T>(record: T | null, what: string): T {
  if (record === null) throw notFound(what);
  return record;
}

/** Socket routes answer 426 to a plain request, so a client learns it must upgrade. */
export function requireUpgrade(request: Request): void {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    throw new HttpError(426, 'upgrade_required', 'This route opens a WebSocket: send an Upgrade: websocket request.');
  }
}
