import { EmailMessage } from 'cloudflare:email';
import { newId } from '../directory/ids';
import { isDevelopment } from '../env';
import { HttpError } from '../http/errors';
import type { Address, OutgoingEmail } from './message';
import { assertSendable, displayAddress, EmailSendError, parseAddress } from './message';
import { base64Utf8, buildMime } from './mime';
import { storeInOutbox } from './outbox';

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
}

export interface Mailer {
  /** Sends one email; throws EmailSendError when it could not be sent. */
  send(email: OutgoingEmail): Promise<{ id: string }>;
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
      const id = newId('em');
      const raw = buildMime(email, { messageId: messageIdFor(id, email.from), date: new Date() });
      await storeInOutbox(db, id, email, raw);
      return { id };
    },
  };
}

export function sendEmailMailer(binding: SendEmail): Mailer {
  return {
    async send(email) {
      const id = newId('em');
      const messageId = messageIdFor(id, email.from);
      const raw = buildMime(email, { messageId, date: new Date() });
      // The binding takes one envelope recipient per message; every copy carries the same
      // raw message, so all recipients see the whole To list and one Message-ID.
      for (const to of email.to) {
        try {
          await binding.send(new EmailMessage(email.from.email, to.email, raw));
        } catch (err) {
          // The binding's errors carry no status to tell a refusal from an outage; a retry
          // is the safer guess. Recipients before this one already have their copy.
          throw new EmailSendError(`send_email refused the email to ${to.email}: ${String(err)}`, true, undefined, { cause: err });
        }
      }
      return { id: messageId };
    },
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
          headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        });
      } catch (err) {
        throw new EmailSendError(`The email API could not be reached: ${String(err)}`, true, undefined, { cause: err });
      }
      const body = (await response.json().catch(() => ({}))) as { id?: unknown } & ResendError;
      if (response.ok && typeof body.id === 'string') return { id: body.id };
      // A 2xx without an id may still have been sent: retrying could deliver it twice.
      const retryable = response.status === 429 || response.status >= 500;
      const reason = body.message ?? (response.ok ? 'no id in the answer' : response.statusText);
      throw new EmailSendError(`The email API answered ${response.status}: ${reason}`, retryable, response.status);
    },
  };
}

/** The mailer EMAIL_TRANSPORT names; a misconfiguration throws at once rather than losing emails. */
export function mailerFor(env: EmailEnv): Mailer {
  switch (env.EMAIL_TRANSPORT) {
    case 'outbox':
      // The outbox shows every email (meeting links, reply addresses) at /dev/outbox: in production
      // that would publish them, and /dev/* is off there anyway, so nobody would ever read them.
      if (!isDevelopment(env)) {
        const message = `EMAIL_TRANSPORT is "outbox" but ENVIRONMENT is "${env.ENVIRONMENT ?? ''}": the outbox is for development only; set EMAIL_TRANSPORT to send_email or http.`;
        console.error(message);
        throw new HttpError(503, 'email_not_configured', message);
      }
      return outboxMailer(env.DB);
    case 'send_email':
      if (!env.SEND_EMAIL) throw new Error('EMAIL_TRANSPORT is "send_email" but there is no SEND_EMAIL binding.');
      return sendEmailMailer(env.SEND_EMAIL);
    case 'http':
      if (!env.EMAIL_API_KEY) throw new Error('EMAIL_TRANSPORT is "http" but the EMAIL_API_KEY secret is not set.');
      return httpMailer({ apiKey: env.EMAIL_API_KEY, apiUrl: env.EMAIL_API_URL });
    default:
      throw new Error(`EMAIL_TRANSPORT is "${env.EMAIL_TRANSPORT ?? ''}"; set it to outbox, send_email or http.`);
  }
}
