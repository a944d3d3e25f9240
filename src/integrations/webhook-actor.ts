import { isDevelopment, type Env } from '../env';
import { outboundUrlProblem } from '../http/outbound-url';
import { backoffDelay, type Backoff } from '../actor/backoff';
import type { JobResult } from '../actor/jobs';
import { QueueActor } from '../actor/queue-actor';
import { ATTEMPT_HEADER, EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './signing';
import type { WebhookEvent } from './webhook-events';
import { deliveryTarget, disableFailingWebhook, type DeliveryTarget } from './webhook-registry';
import { migrate, WebhookStore, type Delivery, type DeliveryStatus } from './webhook-store';

/**
 * Retry policy (docs/integrations.md): 1 minute doubling to a 6-hour cap; 14 attempts span
 * about 32.5 hours (1+2+…+256 minutes, then 5 × 6 hours), so a receiver that is down for a
 * whole day still gets every event.
 */
export const WEBHOOK_BACKOFF: Backoff = { baseMs: 60_000, capMs: 6 * 3_600_000 };
export const WEBHOOK_MAX_ATTEMPTS = 14;
/** Each attempt waits at most this long for the receiver's answer. */
const ATTEMPT_TIMEOUT_MS = 15_000;
/** Deliveries sent at once by one alarm run, and taken per run. */
const PARALLEL = 8;
const BATCH = 64;
/** Finished deliveries stay in the log this long. */
const LOG_RETENTION_MS = 7 * 86_400_000;


/**
 * One webhook endpoint's queue and delivery log, drained by the actor's job (actor/jobs.ts),
 * due when the earliest delivery is. One actor per
 * endpoint, so a slow or dead receiver never delays another endpoint's deliveries, and
 * deleting an endpoint deletes its log with it.
 */
export class WebhookActor extends QueueActor<Env> {
  private readonly store: WebhookStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'webhook', migrate, WEBHOOK_BACKOFF);
    this.store = new WebhookStore(ctx.storage.sql);
  }

  /** Queues an event for delivery; a repeat of the same event id changes nothing. */
  async enqueue(endpointId: string, event: WebhookEvent): Promise<{ queued: boolean }> {
    const now = Date.now();
    const queued = this.store.enqueue(endpointId, event, now);
    if (queued) {
      await this.queue.nudge(now);
    }
    return { queued };
  }

  async deliveries(limit: number, status?: DeliveryStatus): Promise<ReturnType<WebhookStore['list']>> {
    return this.store.list(limit, status);
  }

  /** The deliveries whose event names a guest (their id quoted, as event bodies hold it). */
  async deliveriesNaming(guestId: string, limit: number): Promise<Delivery[]> {
    return this.store.naming(JSON.stringify(guestId), limit);
  }

  /** The endpoint was disabled: what is still queued is dropped, and says why. */
  async cancelPending(reason: string): Promise<number> {
    const cancelled = this.store.cancelPending(reason, Date.now());
    await this.queue.stop();
    return cancelled;
  }

  /** The endpoint was deleted: its queue and log go too. */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAll();
    // deleteAll drops the tables too; this instance may still be asked (an empty log), so recreate them.
    migrate(this.ctx.storage.sql);
    await this.queue.stop();
  }

  /** Sends what is due, then asks to run again when the next delivery is. */
  protected async drain(): Promise<JobResult> {
    const endpointId = this.store.endpointId();
    if (!endpointId) return;
    const target = await deliveryTarget(this.env.DB, endpointId);
    if (!target) {
      await this.purge();
      return;
    }
    if (!target.enabled) {
      this.store.cancelPending('The endpoint is disabled.', Date.now());
    } else {
      const due = this.store.due(Date.now(), BATCH);
      for (let i = 0; i < due.length; i += PARALLEL) {
        await Promise.all(due.slice(i, i + PARALLEL).map((delivery) => this.attempt(endpointId, target, delivery)));
      }
    }
    this.store.prune(Date.now() - LOG_RETENTION_MS);
    const next = this.store.nextDue();
    return next === null ? undefined : { again: next };
  }

  /**
   * One attempt. A 2xx answer is delivered; anything else (another status, a redirect, a
   * timeout, a network error) is retried until the last attempt. If the actor is evicted
   * between the send and the record, the next alarm sends it again: delivery is at least
   * once, and receivers dedupe by the Doorbell-Webhook-Id header.
   */
  private async attempt(endpointId: string, target: DeliveryTarget, delivery: Delivery): Promise<void> {
    const started = Date.now();
    const n = delivery.attempts + 1;
    let status: number | null = null;
    // Checked again at each send: an endpoint stored before the rule, or by another route, gets nothing.
    const refused = outboundUrlProblem(target.url, { allowLoopback: isDevelopment(this.env) });
    let error: string | null = refused && `Not sent: ${refused}.`;
    if (refused === null) {
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Doorbell-Webhooks/1',
            [ID_HEADER]: delivery.eventId,
            [EVENT_HEADER]: delivery.type,
            [ATTEMPT_HEADER]: String(n),
            [SIGNATURE_HEADER]: await signatureHeader(target.secret, Math.floor(started / 1000), delivery.body),
          },
          body: delivery.body,
        });
        status = response.status;
        const text = await answerStart(response);
        if (status < 200 || status > 299) error = `The endpoint answered HTTP ${status}${text ? `: ${text}` : ''}.`;
      } catch (err) {
        error = err instanceof Error && err.name === 'TimeoutError' ? `No answer within ${ATTEMPT_TIMEOUT_MS / 1000} s.` : `Could not reach the endpoint: ${String(err)}`;
      }
    }
    const at = Date.now();
    const durationMs = at - started;
    if (error === null) {
      this.store.record(delivery, { at, status, error, durationMs, outcome: { status: 'delivered' } });
      return;
    }
    if (n < WEBHOOK_MAX_ATTEMPTS) {
      this.store.record(delivery, { at, status, error, durationMs, outcome: { status: 'pending', nextAttemptAt: at + backoffDelay(WEBHOOK_BACKOFF, n) } });
      return;
    }
    this.store.record(delivery, { at, status, error, durationMs, outcome: { status: 'failed' } });
    // The automatic rule: a delivery failed all its attempts and nothing reached the endpoint
    // since that delivery's first try, so the receiver has been failing for more than a day.
    const lastSuccess = this.store.lastSuccessAt();
    if (lastSuccess === null || lastSuccess < (delivery.firstAttemptAt ?? started)) {
      if (await disableFailingWebhook(this.env.DB, endpointId)) {
        console.warn('webhook endpoint disabled after repeated failures', endpointId);
        this.store.cancelPending('The endpoint was disabled after repeated failures.', at);
      }
    }
  }
}

/** The first 200 characters of an answer, for the log; the rest is not read, so a huge or endless answer costs nothing. */
async function answerStart(response: Response, limit = 200): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A broken answer still has its status.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, limit);
}
