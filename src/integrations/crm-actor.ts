import { newId } from '../directory/ids';
import type { Env } from '../env';
import { backoffDelay, type Backoff } from '../actor/backoff';
import type { JobResult } from '../actor/jobs';
import { QueueActor } from '../actor/queue-actor';
import { CrmError, PROVIDER_NAMES, type CrmClient, type CrmProvider, type CrmPushRequest } from './crm';
import { CrmStore, migrate, type Push } from './crm-store';
import { HubSpotClient } from './hubspot';
import { SalesforceClient } from './salesforce';
import { conversationActor } from '../conversation/stub';

/** 30 s doubling to an hour; 10 attempts span about 3 hours (30 s, 1, 2, 4, 8, 16, 32, 60, 60 minutes) before a push is given up and shown as failed. */
export const CRM_BACKOFF: Backoff = { baseMs: 30_000, capMs: 3_600_000 };
export const CRM_MAX_ATTEMPTS = 10;
/** A result that could not be posted into the conversation is posted again this much later. */
const REPORT_RETRY_MS = 60_000;


/** The configuration a provider still lacks, named for the error answer; empty when ready. */
export function missingConfiguration(env: Env, provider: CrmProvider): string[] {
  const need: Array<[string, string | undefined]> =
    provider === 'hubspot'
      ? [['HUBSPOT_TOKEN', env.HUBSPOT_TOKEN]]
      : [
          ['SALESFORCE_INSTANCE_URL', env.SALESFORCE_INSTANCE_URL],
          ['SALESFORCE_REFRESH_TOKEN', env.SALESFORCE_REFRESH_TOKEN],
          ['SALESFORCE_CLIENT_ID', env.SALESFORCE_CLIENT_ID],
          ['SALESFORCE_CLIENT_SECRET', env.SALESFORCE_CLIENT_SECRET],
        ];
  return need.filter(([, value]) => !value).map(([name]) => name);
}

interface StoredSession {
  accessToken: string;
  instanceUrl: string;
  refreshToken?: string;
  /** The configured refresh token this session descends from: a new secret starts afresh. */
  from: string;
}

/**
 * The queue of CRM pushes for one provider (one actor per provider, named by it). One actor
 * sees every call to the provider, so a 429, which limits the whole account, holds the whole
 * queue, and Salesforce's refreshed access token is kept in one place. Pushes run from the
 * actor's job, never from the agent's request; each step's result is stored before the next, so
 * a retry resumes where it failed. The result is posted into the conversation as an
 * agent-only timeline entry.
 */
export class CrmActor extends QueueActor<Env> {
  private readonly store: CrmStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'crm', migrate, CRM_BACKOFF);
    this.store = new CrmStore(ctx.storage.sql, () => this.provider()!);
  }

  async enqueuePush(provider: CrmProvider, request: CrmPushRequest): Promise<{ id: string }> {
    this.store.saveSetting('provider', provider);
    const id = newId('crm');
    const now = Date.now();
    this.store.insert(id, request, now);
    await this.queue.nudge(now);
    return { id };
  }

  async pushes(conversationId: string): Promise<Push[]> {
    return this.provider() ? this.store.forConversation(conversationId) : [];
  }

  /** Works through what is due, then asks to run again when the next push is. */
  protected async drain(): Promise<JobResult> {
    const provider = this.provider();
    if (!provider) return;
    const now = Date.now();
    for (const { id } of this.store.due(now)) {
      // Re-read: an earlier push's 429 may have moved this one later.
      const push = this.store.get(id);
      if (!push || push.dueAt === null || push.dueAt > Date.now()) continue;
      if (push.status === 'queued') await this.attempt(provider, push);
      const after = this.store.get(id)!;
      if (after.status !== 'queued' && !after.reported) await this.report(provider, after);
    }
    const next = this.store.nextDue();
    return next === null ? undefined : { again: next };
  }

  private provider(): CrmProvider | null {
    return this.store.setting('provider') as CrmProvider | null;
  }

  private async attempt(provider: CrmProvider, push: Push): Promise<void> {
    const failures = push.attempts + 1;
    try {
      const client = this.client(provider);
      let record = push.record;
      if (!record) {
        record = await client.upsert(push.request.person);
        this.store.saveRecord(push.id, record);
      }
      if (!push.activityLogged) {
        await client.logActivity(record.id, push.request);
        this.store.markActivityLogged(push.id);
      }
      this.store.finish(push.id, { status: 'succeeded', recordUrl: await client.recordUrl(record.id) }, Date.now());
    } catch (err) {
      const error = err instanceof CrmError ? err : new CrmError(`Unexpected error: ${String(err)}`, 'backoff');
      const now = Date.now();
      if (error.retryAfterMs === null) {
        this.store.finish(push.id, { status: 'failed', error: error.message }, now);
      } else if (failures >= CRM_MAX_ATTEMPTS) {
        this.store.finish(push.id, { status: 'failed', error: `Gave up after ${failures} attempts. ${error.message}` }, now);
      } else {
        const wait = error.retryAfterMs === 'backoff' ? backoffDelay(CRM_BACKOFF, failures) : error.retryAfterMs;
        this.store.retry(push.id, now + wait, error.message);
        if (error.status === 429) this.store.holdQueued(now + wait);
      }
    }
  }

  /** Posts the outcome into the conversation, once (the client id makes a repeat land once). */
  private async report(provider: CrmProvider, push: Push): Promise<void> {
    const name = PROVIDER_NAMES[provider];
    const who = push.request.person.name;
    const succeeded = push.status === 'succeeded';
    const text = succeeded
      ? `${who} was ${push.record?.action ?? 'saved'} in ${name}: ${push.recordUrl}`
      : `Pushing ${who} to ${name} failed: ${push.error}`;
    try {
      const conversation = conversationActor(this.env, push.conversationId);
      await conversation.note(null, `crm:${push.id}`, text, {
        type: 'crm',
        provider,
        pushId: push.id,
        outcome: succeeded ? 'succeeded' : 'failed',
        action: succeeded ? (push.record?.action ?? null) : null,
        recordUrl: succeeded ? push.recordUrl : null,
        error: succeeded ? null : push.error,
        requestedBy: push.request.requestedBy,
      });
      this.store.markReported(push.id);
    } catch (err) {
      console.error('CRM result not posted; will retry', push.id, err);
      this.store.reportLater(push.id, Date.now() + REPORT_RETRY_MS);
    }
  }

  private client(provider: CrmProvider): CrmClient {
    const missing = missingConfiguration(this.env, provider);
    if (missing.length > 0) throw new CrmError(`${PROVIDER_NAMES[provider]} is not configured: ${missing.join(', ')} missing.`, null);
    if (provider === 'hubspot') {
      return new HubSpotClient({
        token: this.env.HUBSPOT_TOKEN!,
        portalId: this.env.HUBSPOT_PORTAL_ID ?? '',
        cache: { get: (key) => this.store.setting(key), set: (key, value) => this.store.saveSetting(key, value) },
      });
    }
    const configured = this.env.SALESFORCE_REFRESH_TOKEN!;
    const stored = JSON.parse(this.store.setting('salesforce.session') ?? 'null') as StoredSession | null;
    const session = stored && stored.from === configured ? stored : null;
    return new SalesforceClient({
      instanceUrl: this.env.SALESFORCE_INSTANCE_URL,
      loginUrl: this.env.SALESFORCE_LOGIN_URL,
      apiVersion: this.env.SALESFORCE_API_VERSION || '62.0',
      clientId: this.env.SALESFORCE_CLIENT_ID!,
      clientSecret: this.env.SALESFORCE_CLIENT_SECRET!,
      // Salesforce may rotate the refresh token on each use; the newest one is the valid one.
      refreshToken: session?.refreshToken ?? configured,
      initialAccessToken: this.env.SALESFORCE_ACCESS_TOKEN || null,
      session: {
        get: () => {
          const current = JSON.parse(this.store.setting('salesforce.session') ?? 'null') as StoredSession | null;
          return current && current.from === configured ? current : null;
        },
        set: (next) => {
          const previous = session?.refreshToken;
          const value: StoredSession = { ...next, from: configured };
          if (!next.refreshToken && previous) value.refreshToken = previous;
          this.store.saveSetting('salesforce.session', JSON.stringify(value));
        },
      },
    });
  }
}
