import * as meetings from './calendar/endpoints';
import * as conversations from './conversation/endpoints';
import * as admin from './directory/admin-endpoints';
import * as contacts from './directory/contact-endpoints';
import * as directory from './directory/public-endpoints';
import { receiveEmail } from './email/inbound';
import * as outbox from './email/outbox-endpoints';
import type { Env } from './env';
import { Api } from './http/api';
import { preflight, withCors } from './http/cors';
import { errorResponse, HttpError } from './http/errors';
import { healthEndpoint, openApiEndpoint } from './http/system-endpoints';
import * as crm from './integrations/crm-endpoints';
import * as webhooks from './integrations/webhook-endpoints';
import * as inboxSettings from './inbox/settings-endpoints';

export { CalendarActor } from './calendar/actor';
export { ConversationActor } from './conversation/actor';
export { InboxActor } from './inbox/actor';
export { CrmActor } from './integrations/crm-actor';
export { WebhookActor } from './integrations/webhook-actor';

const api: Api = new Api()
  .get('/healthz', healthEndpoint)
  .get('/openapi.json', openApiEndpoint(() => api.routes))

  .get('/api/public/agents/:slug', directory.publicAgentEndpoint)
  .get('/api/public/services/:slug', directory.publicServiceEndpoint)
  .post('/api/guests', directory.createGuestEndpoint)
  .get('/api/guests/me', directory.currentGuestEndpoint)
  .get('/api/agents/me', directory.currentAgentEndpoint)
  .get('/api/services', directory.agentServicesEndpoint)
  .get('/api/contacts', contacts.listContactsEndpoint)
  .post('/api/contacts', contacts.createContactEndpoint)
  .get('/api/contacts/:id', contacts.getContactEndpoint)
  .patch('/api/contacts/:id', contacts.updateContactEndpoint)
  .delete('/api/contacts/:id', contacts.deleteContactEndpoint)
  .post('/api/conversations/:id/contact', contacts.addGuestContactEndpoint)
  .get('/api/guests/:guestId/contact', contacts.guestContactEndpoint)
  .post('/api/conversations/:id/crm', crm.pushToCrmEndpoint)
  .get('/api/conversations/:id/crm', crm.listCrmPushesEndpoint)

  .post('/api/conversations', conversations.startConversationEndpoint)
  .get('/api/conversations/:id', conversations.viewConversationEndpoint)
  .patch('/api/conversations/:id', conversations.updateConversationEndpoint)
  .get('/api/conversations/:id/messages', conversations.historyEndpoint)
  .post('/api/conversations/:id/messages', conversations.postMessageEndpoint)
  .get('/api/conversations/:id/socket', conversations.socketEndpoint)
  .post('/api/conversations/:id/join', conversations.joinEndpoint)
  .post('/api/conversations/:id/leave', conversations.leaveEndpoint)
  .post('/api/conversations/:id/assign', conversations.assignEndpoint)
  .post('/api/conversations/:id/invites', conversations.inviteEndpoint)
  .post('/api/invites/accept', conversations.acceptInviteEndpoint)
  .get('/api/inbox', conversations.inboxEndpoint)
  .get('/api/inbox/socket', conversations.inboxSocketEndpoint)
  .get('/api/inbox/settings', inboxSettings.inboxSettingsEndpoint)
  .patch('/api/inbox/settings', inboxSettings.updateInboxSettingsEndpoint)

  .get('/api/agents/:slug/slots', meetings.slotsEndpoint)
  .post('/api/agents/:slug/bookings', meetings.bookEndpoint)
  .get('/api/meetings/:token', meetings.guestMeetingEndpoint)
  .post('/api/meetings/:token/reschedule', meetings.guestRescheduleEndpoint)
  .post('/api/meetings/:token/cancel', meetings.guestCancelEndpoint)
  .get('/api/calendar', meetings.myCalendarEndpoint)
  .patch('/api/calendar/settings', meetings.updateSettingsEndpoint)
  .post('/api/calendar/feed/rotate', meetings.rotateFeedEndpoint)
  .get('/api/calendar/socket', meetings.calendarSocketEndpoint)
  .post('/api/calendar/meetings', meetings.agentBookEndpoint)
  .patch('/api/calendar/meetings/:id', meetings.agentChangeEndpoint)
  .delete('/api/calendar/meetings/:id', meetings.agentCancelEndpoint)
  .post('/api/calendar/meetings/:id/respond', meetings.agentRespondEndpoint)
  .get('/api/feeds/:slug/:secret', meetings.feedEndpoint)

  .get('/dev/outbox', outbox.outboxPageEndpoint)
  .get('/dev/outbox.json', outbox.outboxJsonEndpoint)
  .get('/dev/outbox/:id/attachments/:index', outbox.outboxAttachmentEndpoint)

  .get('/api/admin/agents', admin.listAgentsEndpoint)
  .post('/api/admin/agents', admin.createAgentEndpoint)
  .get('/api/admin/agents/:slug', admin.getAgentEndpoint)
  .patch('/api/admin/agents/:slug', admin.updateAgentEndpoint)
  .delete('/api/admin/agents/:slug', admin.deleteAgentEndpoint)
  .get('/api/admin/services', admin.listServicesEndpoint)
  .post('/api/admin/services', admin.createServiceEndpoint)
  .get('/api/admin/services/:slug', admin.getServiceEndpoint)
  .patch('/api/admin/services/:slug', admin.updateServiceEndpoint)
  .delete('/api/admin/services/:slug', admin.deleteServiceEndpoint)
  .put('/api/admin/services/:slug/members/:agentSlug', admin.addMemberEndpoint)
  .delete('/api/admin/services/:slug/members/:agentSlug', admin.removeMemberEndpoint)
  .get('/api/admin/webhooks', webhooks.listWebhooksEndpoint)
  .post('/api/admin/webhooks', webhooks.createWebhookEndpoint)
  .get('/api/admin/webhooks/:id', webhooks.getWebhookEndpoint)
  .patch('/api/admin/webhooks/:id', webhooks.updateWebhookEndpoint)
  .delete('/api/admin/webhooks/:id', webhooks.deleteWebhookEndpoint)
  .get('/api/admin/webhooks/:id/deliveries', webhooks.webhookDeliveriesEndpoint);

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const { pathname } = new URL(request.url);
    const early = await preflight(request, env, (method) => api.accessOf(method, pathname));
    if (early) return early;
    const access = api.accessOf(request.method, pathname);
    const answered = await api.handle(request, env, ctx);
    if (answered) return withCors(request, env, answered, access);
    if (pathname.startsWith('/api/') || pathname.startsWith('/dev/')) {
      return withCors(request, env, errorResponse(new HttpError(404, 'not_found', `No route ${request.method} ${pathname}.`)), undefined);
    }
    return env.ASSETS.fetch(request);
  },
  email: (message, env) => receiveEmail(message, env),
} satisfies ExportedHandler<Env>;
