import type { Env } from '../env';
import type { WebhookEvent } from './webhook-events';
import { subscribers } from './webhook-registry';

const webhookActor = (env: Env, endpointId: string) => env.WEBHOOKS.get(env.WEBHOOKS.idFromName(endpointId));

/**
 * Hands events to the actor of every enabled endpoint subscribed to them. Once `enqueue`
 * has answered, the event is stored in that actor and will be delivered; the emitter never
 * waits for a receiver. Throws when the directory or an actor cannot be reached, so a
 * caller with a job table can retry (the calendar does); enqueueing twice is harmless.
 */
export async function emitWebhookEvents(env: Env, events: WebhookEvent[]): Promise<void> {
  for (const event of events) {
    const endpoints = await subscribers(env.DB, event.type);
    await Promise.all(endpoints.map((id) => webhookActor(env, id).enqueue(id, event)));
  }
}

/**
 * For callers that must not wait or fail (a chat message): runs after the answer, tries
 * three times over a few seconds, then logs. Events lost this way are the cost of keeping
 * the chat path free of a second durable write; docs/integrations.md says so.
 */
export function emitInBackground(ctx: { waitUntil(promise: Promise<unknown>): void }, env: Env, events: Promise<WebhookEvent[]>): void {
  const run = async (): Promise<void> => {
    const list = await events;
    if (list.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await emitWebhookEvents(env, list);
        return;
      } catch (err) {
        if (attempt === 3) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500 * 4 ** (attempt - 1)));
      }
    }
  };
  ctx.waitUntil(run().catch((err: unknown) => console.error('webhook events not queued', err)));
}
