import { newId } from '../directory/ids';
import type { Guest } from '../directory/guests';
import type { Env } from '../env';
import { brandOf, renderEmail } from '../email/layout';
import { EmailSendError, mailerFor, senderAddress } from '../email/mailer';
import { signServerToken, verifyLinkToken } from '../http/auth';
import { HttpError } from '../http/errors';
import { rateLimited, rateLimitsOn } from '../http/limits';

/**
 * A guest's own export by email (docs/privacy.md "The guest themself"): a signed link to it,
 * not the document itself (a guest in 500 conversations has more than an email carries), made
 * when it is opened, so it is as fresh as a download. Holding the link is the right to read
 * the export until it expires, as for a file's link; mail scanners that open links first would
 * use up a link that worked once, so it lasts a day instead.
 */
const AUDIENCE = 'doorbell-export';
export const EXPORT_EMAIL = { linkLifetimeS: 24 * 3600, intervalMs: 3600_000 } as const;

/**
 * Takes the guest's one email of the hour, or answers `429 rate_limited`: counted exactly, in
 * the directory, as it is an email to a person. The previous time is returned so a send that
 * fails can give the hour back.
 */
async function claimHour(env: Env, guestId: string, now: number): Promise<number | null> {
  const db = env.DB;
  if (!rateLimitsOn(env)) return null;
  const previous = await db.prepare('SELECT sent_at FROM guest_export_emails WHERE guest_id = ?').bind(guestId).first<{ sent_at: number }>();
  const claimed = await db
    .prepare(
      `INSERT INTO guest_export_emails (guest_id, sent_at) VALUES (?1, ?2)
       ON CONFLICT (guest_id) DO UPDATE SET sent_at = excluded.sent_at WHERE sent_at <= ?3 RETURNING sent_at`,
    )
    .bind(guestId, now, now - EXPORT_EMAIL.intervalMs)
    .first<{ sent_at: number }>();
  if (!claimed) {
    const retryAfter = Math.max(1, Math.ceil(((previous?.sent_at ?? now) + EXPORT_EMAIL.intervalMs - now) / 1000));
    throw rateLimited('export_emails_per_guest', retryAfter, 'Your data was emailed less than an hour ago: one email an hour. Download it here instead, or try again later.');
  }
  return previous?.sent_at ?? null;
}

async function giveBack(db: D1Database, guestId: string, previous: number | null): Promise<void> {
  await (previous === null
    ? db.prepare('DELETE FROM guest_export_emails WHERE guest_id = ?').bind(guestId)
    : db.prepare('UPDATE guest_export_emails SET sent_at = ? WHERE guest_id = ?').bind(previous, guestId)
  ).run();
}

/** Emails the guest a link to their export, at the address they gave (the one transcripts and digests use). */
export async function emailExportLink(env: Env, guest: Guest): Promise<{ email: string; expiresAt: string }> {
  if (!guest.email) throw new HttpError(422, 'guest_email_required', 'There is no email address for you here: download your data instead.');
  const now = Date.now();
  const previous = await claimHour(env, guest.id, now);
  const expires = Math.floor(now / 1000) + EXPORT_EMAIL.linkLifetimeS;
  const token = await signServerToken(env, { typ: 'export', audience: AUDIENCE, subject: guest.id, expires });
  const url = `${env.PUBLIC_BASE_URL}/api/exports/${token}`;
  const brand = brandOf(env);
  const content = renderEmail({
    brand,
    preview: 'The link to download everything we hold about you.',
    heading: 'Your data',
    paragraphs: [
      `You asked for a copy of everything ${brand.name} holds about you: your conversations, meetings and contact details, as one JSON file.`,
      'The link works for 24 hours. If you did not ask for it, you can ignore this email.',
    ],
    buttons: [{ label: 'Download my data', url }],
  });
  try {
    await mailerFor(env).send({ id: newId('em'), from: senderAddress(env), to: [{ name: guest.name, email: guest.email }], subject: `Your data — ${brand.name}`, ...content });
  } catch (err) {
    await giveBack(env.DB, guest.id, previous);
    if (!(err instanceof EmailSendError)) throw err;
    throw new HttpError(503, 'email_send_failed', 'The email could not be sent just now: download your data instead, or try again in a few minutes.');
  }
  return { email: guest.email, expiresAt: new Date(expires * 1000).toISOString() };
}

/** The guest an emailed export link names: `401 invalid_link`, `410 link_expired` as any signed link. */
export async function verifyExportLink(env: Env, token: string): Promise<string> {
  return (await verifyLinkToken(env, token, 'export', AUDIENCE, 'export')).sub;
}
