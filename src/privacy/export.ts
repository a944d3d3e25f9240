import { calendarActor } from '../calendar/stub';
import type { Meeting } from '../calendar/store';
import type { ExportedConversation, ExportViewer } from '../conversation/actor';
import { conversationActor } from '../conversation/stub';
import { findContactByGuest, type Contact } from '../directory/contacts';
import { conversationsOfGuest } from '../directory/conversations';
import { getGuest, type Guest } from '../directory/guests';
import type { Env } from '../env';
import { webhookActor } from '../integrations/stub';
import { listWebhooks } from '../integrations/webhook-registry';
import type { Delivery } from '../integrations/webhook-store';

/** docs/privacy.md "Limits": conversations one export holds at most, and how many actors it reads at once. */
export const EXPORT_LIMITS = { conversations: 500, concurrency: 6, deliveriesPerWebhook: 200 } as const;

export interface GuestExport {
  exportedAt: string;
  guest: Guest;
  conversations: ExportedConversation[];
  /** More conversations than EXPORT_LIMITS.conversations, or (an agent's export) some they may not open, were left out. */
  conversationsLeftOut: number;
  meetings: Meeting[];
  contact: Contact | null;
  crm: { pushes: CrmPushNamed[]; note: string };
  /** Webhook events that named the guest, per endpoint, newest first: what was sent, and how it went. Admins' exports only. */
  webhooks: Array<{ webhookId: string; url: string; deliveries: Array<Omit<Delivery, 'body'> & { event: unknown }> }>;
}

interface CrmPushNamed {
  conversationId: string;
  pushId: string;
  provider: string;
  outcome: string;
  recordUrl: string | null;
  at: string;
}

const CRM_NOTE =
  'Records pushed to a CRM are kept there as they are: Doorbell neither changes nor deletes them, also when the guest is erased. Ask the CRM’s owner to erase them there.';

/** Runs `task` over `items`, at most `limit` at a time, keeping their order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Everything held about a guest, as one JSON document (docs/privacy.md "Exporting a guest"):
 * their record, the conversations they took part in (started, or joined by an invite) with their timelines, the meetings booked
 * with them, their phonebook contact, the CRM pushes and webhook deliveries that named them. The guest's own
 * export has no agents-only entry and no conversation status.
 */
export async function guestExport(env: Env, guestId: string, viewer: ExportViewer): Promise<GuestExport> {
  const guest = await getGuest(env.DB, guestId);
  const ids = await conversationsOfGuest(env.DB, guestId, EXPORT_LIMITS.conversations + 1);
  const read = await mapBounded(ids.slice(0, EXPORT_LIMITS.conversations), EXPORT_LIMITS.concurrency, async (id): Promise<ExportedConversation | { notOpen: true } | null> => await conversationActor(env, id).exportFor(viewer, guestId));
  const conversations = read.filter((c): c is ExportedConversation => c !== null && !('notOpen' in c));
  const agentIds = [...new Set(conversations.flatMap((c) => (c.agentId ? [c.agentId] : [])))];
  const meetings = (await mapBounded(agentIds, EXPORT_LIMITS.concurrency, (agentId) => calendarActor(env, agentId).guestMeetings(guestId))).flat();
  const pushes = conversations.flatMap((c) =>
    c.entries.flatMap((e) =>
      e.event?.type === 'crm'
        ? [{ conversationId: c.id, pushId: e.event.pushId, provider: e.event.provider, outcome: e.event.outcome, recordUrl: e.event.recordUrl, at: e.at }]
        : [],
    ),
  );
  // The organisation's integrations (their URLs may carry secrets) are an admin's business only.
  const endpoints = viewer === 'admin' ? await listWebhooks(env.DB) : [];
  const webhooks = await mapBounded(endpoints, EXPORT_LIMITS.concurrency, async (w) => ({
    webhookId: w.id,
    url: w.url,
    deliveries: (await webhookActor(env, w.id).deliveriesNaming(guestId, EXPORT_LIMITS.deliveriesPerWebhook)).map(({ body, ...d }) => ({ ...d, event: JSON.parse(body) as unknown })),
  }));
  return {
    exportedAt: new Date().toISOString(),
    guest,
    conversations,
    conversationsLeftOut: Math.max(0, ids.length - EXPORT_LIMITS.conversations) + read.filter((c) => c && 'notOpen' in c).length,
    meetings,
    contact: await findContactByGuest(env.DB, guestId),
    crm: { pushes, note: CRM_NOTE },
    webhooks: webhooks.filter((w) => w.deliveries.length > 0),
  };
}

/** Whether agents may export guests (docs/privacy.md); admins always may. */
export async function agentsMayExport(db: D1Database): Promise<boolean> {
  const row = await db.prepare('SELECT agents_may_export FROM privacy_settings').first<{ agents_may_export: number }>();
  return row?.agents_may_export === 1;
}

export async function setAgentsMayExport(db: D1Database, allowed: boolean): Promise<void> {
  await db
    .prepare('INSERT INTO privacy_settings (singleton, agents_may_export) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET agents_may_export = excluded.agents_may_export')
    .bind(allowed ? 1 : 0)
    .run();
}
