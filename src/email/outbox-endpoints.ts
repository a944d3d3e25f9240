import { z } from 'zod';
import type { Env } from '../env';
import { isDevelopment } from '../env';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { HttpError } from '../http/errors';
import { escapeHtml } from './layout';
import { displayAddress } from './message';
import type { OutboxEmail } from './outbox';
import { getOutboxEmail, listOutbox } from './outbox';

/** Outside development these routes do not exist, and say so exactly as an unknown route would. */
function requireDevelopment(env: Env, request: Request): void {
  if (!isDevelopment(env)) {
    throw new HttpError(404, 'not_found', `No route ${request.method} ${new URL(request.url).pathname}.`);
  }
}

const development = endpointsFor('Development', 'public');

const attachmentUrl = (id: string, index: number): string =>
  `/dev/outbox/${encodeURIComponent(id)}/attachments/${index}`;

const addressSchema = z.object({ name: z.string().optional(), email: z.string() });

const outboxListSchema = z.object({
  emails: z.array(
    z.object({
      id: z.string(),
      createdAt: z.string(),
      from: addressSchema,
      to: z.array(addressSchema),
      subject: z.string(),
      text: z.string(),
      html: z.string(),
      raw: z.string(),
      attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), content: z.string(), url: z.string() })),
      headers: z.record(z.string(), z.string()).describe('Headers beyond From, To, Subject and the like: List-Unsubscribe, Auto-Submitted…'),
    }),
  ),
});

export const outboxJsonEndpoint = development({
  summary: 'Development only: the emails the outbox transport stored, newest first',
  errors: [404],
  query: z.object({ to: z.string().optional(), limit: z.coerce.number().int().min(1).max(500).optional() }),
  response: outboxListSchema,
  handle: async ({ env, request, query }) => {
    requireDevelopment(env, request);
    const emails = await listOutbox(env.DB, query);
    return {
      emails: emails.map((email) => ({
        ...email,
        attachments: email.attachments.map((a, index) => ({ ...a, url: attachmentUrl(email.id, index) })),
      })),
    };
  },
});

// The page's own policy forbids every script; the sandbox gives each email's HTML an opaque
// origin of its own, so neither can reach the other.
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-src 'self'";

function emailHtml(email: OutboxEmail): string {
  const attachments = email.attachments
    .map((a, index) => `<li><a href="${escapeHtml(attachmentUrl(email.id, index))}" download>${escapeHtml(a.filename)}</a> <small>${escapeHtml(a.contentType)}</small></li>`)
    .join('');
  return `<article>
<h2>${escapeHtml(email.subject)}</h2>
<dl>
<dt>From</dt><dd>${escapeHtml(displayAddress(email.from))}</dd>
<dt>To</dt><dd>${escapeHtml(email.to.map(displayAddress).join(', '))}</dd>
<dt>Time</dt><dd><time datetime="${escapeHtml(email.createdAt)}">${escapeHtml(email.createdAt)}</time></dd>
<dt>Id</dt><dd><code>${escapeHtml(email.id)}</code></dd>
</dl>
${attachments ? `<h3>Attachments</h3><ul>${attachments}</ul>` : ''}
<details open><summary>HTML</summary><iframe sandbox srcdoc="${escapeHtml(email.html)}" title="HTML body"></iframe></details>
<details><summary>Text</summary><pre>${escapeHtml(email.text)}</pre></details>
<details><summary>Raw MIME</summary><pre>${escapeHtml(email.raw)}</pre></details>
</article>`;
}

export const outboxPageEndpoint = development({
  summary: 'Development only: the outbox as a page',
  errors: [404],
  handle: async ({ env, request }) => {
    requireDevelopment(env, request);
    const emails = await listOutbox(env.DB);
    const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Doorbell outbox</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
article { border: 1px solid #ddd; border-radius: 8px; padding: 0 1rem 1rem; margin-bottom: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; }
dt { color: #666; }
dd { margin: 0; }
iframe { width: 100%; height: 24rem; border: 1px solid #eee; }
pre { white-space: pre-wrap; background: #f7f7f7; padding: .5rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>Outbox</h1>
<p>${emails.length === 0 ? 'No email yet.' : `${emails.length} email${emails.length === 1 ? '' : 's'}, newest first. <a href="/dev/outbox.json">JSON</a>`}</p>
${emails.map(emailHtml).join('\n')}
</body>
</html>`;
    return new Response(page, {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': PAGE_POLICY,
        'cache-control': 'no-store',
      },
    });
  },
});

export const outboxAttachmentEndpoint = development({
  summary: 'Development only: download an attachment of an email in the outbox',
  errors: [404],
  params: z.object({ id: z.string(), index: z.coerce.number().int().min(0) }),
  handle: async ({ env, request, params }) => {
    requireDevelopment(env, request);
    const attachment = (await getOutboxEmail(env.DB, params.id))?.attachments[params.index];
    if (!attachment) throw new HttpError(404, 'not_found', 'That attachment was not found.');
    return new Response(attachment.content, {
      headers: {
        'content-type': attachment.contentType,
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      },
    });
  },
});

export const outboxRoutes: Routes = (api) =>
  api
    .get('/dev/outbox', outboxPageEndpoint)
    .get('/dev/outbox.json', outboxJsonEndpoint)
    .get('/dev/outbox/:id/attachments/:index', outboxAttachmentEndpoint);
