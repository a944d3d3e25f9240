import type { Entry } from '../conversation/protocol';
import type { Env } from '../env';
import { signServerToken, verifyLinkToken } from '../http/auth';
import { HttpError } from '../http/errors';

/**
 * Signed links to a file (docs/attachments.md "Reading a file"): the token names the
 * conversation and the file and expires; holding it is the right to read that file until then.
 */
const AUDIENCE = 'doorbell-file';

/** How long a link lasts where it is given: the API's minutes, a webhook's day, an email's week. */
export const LINK_LIFETIME_S = { api: 10 * 60, webhook: 24 * 3600, email: 7 * 24 * 3600 } as const;

export async function signFileLink(env: Env, origin: string, conversationId: string, attachmentId: string, lifetimeS: number): Promise<{ url: string; expiresAt: string }> {
  const expires = Math.floor(Date.now() / 1000) + lifetimeS;
  const token = await signServerToken(env, { typ: 'file', audience: AUDIENCE, subject: conversationId, expires, claims: { att: attachmentId } });
  return { url: `${origin}/api/files/${token}`, expiresAt: new Date(expires * 1000).toISOString() };
}

export async function verifyFileLink(env: Env, token: string): Promise<{ conversationId: string; attachmentId: string }> {
  const payload = await verifyLinkToken(env, token, 'file', AUDIENCE, 'file');
  if (typeof payload.att !== 'string') throw new HttpError(401, 'invalid_link', 'This file link is not valid.');
  return { conversationId: payload.sub, attachmentId: payload.att };
}

/** Signed links, by attachment id, to every file the entries carry: for emails and webhooks, which outlive any request. */
export async function fileLinks(env: Env, conversationId: string, entries: readonly Entry[], lifetimeS: number): Promise<Map<string, string>> {
  const ids = entries.flatMap((e) => (e.attachments ?? []).map((a) => a.id));
  const links = await Promise.all(ids.map((id) => signFileLink(env, env.PUBLIC_BASE_URL, conversationId, id, lifetimeS)));
  return new Map(ids.map((id, i) => [id, links[i]!.url]));
}

/** A size as people read it: 980 B, 48 KB, 2.4 MB. */
export const sizeLabel = (bytes: number): string =>
  bytes < 1000 ? `${bytes} B` : bytes < 1_000_000 ? `${Math.round(bytes / 1000)} KB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
