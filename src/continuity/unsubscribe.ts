import { z } from 'zod';
import { findAgentById } from '../directory/agents';
import { findGuest } from '../directory/guests';
import { brandOf, escapeHtml } from '../email/layout';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { signServerToken, verifyServerToken } from '../http/auth';
import { endpointsFor } from '../http/endpoint';
import { HttpError } from '../http/errors';
import { inboxActor } from '../inbox/stub';

/**
 * The unsubscribe link of continuity digests (docs/email-continuity.md "Unsubscribing"): one
 * signed URL per recipient, which mail clients POST to (RFC 8058 one-click) and people open
 * (a page with a confirm button). It stops the digests of every conversation for that person:
 * a guest's address is recorded in digest_unsubscribes, an agent's emailWhenOffline setting is turned off.
 */

const AUDIENCE = 'doorbell-unsubscribe';
/** Mail is read late and kept: the link works for a year after the digest that carries it. */
const LIFETIME = '365d';

export const unsubscribeUrl = async (env: Env, participantId: string): Promise<string> =>
  `${env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/api/unsubscribe/${await signServerToken(env, { typ: 'unsubscribe', audience: AUDIENCE, subject: participantId, expires: LIFETIME })}`;

type Subscriber = { kind: 'guest' | 'agent'; id: string; name: string; email: string | null };

/** Who the link stops emails for: `400 invalid_unsubscribe_link` for anything not signed by us, `404` for someone no longer in the directory. */
async function subscriber(env: Env, token: string): Promise<Subscriber> {
  let id: string;
  try {
    id = (await verifyServerToken(env, token, 'unsubscribe', AUDIENCE)).sub;
  } catch (err) {
    const expired = err && typeof err === 'object' && 'code' in err && err.code === 'ERR_JWT_EXPIRED';
    throw expired ? new HttpError(410, 'link_expired', 'This unsubscribe link has expired: use the one in a newer email, or your settings.') : new HttpError(400, 'invalid_unsubscribe_link', 'This unsubscribe link is not valid.');
  }
  const person = id.startsWith('ag_') ? await findAgentById(env.DB, id) : await findGuest(env.DB, id);
  if (!person) throw new HttpError(404, 'not_found', 'Whoever this link was for is no longer known here.');
  return { kind: id.startsWith('ag_') ? 'agent' : 'guest', id, name: person.name, email: person.email };
}

/** Whether a guest's address stopped continuity digests. */
export async function digestsStopped(db: D1Database, email: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 FROM digest_unsubscribes WHERE email = ?').bind(email).first()) !== null;
}

async function stopDigests(env: Env, who: Subscriber): Promise<void> {
  if (who.kind === 'agent') await inboxActor(env, who.id).updateSettings({ emailWhenOffline: false });
  // A guest without an address never gets a digest: there is nothing to stop.
  else if (who.email) await env.DB.prepare('INSERT INTO digest_unsubscribes (email) VALUES (?) ON CONFLICT (email) DO NOTHING').bind(who.email).run();
}

/** The page has no script and posts to itself; only its own inline styles apply. */
function page(env: Env, title: string, body: string): Response {
  const { name, color } = brandOf(env);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · ${escapeHtml(name)}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #18181b; background: #f4f4f5; margin: 0; }
main { max-width: 30rem; margin: 3rem auto; background: #fff; border-top: 4px solid ${color}; border-radius: 8px; padding: 1.5rem 2rem; }
.org { color: ${color}; font-weight: bold; }
button { font: inherit; font-weight: bold; background: ${color}; color: #fff; border: 0; border-radius: 6px; padding: .6rem 1.2rem; cursor: pointer; }
button:focus-visible { outline: 3px solid #18181b; outline-offset: 2px; }
</style></head>
<body><main><p class="org">${escapeHtml(name)}</p><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return new Response(html, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    },
  });
}

const forAnyone = endpointsFor('Email continuity', 'public');
const TokenParams = z.object({ token: z.string().min(1).max(2048).describe('The signed token of the List-Unsubscribe link.') });

export const unsubscribePageEndpoint = forAnyone({
  summary: 'The page of a continuity digest’s unsubscribe link: says what it stops and asks to confirm (a form posting to the same URL); changes nothing',
  params: TokenParams,
  errors: [400, 404, 410],
  handle: async ({ env, params }) => {
    const who = await subscriber(env, params.token);
    return page(
      env,
      'Stop these emails?',
      `<p>${escapeHtml(who.name)}, you will no longer get emails with the messages you missed in your conversations. Nothing else changes.</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
    );
  },
});

export const unsubscribeEndpoint = forAnyone({
  summary: 'Stops continuity digests for whom the link was made, in every conversation (RFC 8058 one-click; any body is ignored); idempotent. A browser (Accept: text/html) gets a page saying so',
  params: TokenParams,
  response: z.object({ unsubscribed: z.literal(true), kind: z.enum(['guest', 'agent']).describe('An agent’s inbox setting emailWhenOffline is now off.') }),
  errors: [400, 404, 410],
  handle: async ({ env, request, params }) => {
    const who = await subscriber(env, params.token);
    await stopDigests(env, who);
    if (request.headers.get('accept')?.includes('text/html')) {
      return page(env, 'You are unsubscribed', `<p>${escapeHtml(who.name)}, you will no longer get emails with the messages you missed. You can still answer any email you have by replying to it.${who.kind === 'agent' ? ' Turn them back on in the console’s settings.' : ''}</p>`);
    }
    return { unsubscribed: true as const, kind: who.kind };
  },
});

export const unsubscribeRoutes: Routes = (api) => api.get('/api/unsubscribe/:token', unsubscribePageEndpoint).post('/api/unsubscribe/:token', unsubscribeEndpoint);
