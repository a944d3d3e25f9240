import { z } from 'zod';
import { Id, iso } from '../directory/schemas';
import { isDevelopment, type Env } from '../env';
import type { Routes } from '../http/api';
import { collection } from '../http/collection';
import { endpointsFor } from '../http/endpoint';
import { HttpError } from '../http/errors';
import { displayText } from '../http/validation';
import { requireOutboundUrl } from '../http/outbound-url';
import { WEBHOOK_EVENTS } from './webhook-events';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, updateWebhook } from './webhook-registry';
import { webhookActor } from './stub';

const tag = 'Admin: webhooks';

const EventType = z.enum(WEBHOOK_EVENTS);
const Events = z
  .array(EventType)
  .min(1, 'must name at least one event')
  .max(WEBHOOK_EVENTS.length)
  .transform((events) => [...new Set(events)].sort());

/** An absolute http(s) URL without credentials; https is required outside development (see `requireHttps`). */
const TargetUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.hash;
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL with no credentials and no #fragment');

const Description = displayText(200, 0);

/** Receivers' URLs carry signed business data: outside development only https is accepted. */
export function requireHttps(env: Pick<Env, 'ENVIRONMENT'>, url: string | undefined): void {
  if (url === undefined || isDevelopment(env) || new URL(url).protocol === 'https:') return;
  const message = 'must be an https URL (plain http is accepted only in development)';
  throw new HttpError(400, 'invalid_request', `The request body is not valid: url: ${message}.`, { where: 'body', problems: [{ path: 'url', message }] });
}

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(EventType),
  enabled: z.boolean(),
  disabledReason: z.enum(['admin', 'failing']).nullable().describe('"failing": turned off by the automatic rule (docs/integrations.md).'),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const Params = z.object({ id: Id });

// No field is unique: the same URL may be registered twice, say for different events.
const readWebhook = ({ env, params }: { env: Env; params: { id: string } }) => getWebhook(env.DB, params.id);
const webhooks = collection({ tag, access: 'admin', params: Params, view: WebhookView, unique: false, audit: { entity: 'webhook', read: readWebhook } });
const define = endpointsFor(tag, 'admin');

export const createWebhookEndpoint = define({
  summary: 'Register a webhook endpoint; the answer carries its signing secret, shown this once',
  body: z.strictObject({ url: TargetUrl, events: Events, description: Description.optional() }),
  response: z.object({ webhook: WebhookView, secret: z.string().describe('The HMAC key of Doorbell-Signature; not shown again.') }),
  status: 201,
  audit: { entity: 'webhook' },
  handle: async ({ env, body }) => {
    requireHttps(env, body.url);
    requireOutboundUrl(env, 'url', body.url);
    const { endpoint: webhook, secret } = await createWebhook(env.DB, body);
    return { webhook, secret };
  },
});

export const listWebhooksEndpoint = webhooks.list({
  summary: 'List webhook endpoints (without their secrets)',
  response: z.object({ webhooks: z.array(WebhookView) }),
  handle: async ({ env }) => ({ webhooks: await listWebhooks(env.DB) }),
});

export const getWebhookEndpoint = webhooks.get({
  summary: 'Read a webhook endpoint',
  handle: readWebhook,
});

export const updateWebhookEndpoint = webhooks.update({
  summary: 'Change a webhook endpoint: URL, events, description, or enabled (disabling drops its queued deliveries)',
  body: z
    .strictObject({ url: TargetUrl.optional(), events: Events.optional(), description: Description.nullable().optional(), enabled: z.boolean().optional() })
    .refine((v) => Object.values(v).some((value) => value !== undefined), 'name at least one field to change'),
  handle: async ({ env, params, body }) => {
    requireHttps(env, body.url);
    requireOutboundUrl(env, 'url', body.url);
    const webhook = await updateWebhook(env.DB, params.id, body);
    if (!webhook.enabled) await webhookActor(env, webhook.id).cancelPending('The endpoint was disabled by an admin.');
    return webhook;
  },
});

export const deleteWebhookEndpoint = webhooks.delete({
  summary: 'Delete a webhook endpoint, its queue and its delivery log',
  handle: async ({ env, params }) => {
    await deleteWebhook(env.DB, params.id);
    await webhookActor(env, params.id).purge();
  },
});

const DeliveryStatus = z.enum(['pending', 'delivered', 'failed', 'cancelled']);

const DeliveryView = z.object({
  eventId: z.string().describe('Also sent as the Doorbell-Webhook-Id header.'),
  type: EventType,
  status: DeliveryStatus,
  attempts: z.number().int(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable().describe("The receiver's last HTTP status; null when it could not be reached."),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable().describe('When the next retry is due; null unless pending.'),
  finishedAt: z.string().nullable(),
  attemptLog: z.array(z.object({ n: z.number().int(), at: z.string(), statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int() })),
  payload: z.unknown().describe('The JSON body that is sent.'),
});

export const webhookDeliveriesEndpoint = define({
  summary: "A webhook endpoint's delivery log, newest first: each event's status, attempts, response codes and next retry",
  params: Params,
  query: z.object({ status: DeliveryStatus.optional(), limit: z.coerce.number().int().min(1).max(100).default(50) }),
  response: z.object({ deliveries: z.array(DeliveryView) }),
  errors: [404],
  handle: async ({ env, params, query }) => {
    await getWebhook(env.DB, params.id);
    const deliveries = await webhookActor(env, params.id).deliveries(query.limit, query.status);
    return {
      deliveries: deliveries.map((d) => ({
        eventId: d.eventId,
        type: d.type as z.infer<typeof EventType>,
        status: d.status,
        attempts: d.attempts,
        createdAt: iso(d.createdAt),
        lastAttemptAt: iso(d.lastAttemptAt),
        lastStatusCode: d.lastStatus,
        lastError: d.lastError,
        nextAttemptAt: iso(d.nextAttemptAt),
        finishedAt: iso(d.finishedAt),
        attemptLog: d.attemptLog.map((a) => ({ n: a.n, at: iso(a.at), statusCode: a.status, error: a.error, durationMs: a.durationMs })),
        payload: JSON.parse(d.body) as unknown,
      })),
    };
  },
});

export const webhookRoutes: Routes = (api) =>
  api
    .get('/api/admin/webhooks', listWebhooksEndpoint)
    .post('/api/admin/webhooks', createWebhookEndpoint)
    .get('/api/admin/webhooks/:id', getWebhookEndpoint)
    .patch('/api/admin/webhooks/:id', updateWebhookEndpoint)
    .delete('/api/admin/webhooks/:id', deleteWebhookEndpoint)
    .get('/api/admin/webhooks/:id/deliveries', webhookDeliveriesEndpoint);
