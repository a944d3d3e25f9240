/**
 * The one error class of the API. Anything thrown that is not an HttpError is a bug:
 * it is logged and answered with a generic 500, never with its message or stack.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Headers the answer carries besides the envelope's, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
}

export function errorEnvelope(code: string, message: string, details?: unknown): ErrorEnvelope {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

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

/** Socket routes answer 426 to a plain request, so a client learns it must upgrade. */
export function requireUpgrade(request: Request): void {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    throw new HttpError(426, 'upgrade_required', 'This route opens a WebSocket: send an Upgrade: websocket request.');
  }
}
