import type { RetryPolicy } from '../actor/jobs';

/** The vocabulary of email, whatever transport carries it. */

/** What the email handler is given (ForwardableEmailMessage has it; tests pass the same shape). */
export interface InboundEmail {
  readonly from: string;
  readonly to: string;
  readonly raw: ReadableStream<Uint8Array> | string;
  readonly rawSize?: number;
  setReject(reason: string): void;
}

export interface Address {
  name?: string;
  email: string;
}

export interface Attachment {
  filename: string;
  /** A full MIME type with its parameters, e.g. `text/calendar; method=REQUEST; charset=utf-8`. */
  contentType: string;
  /** UTF-8 text. */
  content: string;
}

export interface OutgoingEmail {
  /**
   * Given where the email is written and kept with it in the job that sends it, so every
   * retry of the same email carries the same id: its Message-ID and the HTTP API's
   * idempotency key derive from it.
   */
  id: string;
  from: Address;
  to: Address[];
  replyTo?: Address;
  subject: string;
  text: string;
  html: string;
  attachments?: Attachment[];
  headers?: Record<string, string>;
}

/**
 * Sending failed. `retryable` says whether the same email may succeed later (rate limit,
 * provider outage, network) or never will as it is (refused address, invalid content).
 */
export class EmailSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EmailSendError';
  }
}

/** How a job that sends one email retries (actor/jobs.ts): for about an hour, unless the provider refused it for good. */
export const SEND_RETRY: RetryPolicy = {
  maxAttempts: 8,
  backoff: { baseMs: 30_000, capMs: 3_600_000 },
  permanent: (err) => err instanceof EmailSendError && !err.retryable,
};

const ADDRESS = /^[^\s<>()[\],;:"\\@]+@[^\s<>()[\],;:"\\@]+\.[^\s<>()[\],;:"\\@]+$/;
const HEADER_NAME = /^[!-9;-~]+$/;
const MIME_TYPE = /^[\w.+-]+\/[\w.+-]+(\s*;[^\r\n]*)?$/;
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Headers the message builder writes itself; letting a caller set them would forge or break the message. */
const RESERVED_HEADERS = new Set([
  'from', 'to', 'cc', 'bcc', 'reply-to', 'sender', 'subject', 'date', 'message-id', 'mime-version',
  'content-type', 'content-transfer-encoding', 'content-disposition', 'return-path',
]);

const invalid = (what: string): EmailSendError => new EmailSendError(`The email cannot be sent: ${what}.`, false);

function checkText(value: string, what: string): void {
  // CR and LF would end the header line and let the value add headers or a body of its own.
  if (CONTROL.test(value)) throw invalid(`${what} contains a line break or control character`);
}

function checkAddress(address: Address, what: string): void {
  if (!ADDRESS.test(address.email)) throw invalid(`${what} "${address.email}" is not a plain email address`);
  if (address.name !== undefined) checkText(address.name, `${what} name`);
}

/** Refuses, as a permanent failure, any email whose headers could be injected or are malformed. */
export function assertSendable(email: OutgoingEmail): void {
  checkAddress(email.from, 'from');
  if (email.to.length === 0) throw invalid('it has no recipient');
  for (const to of email.to) checkAddress(to, 'to');
  if (email.replyTo) checkAddress(email.replyTo, 'reply-to');
  checkText(email.subject, 'the subject');
  for (const [name, value] of Object.entries(email.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw invalid(`header name "${name}" is not valid`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw invalid(`header ${name} is set by the mailer`);
    checkText(value, `header ${name}`);
  }
  for (const attachment of email.attachments ?? []) {
    checkText(attachment.filename, 'an attachment filename');
    if (!attachment.filename) throw invalid('an attachment has no filename');
    if (!MIME_TYPE.test(attachment.contentType)) throw invalid(`attachment type "${attachment.contentType}" is not a MIME type`);
  }
}

const PLAIN_NAME = /^[\w !#$%&'*+\-/=?^`{|}~\u0080-\uffff]*$/;

/** `Name <email>` as people and HTTP APIs read it, the name quoted when it holds specials such as a comma. */
export function displayAddress(address: Address): string {
  if (!address.name) return address.email;
  const name = PLAIN_NAME.test(address.name) ? address.name : `"${address.name.replace(/(["\\])/g, '\\$1')}"`;
  return `${name} <${address.email}>`;
}

/** Reads `Name <email>` or a bare `email`, as configured in EMAIL_FROM. */
export function parseAddress(text: string): Address {
  const match = /^\s*(?:"?([^"<]*?)"?\s*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(text);
  const email = match?.[2] ?? match?.[3];
  if (!email || !ADDRESS.test(email)) throw new Error(`"${text}" is not an email address such as "Doorbell <doorbell@example.com>".`);
  const name = match?.[1]?.trim();
  return name ? { name, email } : { email };
}
