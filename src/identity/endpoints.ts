import { z } from 'zod';
import { conversationExists } from '../directory/conversations';
import { identifiedGuest, identityView, type GuestIdentity } from '../directory/guests';
import { GuestView, IdentityView, Slug, SlugParams } from '../directory/schemas';
import { getServiceBySlug } from '../directory/services';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { issueGuestToken } from '../http/auth';
import { requireEmbedOrigin } from '../http/embed';
import { endpointsFor } from '../http/endpoint';
import { HttpError, notFound } from '../http/errors';
import { conversationIdFor, guestConversationKey } from '../conversation/model';
import { removeSecret, rotateSecret, secretKey, secretStatus } from './secrets';
import { IDENTITY_TOKEN_MAX_LENGTH, organisationKeys, verifyIdentityToken } from './verify';

const admin = endpointsFor('Admin: identified visitors', 'admin');
const readStatus = async ({ env, params }: { env: Env; params: { slug: string } }) => secretStatus(env.DB, (await getServiceBySlug(env.DB, params.slug)).id);
// Recorded by the service's slug; the secret itself is redacted from the entry.
const audited = (action: string) => ({ entity: 'identity_secret', action, before: readStatus });

export const secretStatusEndpoint = admin({
  summary: 'Whether the service has a secret for user tokens, and since when (never the secret itself)',
  params: SlugParams,
  response: z.object({ set: z.boolean(), createdAt: z.string().nullable() }),
  errors: [404],
  handle: readStatus,
});

export const rotateSecretEndpoint = admin({
  summary: 'Make or replace the service’s HS256 secret for user tokens: answered this once; the old one stops verifying at once',
  params: SlugParams,
  response: z.object({ secret: z.string().describe('Keep it on your server: it is never shown again.'), createdAt: z.string() }),
  status: 201,
  errors: [404],
  audit: audited('rotate'),
  handle: async ({ env, params }) => rotateSecret(env.DB, (await getServiceBySlug(env.DB, params.slug)).id),
});

export const removeSecretEndpoint = admin({
  summary: 'Remove the service’s secret: HS256 user tokens are refused from now on',
  params: SlugParams,
  status: 204,
  errors: [404],
  audit: audited('delete'),
  handle: async ({ env, params }) => {
    if (!(await removeSecret(env.DB, (await getServiceBySlug(env.DB, params.slug)).id))) throw notFound(`An identity secret of service "${params.slug}"`);
  },
});

export const identifyEndpoint = endpointsFor('Guests', 'public')({
  summary: 'Exchange a user token signed by the site for the guest token of that user’s one guest, and their open conversation',
  body: z.strictObject({
    target: z.strictObject({ kind: z.literal('service'), slug: Slug }),
    token: z.string().min(1).max(IDENTITY_TOKEN_MAX_LENGTH).describe('The user token (docs/widget.md "Identified visitors").'),
  }),
  response: z.object({
    guest: GuestView.extend({ identity: IdentityView }),
    token: z.string(),
    conversation: z.string().nullable().describe('The id of this user’s conversation with the service, when there is one.'),
  }),
  errors: [401, 403, 404, 409, 503],
  handle: async ({ request, env, body }) => {
    await requireEmbedOrigin(request, env, { kind: 'service', slug: body.target.slug });
    const service = await getServiceBySlug(env.DB, body.target.slug);
    const keys = { secret: await secretKey(env.DB, service.id), jwks: organisationKeys(env) };
    if (!keys.secret && !keys.jwks) {
      throw new HttpError(409, 'identity_not_configured', `Service "${service.slug}" takes no user tokens: an admin sets its identity secret (or IDENTITY_JWKS_URL).`);
    }
    const claims = await verifyIdentityToken(body.token, keys, service.slug);
    const identity: GuestIdentity = { scope: claims.via === 'secret' ? `service:${service.id}` : 'organisation', externalId: claims.sub };
    const guest = await identifiedGuest(env.DB, identity, { name: claims.name ?? claims.email ?? claims.sub.slice(0, 120), email: claims.email });
    const origin = { kind: 'service' as const, service: { id: service.id, slug: service.slug, name: service.name, avatarUrl: service.avatarUrl }, viaWidget: true };
    const id = await conversationIdFor(guestConversationKey(guest.id, origin));
    return {
      guest: { ...guest, identity: identityView(identity) },
      token: await issueGuestToken(guest.id, env),
      conversation: (await conversationExists(env.DB, id)) ? id : null,
    };
  },
});

export const identityRoutes: Routes = (api) =>
  api
    .post('/api/guests/identify', identifyEndpoint)
    .get('/api/admin/services/:slug/identity-secret', secretStatusEndpoint)
    .post('/api/admin/services/:slug/identity-secret', rotateSecretEndpoint)
    .delete('/api/admin/services/:slug/identity-secret', removeSecretEndpoint);
