import { unwrap } from '../actor/outcome';
import type { Caller } from '../conversation/actor';
import { fileKey, type StoredFile } from '../conversation/attachments';
import type { AttachmentView } from '../conversation/protocol';
import type { existingConversationActor } from '../conversation/stub';
import { HttpError } from '../http/errors';
import { sniff, SNIFF_BYTES, type Sniffed } from './sniff';

type Conversation = Awaited<ReturnType<typeof existingConversationActor>>;

/** The refusal of a file over the size limit, before any byte of it is stored. */
export function checkSize(size: number, max: number): void {
  if (size > max) throw new HttpError(413, 'attachment_too_large', `Files are limited to ${max} bytes; this one is ${size}.`, { limit: max, size });
}

/** The file's type, or its refusal (415). */
function accepted(prefix: Uint8Array, name: string, claim: string | null, complete: boolean): Extract<Sniffed, { ok: true }> {
  const found = sniff(prefix, name, claim, complete);
  if (!found.ok) throw new HttpError(415, found.reason === 'mismatch' ? 'file_type_mismatch' : 'file_type_not_allowed', found.message);
  return found;
}

const storedFile = (size: number, { width, height, type }: Extract<Sniffed, { ok: true }>): StoredFile => ({ size, type, width, height });
const putOptions = (type: string, name: string): R2PutOptions => ({ httpMetadata: { contentType: type }, customMetadata: { name } });

/**
 * Streams a request's body into R2 once its first bytes were found to be an accepted type:
 * only that prefix (SNIFF_BYTES, plus the rest of the chunk that reached it) is held in
 * memory. R2 stores an object whole or not at all, so a body that ends short of (or runs past)
 * its declared size leaves nothing behind.
 */
export async function streamFile(bucket: R2Bucket, key: string, request: Request, name: string, size: number): Promise<StoredFile> {
  const reader = (request.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() })).getReader();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < SNIFF_BYTES && !done) {
    const chunk = await reader.read();
    if (chunk.done) done = true;
    else {
      head.push(chunk.value);
      headBytes += chunk.value.byteLength;
    }
  }
  const prefix = new Uint8Array(headBytes);
  head.reduce((at, chunk) => (prefix.set(chunk, at), at + chunk.byteLength), 0);
  let found;
  try {
    found = accepted(prefix, name, request.headers.get('content-type'), done);
  } catch (refusal) {
    await reader.cancel();
    throw refusal;
  }
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = head.shift() ?? (done ? undefined : (await reader.read()).value);
      if (next === undefined) return controller.close();
      sent += next.byteLength;
      controller.enqueue(next);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  try {
    await bucket.put(key, body.pipeThrough(new FixedLengthStream(size)), putOptions(found.type, name));
  } catch (err) {
    if (sent === size) throw err;
    throw new HttpError(400, 'invalid_request', `The upload's body is not the ${size} bytes its Content-Length says; nothing was stored.`);
  }
  return storedFile(size, found);
}

/** A file already in memory (an email's attachment): checked whole, then stored. */
export async function putFile(bucket: R2Bucket, key: string, bytes: Uint8Array, name: string, claim: string | null): Promise<StoredFile> {
  const found = accepted(bytes.subarray(0, SNIFF_BYTES), name, claim, bytes.byteLength <= SNIFF_BYTES);
  await bucket.put(key, bytes, putOptions(found.type, name));
  return storedFile(bytes.byteLength, found);
}

/**
 * One upload for the message `clientId`: reserved with the conversation (rights, count, a
 * retried name: `duplicate`, and `write` is not called), written by `write`, then recorded as
 * stored. A write that throws leaves no reservation behind. Refusals are thrown as HttpErrors.
 */
export async function upload(
  conversation: Conversation,
  conversationId: string,
  caller: Caller,
  file: { clientId: string; name: string; size: number },
  write: (key: string) => Promise<StoredFile>,
): Promise<{ attachment: AttachmentView; duplicate: boolean }> {
  const reserved = unwrap(await conversation.reserveUpload(caller, file.clientId, file.name, file.size));
  if (!reserved.fresh) return { attachment: reserved.attachment, duplicate: true };
  let stored: StoredFile;
  try {
    stored = await write(fileKey(conversationId, reserved.id));
  } catch (err) {
    await conversation.abandonUpload(reserved.id);
    throw err;
  }
  const attachment = await conversation.storedUpload(reserved.id, stored);
  if (!attachment) throw new HttpError(404, 'not_found', 'The upload was deleted while it was stored: upload it again.');
  return { attachment, duplicate: false };
}
