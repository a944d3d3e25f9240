import { z } from 'zod';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { found, HttpError, notFound } from '../http/errors';
import { getGuest } from '../directory/guests';
import { Id } from '../directory/schemas';
import type { Env } from '../env';
import type { ExportViewer } from '../conversation/actor';
import { findErasure, startErasure } from './erasure';
import { agentsMayExport, guestExport, setAgentsMayExport } from './export';
import { emailExportLink, verifyExportLink } from './export-email';

const admin = endpointsFor('Admin: privacy', 'admin');
const GuestParams = z.object({ id: Id });

const ErasureView = z.object({
  id: z.string(),
  guestId: z.string(),
  state: z.enum(['running', 'complete']),
  steps: z.object({ done: z.number().int(), total: z.number().int() }).describe('Steps are the actors holding the guest’s data; the total may grow while it runs (a conversation’s calendar).'),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  statusUrl: z.string(),
});

const PrivacySettings = z.object({ agentsMayExport: z.boolean() });

/** The export as a file to save: one JSON document (docs/privacy.md "Exporting a guest"). */
async function download(env: Env, guestId: string, viewer: ExportViewer): Promise<Response> {
  const body = await guestExport(env, guestId, viewer);
  return Response.json(body, { headers: { 'content-disposition': `attachment; filename="doorbell-guest-${guestId}.json"`, 'cache-control': 'no-store' } });
}

const withStatusUrl = (view: NonNullable<Awaited<ReturnType<typeof findErasure>>>) => ({ ...view, statusUrl: `/api/admin/erasures/${view.id}` });

export const eraseGuestEndpoint = admin({
  summary: 'Erase a guest: their messages become tombstones, their name "Deleted guest", their meetings cancelled (docs/privacy.md)',
  params: GuestParams,
  body: z.strictObject({ confirm: z.string().max(64).describe('The guest id again.') }),
  response: ErasureView,
  status: 202,
  errors: [404],
  audit: { entity: 'guest', action: 'erase', id: ({ params }) => params.id },
  handle: async ({ env, params, body }) => {
    if (body.confirm !== params.id) throw new HttpError(400, 'erase_not_confirmed', 'confirm must repeat the guest id.', { expected: 'the guest id in the path' });
    return withStatusUrl(await startErasure(env, params.id));
  },
});

export const erasureStatusEndpoint = admin({
  summary: 'How far a guest’s erasure is',
  params: GuestParams,
  response: ErasureView,
  errors: [404],
  handle: async ({ env, params }) => {
    const view = await findErasure(env.DB, params.id);
    if (!view) throw notFound('Erasure');
    return withStatusUrl(view);
  },
});

export const adminExportEndpoint = admin({
  summary: 'Everything held about a guest, as one JSON document (agents-only entries flagged)',
  params: GuestParams,
  errors: [404],
  audit: { entity: 'guest', action: 'export', id: ({ params }) => params.id, access: true },
  handle: ({ env, params }) => download(env, params.id, 'admin'),
});

export const privacySettingsEndpoint = admin({
  summary: 'The privacy settings: whether agents may export guests',
  response: PrivacySettings,
  handle: async ({ env }) => ({ agentsMayExport: await agentsMayExport(env.DB) }),
});

export const updatePrivacySettingsEndpoint = admin({
  summary: 'Change the privacy settings',
  body: z.strictObject({ agentsMayExport: z.boolean() }),
  response: PrivacySettings,
  audit: { entity: 'privacy_settings', id: () => 'privacy', before: async ({ env }) => ({ agentsMayExport: await agentsMayExport(env.DB) }) },
  handle: async ({ env, body }) => {
    await setAgentsMayExport(env.DB, body.agentsMayExport);
    return { agentsMayExport: body.agentsMayExport };
  },
});

export const agentExportEndpoint = endpointsFor('Privacy', 'agent')({
  summary: 'A guest’s export, for an agent when the admin allows it: the conversations they may open',
  params: GuestParams,
  errors: [403, 404],
  audit: { entity: 'guest', action: 'export', id: ({ params }) => params.id, access: true },
  handle: async ({ env, params, principal }) => {
    if (!(await agentsMayExport(env.DB))) throw new HttpError(403, 'export_not_allowed', 'Only admins export guests here: the admin has not let agents.');
    return download(env, params.id, { agentId: principal.agent.id });
  },
});

const guests = endpointsFor('Guests', 'guest');

export const ownExportEndpoint = guests({
  summary: 'Everything held about the guest the token belongs to, as one JSON document',
  errors: [404],
  handle: ({ env, principal }) => download(env, principal.guestId, 'guest'),
});

export const emailOwnExportEndpoint = guests({
  summary: 'Emails the guest a link to their own export (valid 24 hours), at most once an hour',
  response: z.object({
    email: z.string().describe('Where it was sent: the address the guest gave.'),
    expiresAt: z.string().describe('When the link stops working.'),
  }),
  status: 202,
  errors: [404, 422, 429, 503],
  handle: ({ env, principal }) => emailExportLink(env, found(principal.guest, 'Guest')),
});

export const emailedExportEndpoint = endpointsFor('Guests', 'public')({
  summary: 'The export an emailed link leads to: the guest’s own, made as it is opened; the token is the right to read it',
  params: z.object({ token: z.string().min(1).max(2048) }),
  errors: [401, 404, 410],
  handle: async ({ env, params }) => {
    const guest = await getGuest(env.DB, await verifyExportLink(env, params.token));
    if (guest.erasedAt) throw new HttpError(401, 'guest_erased', 'This guest was erased: there is nothing to export any more.');
    return download(env, guest.id, 'guest');
  },
});

export const privacyRoutes: Routes = (api) =>
  api
    .get('/api/guests/me/export', ownExportEndpoint)
    .post('/api/guests/me/export/email', emailOwnExportEndpoint)
    .get('/api/exports/:token', emailedExportEndpoint)
    .get('/api/guests/:id/export', agentExportEndpoint)
    .get('/api/admin/guests/:id/export', adminExportEndpoint)
    .post('/api/admin/guests/:id/erase', eraseGuestEndpoint)
    .get('/api/admin/erasures/:id', erasureStatusEndpoint)
    .get('/api/admin/privacy', privacySettingsEndpoint)
    .put('/api/admin/privacy', updatePrivacySettingsEndpoint);
