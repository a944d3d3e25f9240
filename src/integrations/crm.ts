import { retryAfterMs } from '../actor/backoff';

/**
 * What the CRM pushes (C11) share: the person and the conversation being pushed, the error
 * that says whether to retry, and the HTTP call that sorts answers into those errors.
 */
export const CRM_PROVIDERS = ['hubspot', 'salesforce'] as const;
export type CrmProvider = (typeof CRM_PROVIDERS)[number];

export const PROVIDER_NAMES: Record<CrmProvider, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

export interface CrmPerson {
  name: string;
  email: string;
  phone: string | null;
  company: string | null;
}

/** A snapshot taken when the agent asked, so a retry hours later pushes what they saw. */
export interface CrmPushRequest {
  conversationId: string;
  person: CrmPerson;
  /** Plain text, one line per message, oldest first. */
  transcript: string;
  requestedBy: { id: string; name: string };
  requestedAt: number;
}

export interface CrmRecord {
  id: string;
  action: 'created' | 'updated';
}

/** What a provider client does; each step is retried on its own (see crm-actor.ts). */
export interface CrmClient {
  upsert(person: CrmPerson): Promise<CrmRecord>;
  logActivity(recordId: string, push: CrmPushRequest): Promise<void>;
  recordUrl(recordId: string): Promise<string>;
}

/**
 * A failed call. `retryAfterMs` is null for a permanent failure (a 4xx other than 429: the
 * same request would fail again), a number for the wait the provider asked for (429
 * Retry-After), or 'backoff' for our own schedule (5xx, network errors).
 */
export class CrmError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | 'backoff' | null,
    readonly status: number | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** The message of an error answer: Salesforce's `[{message, errorCode}]` or HubSpot's `{message, category}`. */
export function describeErrorBody(text: string): { message: string; code: string | null } {
  try {
    const body = JSON.parse(text) as unknown;
    const first = Array.isArray(body) ? body[0] : body;
    if (first && typeof first === 'object') {
      const record = first as Record<string, unknown>;
      const message = record.message ?? record.error_description ?? record.error;
      const code = record.errorCode ?? record.category ?? record.error ?? null;
      if (typeof message === 'string') return { message, code: typeof code === 'string' ? code : null };
    }
  } catch {
    // Not JSON: the text itself is the best description.
  }
  return { message: text.slice(0, 300) || 'no details', code: null };
}

/** Short, one-line text for a timeline entry. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 300);

/**
 * Sends a request and returns the answer when it is 2xx; otherwise throws a CrmError that
 * says whether to retry. 429 honours Retry-After; 5xx and network errors back off; other
 * 4xx are permanent (the caller may still handle 401 itself, e.g. to refresh a token).
 */
export async function crmFetch(provider: string, url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  } catch (err) {
    throw new CrmError(`${provider} could not be reached: ${oneLine(String(err))}`, 'backoff');
  }
  if (response.ok) return response;
  const { message, code } = describeErrorBody(await response.text().catch(() => ''));
  const text = `${provider} answered ${response.status}${code ? ` ${code}` : ''}: ${oneLine(message)}`;
  if (response.status === 429) throw new CrmError(text, retryAfterMs(response.headers.get('retry-after')) ?? 'backoff', 429, code);
  if (response.status >= 500) throw new CrmError(text, 'backoff', response.status, code);
  throw new CrmError(text, null, response.status, code);
}

/** A JSON call with a Bearer token, as both providers' REST APIs take them; an empty answer (204) is null. */
export async function crmJsonCall<T>(provider: string, url: string, method: string, token: string, body?: unknown): Promise<T> {
  const response = await crmFetch(provider, url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** "Ann Marie Lee" → first "Ann Marie", last "Lee"; a single word is the last name (Salesforce requires one). */
export function splitName(name: string): { first: string | null; last: string } {
  const words = name.trim().split(/\s+/);
  const last = words.pop() ?? name;
  return { first: words.length > 0 ? words.join(' ') : null, last };
}

/** The activity's heading: who pushed it, when, and from which conversation. */
export function activitySubject(push: CrmPushRequest): string {
  return `Doorbell chat with ${push.person.name}`;
}

export function activityIntro(push: CrmPushRequest): string {
  return `Conversation ${push.conversationId}, pushed by ${push.requestedBy.name} on ${new Date(push.requestedAt).toISOString()}.`;
}
