import PostalMime, { type Email } from 'postal-mime';
import type { InboundEmail } from './message';


/**
 * Size limits of every email Doorbell receives, replies to continuity emails (C12) and
 * calendar replies (M3) alike. A parsed email is held in memory whole, attachments included
 * (a reply's files become attachments of its message, each under ATTACHMENT_MAX_BYTES), so
 * these limits keep a message from costing the Worker more memory than it can spare.
 */
export const INBOUND_LIMITS = {
  /** The whole message as it arrives, attachments and encoding included. */
  rawBytes: 20 * 1024 * 1024,
  /** All attachments together, decoded. */
  attachmentBytes: 10 * 1024 * 1024,
} as const;

const MB = 1024 * 1024;
const megabytes = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

/** Reads the message, giving up as soon as it exceeds `limit` bytes. */
async function readRaw(raw: ReadableStream<Uint8Array> | string, limit: number): Promise<Uint8Array | string | null> {
  if (typeof raw === 'string') return new TextEncoder().encode(raw).byteLength > limit ? null : raw;
  const reader = raw.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const size = (content: ArrayBuffer | Uint8Array | string): number => (typeof content === 'string' ? content.length : content.byteLength);

export type ReadOutcome = { ok: true; mail: Email; raw: Uint8Array | string } | { ok: false; reason: string };

/**
 * The message within the limits, parsed; or the reason to bounce it. Malformed MIME (too
 * deeply nested, oversized headers, …) is a reason too, never an exception: the sender's
 * server shows it, where a thrown error would only say the Worker failed.
 */
export async function readInboundEmail(message: InboundEmail): Promise<ReadOutcome> {
  if ((message.rawSize ?? 0) > INBOUND_LIMITS.rawBytes) {
    return { ok: false, reason: `This email is ${megabytes(message.rawSize!)}; emails to Doorbell are limited to ${megabytes(INBOUND_LIMITS.rawBytes)}. Send a link to large files instead.` };
  }
  const raw = await readRaw(message.raw, INBOUND_LIMITS.rawBytes);
  if (raw === null) {
    return { ok: false, reason: `This email is larger than ${megabytes(INBOUND_LIMITS.rawBytes)}, the limit of emails to Doorbell. Send a link to large files instead.` };
  }
  let mail: Email;
  try {
    mail = await PostalMime.parse(raw);
  } catch {
    return { ok: false, reason: 'Doorbell could not read this email.' };
  }
  const attached = mail.attachments.reduce((total, a) => total + size(a.content), 0);
  if (attached > INBOUND_LIMITS.attachmentBytes) {
    return {
      ok: false,
      reason: `The attachments of this email total ${megabytes(attached)}; emails to Doorbell may carry at most ${megabytes(INBOUND_LIMITS.attachmentBytes)} of attachments, and the conversation shows only text. Send a link to large files instead.`,
    };
  }
  return { ok: true, mail, raw };
}
