import type { ConversationState } from '../conversation/model';
import type { Entry } from '../conversation/protocol';

/** Every event a webhook endpoint can subscribe to (docs/integrations.md lists their payloads). */
export const WEBHOOK_EVENTS = [
  'conversation.created',
  'message.created',
  'conversation.assigned',
  'conversation.status_changed',
  'conversation.rated',
  'agent.left',
  'meeting.booked',
  'meeting.updated',
  'meeting.cancelled',
  'meeting.reminder',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/**
 * One event as it is delivered. `id` is derived from what happened (the conversation and
 * sequence number, the meeting and its version), so an event emitted twice is queued once
 * and a receiver can dedupe retries by it.
 */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: Record<string, unknown>;
}

async function eventId(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return `evt_${[...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export async function webhookEvent(type: WebhookEventType, key: string, at: number, data: Record<string, unknown>): Promise<WebhookEvent> {
  return { id: await eventId(`${type}|${key}`), type, createdAt: new Date(at).toISOString(), data };
}

/** The conversation as receivers see it: who it is with and where it belongs, no per-viewer title. */
function conversationSummary(id: string, state: ConversationState) {
  const origin = state.origin.kind === 'service' ? state.origin.service : state.origin.agent;
  return {
    id,
    origin: { kind: state.origin.kind, slug: origin.slug, name: origin.name },
    service: state.service ? { slug: state.service.slug, name: state.service.name } : null,
    visibility: state.visibility,
    agents: state.agents.map((a) => ({ id: a.id, slug: a.slug, name: a.name })),
    guests: state.guests.map((g) => ({ id: g.id, name: g.name })),
  };
}

/** The webhook event a timeline entry stands for, if any. */
export function conversationEventType(entry: Entry): WebhookEventType | null {
  if (entry.kind === 'message') return 'message.created';
  switch (entry.event?.type) {
    case 'created':
      return 'conversation.created';
    case 'assigned':
      return 'conversation.assigned';
    case 'left':
      return 'agent.left';
    case 'status':
      return 'conversation.status_changed';
    case 'rating':
      return 'conversation.rated';
    default:
      return null;
  }
}

/** The webhook events that newly committed timeline entries stand for. */
/** `fileLinks`: a signed link per attachment id of the entries (attachments/links.ts). */
export async function conversationEvents(conversationId: string, state: ConversationState, entries: Entry[], fileLinks: ReadonlyMap<string, string> = new Map()): Promise<WebhookEvent[]> {
  const events: WebhookEvent[] = [];
  const conversation = conversationSummary(conversationId, state);
  for (const entry of entries) {
    const at = Date.parse(entry.at);
    const key = `${conversationId}|${entry.seq}`;
    if (entry.kind === 'message') {
      events.push(
        await webhookEvent('message.created', key, at, {
          conversation,
          message: {
            seq: entry.seq,
            at: entry.at,
            author: entry.author,
            clientId: entry.clientId,
            text: entry.text,
            ...(entry.attachments ? { attachments: entry.attachments.map((a) => ({ ...a, url: fileLinks.get(a.id) ?? null })) } : {}),
          },
        }),
      );
      continue;
    }
    switch (entry.event?.type) {
      case 'created':
        // The pre-chat answers are the first guest's introduction: told once, with the conversation.
        events.push(await webhookEvent('conversation.created', key, at, { conversation, answers: state.answers ?? [] }));
        break;
      case 'assigned':
        events.push(
          await webhookEvent('conversation.assigned', key, at, {
            conversation,
            assignedBy: entry.author,
            service: entry.event.service,
            assignee: entry.event.assignee,
            agents: entry.event.agents,
          }),
        );
        break;
      case 'status':
        events.push(
          await webhookEvent('conversation.status_changed', key, at, {
            conversation,
            status: entry.event.status,
            until: entry.event.until ?? null,
            changedBy: entry.author,
          }),
        );
        break;
      case 'rating':
        events.push(
          await webhookEvent('conversation.rated', key, at, {
            conversation,
            resolution: entry.event.resolution,
            score: entry.event.score,
            comment: entry.event.comment,
            ratedBy: entry.author,
          }),
        );
        break;
      case 'left':
        events.push(await webhookEvent('agent.left', key, at, { conversation, agent: { id: entry.event.participant.id, name: entry.event.participant.name } }));
        break;
      default:
        break;
    }
  }
  return events;
}

export type MeetingAction = 'booked' | 'confirmed' | 'rescheduled' | 'duration_changed' | 'cancelled' | 'declined' | 'reminder';

const MEETING_EVENT: Record<MeetingAction, WebhookEventType> = {
  booked: 'meeting.booked',
  confirmed: 'meeting.updated',
  rescheduled: 'meeting.updated',
  duration_changed: 'meeting.updated',
  cancelled: 'meeting.cancelled',
  declined: 'meeting.cancelled',
  reminder: 'meeting.reminder',
};

export interface MeetingFacts {
  id: string;
  status: string;
  start: number;
  end: number;
  sequence: number;
  guest: { id: string; name: string; email: string; timeZone: string };
  conversationId: string;
  bookedBy: string;
  /** Absent from a job queued before meeting types existed. */
  type?: { slug: string; title: string };
  location?: { kind: string; text: string; url?: string } | null;
  answers?: Array<{ id: string; label: string; value: string }>;
}

/** A meeting change as a webhook event; `version` tells two changes of one kind apart (and keeps a repeat one event). */
export function meetingEvent(
  action: MeetingAction,
  version: string,
  agent: { id: string; slug: string; name: string; email: string },
  meeting: MeetingFacts,
  extra: Record<string, unknown> = {},
): Promise<WebhookEvent> {
  return webhookEvent(MEETING_EVENT[action], `${meeting.id}|${action}|${version}`, Date.now(), {
    action,
    meeting: {
      id: meeting.id,
      status: meeting.status,
      start: new Date(meeting.start).toISOString(),
      end: new Date(meeting.end).toISOString(),
      bookedBy: meeting.bookedBy,
      conversationId: meeting.conversationId,
      agent: { id: agent.id, slug: agent.slug, name: agent.name, email: agent.email },
      guest: meeting.guest,
      type: meeting.type ?? null,
      location: meeting.location ?? null,
      answers: meeting.answers ?? [],
    },
    ...extra,
  });
}
