import { EmailMessage } from 'cloudflare:email';
import type { JobHandler } from '../actor/jobs';
import { isDevelopment } from '../env';
import { HttpError } from '../errors';
import type { Address, OutgoingEmail } from './message';
import { assertSendable, displayAddress, EmailSendError, parseAddress, SEND_RETRY } from './message';
import { base64Utf8, buildMime } from './mime';
import { storeInOutbox } from './outbox';
import { enumeratedVar, misconfigured } from '../vars';

export { EmailSendError } from './message';

/** What the email layer needs from the Worker's environment (see README "Configuration"). */
export interface EmailEnv {
  DB: D1Database;
  /** The outbox transport exists only in `development`. */
  ENVIRONMENT?: string;
  /** `outbox` (development), `send_email` (the SEND_EMAIL binding) or `http` (the Resend API). */
  EMAIL_TRANSPORT?: string;
  /** The sender of Doorbell's emails, e.g. `Doorbell <doorbell@doorbell.example>`. */
  EMAIL_FROM?: string;
  /** Base URL of the HTTP email API; https://api.resend.com when empty. */
  EMAIL_API_URL?: string;
  /** Secret: the HTTP email API key. */
  EMAIL_API_KEY?: string;
  SEND_EMAIL?: SendEmail;
  /** The organisation's name and `#rrggbb` colour in every email (src/email/layout.ts). */
  ORG_NAME?: string;
  ORG_COLOR?: string;
}

/**
 * Which recipients already have an email, for a transport that sends each its own copy: a
 * retry after a partial failure skips them. The caller keeps the list with the job that
 * sends the email.
 */
export interface SendProgress {
  readonly delivered: readonly string[];
  /** Called as soon as a recipient has their copy; the caller records it before anything else happens. */
  onDelivered(recipient: string): void;
}

export interface Mailer {
  /** Sends one email; throws EmailSendError when it could not be sent. Sending the same email (same id) again is safe. */
  send(email: OutgoingEmail, progress?: SendProgress): Promise<{ id: string }>;
}

export const DEFAULT_EMAIL_API_URL = 'https://api.resend.com';

/** The configured sender, for the `from` of the emails Doorbell writes. */
export function senderAddress(env: EmailEnv): Address {
  if (!env.EMAIL_FROM) throw new Error('EMAIL_FROM is not set: configure the sender of Doorbell emails.');
  return parseAddress(env.EMAIL_FROM);
}

/** A Message-ID in the sender's domain, as receiving servers expect. */
function messageIdFor(id: string, from: Address): string {
  return `${id}@${from.email.slice(from.email.lastIndexOf('@') + 1)}`;
}

export function outboxMailer(db: D1Database): Mailer {
  return {
    async send(email) {
      const raw = buildMime(email, { messageId: messageIdFor(email.id, email.from), date: new Date() });
      await storeInOutbox(db, email.id, email, raw);
      return { id: email.id };
    },
  };
}

export function sendEmailMailer(binding: SendEmail): Mailer {
  return {
    async send(email, progress) {
      const messageId = messageIdFor(email.id, email.from);
      const raw = buildMime(email, { messageId, date: new Date() });
      const delivered = new Set(progress?.delivered.map((a) => a.toLowerCase()));
      // The binding takes one envelope recipient per message; every copy carries the same
      // raw message, so all recipients see the whole To list and one Message-ID.
      for (const to of email.to) {
        const recipient = to.email.toLowerCase();
        if (delivered.has(recipient)) continue;
        try {
          await binding.send(new EmailMessage(email.from.email, to.email, raw));
        } catch (err) {
          // The binding's errors carry no status to tell a refusal from an outage; a retry
          // is the safer guess, and skips the recipients recorded as delivered.
          throw new EmailSendError(`send_email refused the email to ${to.email}: ${String(err)}`, true, undefined, { cause: err });
        }
        delivered.add(recipient);
        progress?.onDelivered(recipient);
      }
      return { id: messageId };
    },
  };
}

/** The job that sends one email; `delivered` is its progress across retries (see SendProgress). */
export interface EmailJob {
  email: OutgoingEmail;
  delivered?: string[];
}

/**
 * The one handler of `email` jobs, for every actor that sends mail: each recipient reached is
 * written back into the job's payload at once, so a retry after a partial failure skips them.
 */
export function emailJobHandler(env: EmailEnv, jobs: { savePayload(key: string, payload: EmailJob): void }): JobHandler<EmailJob> {
  return {
    run: async (payload, job) => {
      const delivered = [...(payload.delivered ?? [])];
      await mailerFor(env).send(payload.email, {
        delivered,
        onDelivered(recipient) {
          delivered.push(recipient);
          jobs.savePayload(job.key, { ...payload, delivered });
        },
      });
    },
    retry: SEND_RETRY,
  };
}

interface ResendError {
  message?: string;
  name?: string;
}

/** The Resend API (https://resend.com/docs/api-reference/emails/send-email). */
export function httpMailer(options: { apiKey: string; apiUrl?: string }): Mailer {
  const url = `${(options.apiUrl || DEFAULT_EMAIL_API_URL).replace(/\/+$/, '')}/emails`;
  return {
    async send(email) {
      assertSendable(email);
      const payload = {
        from: displayAddress(email.from),
        to: email.to.map(displayAddress),
        ...(email.replyTo ? { reply_to: displayAddress(email.replyTo) } : {}),
        subject: email.subject,
        html: email.html,
        text: email.text,
        ...(email.headers && Object.keys(email.headers).length > 0 ? { headers: email.headers } : {}),
        ...(email.attachments?.length
          ? {
              attachments: email.attachments.map((a) => ({
                filename: a.filename,
                content: base64Utf8(a.content),
                content_type: a.contentType,
              })),
            }
          : {}),
      };
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          // A retry after a timeout (the same email, the same id) is then sent once:
          // Resend answers it with the first send's id for 24 hours.
          headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', 'idempotency-key': email.id },
          body: JSON.stringify(payload),
        });
      } catch (err) {
        throw new EmailSendError(`The email API could not be reached: ${String(err)}`, true, undefined, { cause: err });
      }
      const body = (await response.json().catch(() => ({}))) as { id?: unknown } & ResendError;
      if (response.ok && typeof body.id === 'string') return { id: body.id };
      // A 2xx without an id may still have been sent: retrying could deliver it twice.
      // 409 concurrent_idempotent_requests: the first attempt with this key is still running.
      const retryable = response.status === 429 || response.status >= 500 || (response.status === 409 && body.name === 'concurrent_idempotent_requests');
      const reason = body.message ?? (response.ok ? 'no id in the answer' : response.statusText);
      throw new EmailSendError(`The email API answered ${response.status}: ${reason}`, retryable, response.status);
    },
  };
}

/**
 * The mailer EMAIL_TRANSPORT names. A misconfiguration throws at once rather than losing
 * emails: `503 email_not_configured` where a request waits for the send, a retry in a job;
 * logged either way, since only the operator can mend it.
 */
export function mailerFor(env: EmailEnv): Mailer {
  const notConfigured = (message: string): never => {
    console.error(message);
    throw new HttpError(503, 'email_not_configured', message);
  };
  const transport = enumeratedVar(env, 'EMAIL_TRANSPORT');
  switch (transport) {
    case 'outbox':
      // The outbox shows every email (meeting links, reply addresses) at /dev/outbox: in production
      // that would publish them, and /dev/* is off there anyway, so nobody would ever read them.
      if (!isDevelopment(env)) {
        return notConfigured(`EMAIL_TRANSPORT is "outbox" but ENVIRONMENT is "${env.ENVIRONMENT ?? ''}": the outbox is for development only; set EMAIL_TRANSPORT to send_email or http.`);
      }
      return outboxMailer(env.DB);
    case 'send_email':
      if (!env.SEND_EMAIL) return notConfigured('EMAIL_TRANSPORT is "send_email" but there is no SEND_EMAIL binding.');
      return sendEmailMailer(env.SEND_EMAIL);
    case 'http':
      if (!env.EMAIL_API_KEY) return notConfigured('EMAIL_TRANSPORT is "http" but the EMAIL_API_KEY secret is not set.');
      return httpMailer({ apiKey: env.EMAIL_API_KEY, apiUrl: env.EMAIL_API_URL });
    case null:
      return notConfigured(misconfigured('EMAIL_TRANSPORT', env.EMAIL_TRANSPORT));
  }
}
