import type { Env } from '../env';
import type { WebhookEvent } from './webhook-events';
import { subscriptions } from './webhook-registry';
import { webhookActor } from './stub';

/**
 * Hands events to the actor of every enabled endpoint subscribed to them. Once `enqueue`
 * has answered, the event is stored in that actor and will be delivered; the emitter never
 * waits for a receiver. Throws when the directory or an actor cannot be reached, so a
 * caller with a job table can retry (the calendar does); enqueueing twice is harmless.
 */
export async function emitWebhookEvents(env: Env, events: WebhookEvent[]): Promise<void> {
  const byType = await subscriptions(env.DB);
  for (const event of events) {
    const endpoints = byType.get(event.type) ?? [];
    await Promise.all(endpoints.map((id) => webhookActor(env, id).enqueue(id, event)));
  }
}

/**
 * For callers that must not wait or fail (a chat message): runs after the answer, tries
 * three times over a few seconds, then logs. Events lost this way are the cost of keeping
 * the chat path free of a second durable write; docs/integrations.md says so. The events are
 * only built (ids are hashes) when some endpoint subscribes at all: most messages have none.
 */
export function emitInBackground(ctx: { waitUntil(promise: Promise<unknown>): void }, env: Env, build: () => Promise<WebhookEvent[]>): void {
  const run = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        if ((await subscriptions(env.DB)).size === 0) return;
        await emitWebhookEvents(env, await build());
        return;
      } catch (err) {
        if (attempt === 3) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500 * 4 ** (attempt - 1)));
      }
    }
  };
  ctx.waitUntil(run().catch((err: unknown) => console.error('webhook events not queued', err)));
}
