import type { Env } from '../env';
import type { WebhookEvent } from './webhook-events';
import { subscriptions } from './webhook-registry';
import { webhookActor } from './stub';

/**
 * Hands events to the actor of every enabled endpoint subscribed to them. Once `enqueue`
 * has answered, the event is stored in that actor and will be delivered; the emitter never
 * waits for a receiver. Throws when the directory or an actor cannot be reached, so the
 * caller's job (actor/jobs.ts) is retried: the calendar's and the conversation's are;
 * enqueueing twice is harmless (the event id is the key).
 */
export async function emitWebhookEvents(env: Env, events: WebhookEvent[]): Promise<void> {
  const byType = await subscriptions(env.DB);
  for (const event of events) {
    const endpoints = byType.get(event.type) ?? [];
    await Promise.all(endpoints.map((id) => webhookActor(env, id).enqueue(id, event)));
  }
}
