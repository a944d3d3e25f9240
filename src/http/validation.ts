import { z } from 'zod';
import { HttpError } from './errors';

export const MAX_JSON_BODY_BYTES = 64 * 1024;

export interface Problem {
  path: string;
  message: string;
}

export function problems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'path' | 'query' | 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const list = problems(result.error);
    const first = list[0];
    throw new HttpError(
      400,
      'invalid_request',
      `The request ${where} is not valid${first ? `: ${first.path}: ${first.message}` : ''}.`,
      { where, problems: list },
    );
  }
  return result.data;
}

export async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'The request body must be JSON (Content-Type: application/json).');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_JSON_BODY_BYTES) throw tooLarge();
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > MAX_JSON_BODY_BYTES) throw tooLarge();
  let text: string;
  try {
    // Decoding leniently would turn invalid bytes into U+FFFD and store them as if sent.
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_utf8', 'The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const tooLarge = (): HttpError =>
  new HttpError(413, 'body_too_large', `The request body is larger than ${MAX_JSON_BODY_BYTES} bytes.`);
