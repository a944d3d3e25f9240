import { z } from 'zod';
import { HttpError } from './errors';

export const MAX_JSON_BODY_BYTES = 64 * 1024;

// C0 controls (CR and LF included), DEL and C1 controls: in a name they break the email headers
// and calendar lines it is written into, or move a terminal's cursor.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Bidirectional embeddings, overrides and isolates: one in a name reverses the text around it
// wherever it is shown ("Ann \u202Egnp.exe" reads "Ann exe.png").
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * A string people see: a name, a title, a description. Refused (not stripped, so nothing is
 * stored other than what was sent) when it holds a control character or a bidi control; then
 * trimmed. `min` 0 allows an empty string (an optional description).
 */
export const displayText = (max: number, min = 1) =>
  z
    .string()
    .refine((text) => !CONTROL.test(text), 'must not contain control characters (line breaks, tabs, C0, DEL or C1)')
    .refine((text) => !BIDI_CONTROL.test(text), 'must not contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069)')
    .trim()
    .min(min, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

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

export async function readJsonBody(request: Request, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'The request body must be JSON (Content-Type: application/json).');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
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

const tooLarge = (maxBytes: number): HttpError => new HttpError(413, 'body_too_large', `The request body is larger than ${maxBytes} bytes.`);
