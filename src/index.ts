import { attachmentRoutes } from './attachments/endpoints';
import { auditRoutes } from './audit/endpoints';
import { backupRoutes } from './backup/endpoints';
import { calendarRoutes } from './calendar/endpoints';
import { offerRoutes } from './calendar/offer-endpoints';
import { liveRoutes } from './calendar/live-endpoints';
import { meetingTypeRoutes } from './calendar/type-endpoints';
import { cannedRoutes } from './canned/endpoints';
import { conversationRoutes } from './conversation/endpoints';
import { unsubscribeRoutes } from './continuity/unsubscribe';
import { adminDirectoryRoutes } from './directory/admin-endpoints';
import { contactRoutes } from './directory/contact-endpoints';
import { publicDirectoryRoutes } from './directory/public-endpoints';
import { outboxRoutes } from './email/outbox-endpoints';
import type { Env } from './env';
import { Api } from './http/api';
import { preflight, withCors } from './http/cors';
import { errorResponse, HttpError } from './http/errors';
import { beginRequest, finishRequest } from './http/request-log';
import { systemRoutes } from './http/system-endpoints';
import { identityRoutes } from './identity/endpoints';
import { inboxRoutes } from './inbox/endpoints';
import { labelRoutes } from './labels/endpoints';
import { crmRoutes } from './integrations/crm-endpoints';
import { webhookRoutes } from './integrations/webhook-endpoints';
import { receiveEmail } from './inbound-email';
import { startRetention } from './retention/actor';
import { retentionRoutes } from './retention/endpoints';
import { searchRoutes } from './search/endpoints';
import { privacyRoutes } from './privacy/endpoints';

export { CalendarActor } from './calendar/actor';
export { ConversationActor } from './conversation/actor';
export { InboxActor } from './inbox/actor';
export { CrmActor } from './integrations/crm-actor';
export { WebhookActor } from './integrations/webhook-actor';
export { RetentionActor } from './retention/actor';

// Each feature's routes live beside its handlers. Order counts (the first match answers) and
// is the order of /openapi.json's paths.
const api = new Api().include(
  systemRoutes,
  publicDirectoryRoutes,
  contactRoutes,
  crmRoutes,
  conversationRoutes,
  attachmentRoutes,
  inboxRoutes,
  searchRoutes,
  calendarRoutes,
  offerRoutes,
  liveRoutes,
  meetingTypeRoutes,
  outboxRoutes,
  adminDirectoryRoutes,
  auditRoutes,
  webhookRoutes,
  cannedRoutes,
  labelRoutes,
  identityRoutes,
  unsubscribeRoutes,
  retentionRoutes,
  privacyRoutes,
  backupRoutes,
);

/** Paths the API owns, answered with its 404 when no route has them; the rest are static assets. */
const isApiPath = (pathname: string): boolean => pathname.startsWith('/api/') || pathname.startsWith('/dev/');

async function answer(request: Request, env: Env, ctx: ExecutionContext, pathname: string): Promise<Response> {
  const early = await preflight(request, env, (method) => api.accessOf(method, pathname));
  if (early) return early;
  const access = api.accessOf(request.method, pathname);
  const answered = await api.handle(request, env, ctx);
  if (answered) return withCors(request, env, answered, access);
  if (isApiPath(pathname)) {
    return withCors(request, env, errorResponse(new HttpError(404, 'not_found', `No route ${request.method} ${pathname}.`)), undefined);
  }
  return env.ASSETS.fetch(request);
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const log = beginRequest(request);
    const { pathname } = new URL(request.url);
    const response = await answer(request, env, ctx, pathname).catch(errorResponse);
    // The pattern only: a path such as /api/meetings/<token> must not put the token in the log.
    const route = api.routeOf(request.method, pathname)?.path ?? (isApiPath(pathname) ? 'unmatched' : 'static');
    return finishRequest(log, request, response, route);
  },
  email: (message, env) => receiveEmail(message, env),
  // The daily Cron Trigger (wrangler.toml [triggers]): retention (docs/privacy.md "Retention").
  scheduled: async (controller, env) => startRetention(env, controller.scheduledTime),
} satisfies ExportedHandler<Env>;
