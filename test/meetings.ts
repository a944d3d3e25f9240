import { env } from 'cloudflare:workers';
import ICAL from 'ical.js';
import PostalMime from 'postal-mime';
import { call, drainJobsOf } from './helpers';

export const ALICE_ID = 'ag_demoAlice00000001';

/** The date `days` from now, as YYYY-MM-DD. */
export const dayFromNow = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export async function slots(slug = 'alice', timeZone = 'America/New_York', duration = 30, from = dayFromNow(3), days = 7) {
  const r = await call('GET', `/api/agents/${slug}/slots?timeZone=${encodeURIComponent(timeZone)}&from=${from}&days=${days}&duration=${duration}`);
  if (r.status !== 200) throw new Error(`slots: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.slots as Array<{ start: string; end: string; date: string; time: string; offset: string }>;
}

export function book(start: string, extra: Record<string, unknown> = {}, slug = 'alice') {
  return call('POST', `/api/agents/${slug}/bookings`, {
    body: { start, durationMinutes: 30, name: 'Gina Guest', email: 'gina@example.com', timeZone: 'America/New_York', ...extra },
  });
}

export const calendarStub = (agentId = ALICE_ID) => env.CALENDARS.get(env.CALENDARS.idFromName(agentId));

/** Runs the calendar's jobs until none is due (the actor's clock can be a little ahead of the test's; reminders are hours away, so a minute of slack is safe). */
export const drainJobs = (agentId = ALICE_ID): Promise<void> => drainJobsOf(calendarStub(agentId), 60_000);

export interface ParsedEmail {
  to: string;
  subject: string;
  text: string;
  replyTo: string | null;
  calendar: { method: string; sequence: number; uid: string; status: string; start: string; partstats: Record<string, string> } | null;
}

/** Every email in the development outbox, parsed back from its raw MIME as a mail client would. */
export async function outbox(): Promise<ParsedEmail[]> {
  const { results } = await env.DB.prepare('SELECT raw FROM outbox ORDER BY created_at, rowid').all<{ raw: string }>();
  const parsed: ParsedEmail[] = [];
  for (const { raw } of results) {
    const mail = await PostalMime.parse(raw);
    const ics = mail.attachments.find((a) => a.mimeType.startsWith('text/calendar'));
    let calendar: ParsedEmail['calendar'] = null;
    if (ics) {
      const content = typeof ics.content === 'string' ? ics.content : new TextDecoder().decode(ics.content);
      const vcalendar = new ICAL.Component(ICAL.parse(content));
      const vevent = vcalendar.getFirstSubcomponent('vevent')!;
      const partstats: Record<string, string> = {};
      for (const attendee of vevent.getAllProperties('attendee')) {
        partstats[String(attendee.getFirstValue()).replace(/^mailto:/i, '').toLowerCase()] = String(attendee.getParameter('partstat'));
      }
      calendar = {
        method: String(vcalendar.getFirstPropertyValue('method')),
        sequence: Number(vevent.getFirstPropertyValue('sequence')),
        uid: String(vevent.getFirstPropertyValue('uid')),
        status: String(vevent.getFirstPropertyValue('status')),
        start: (vevent.getFirstPropertyValue('dtstart') as unknown as ICAL.Time).toJSDate().toISOString(),
        partstats,
      };
    }
    parsed.push({ to: mail.to?.[0]?.address ?? '', subject: mail.subject ?? '', text: mail.text ?? '', replyTo: mail.replyTo?.[0]?.address ?? null, calendar });
  }
  return parsed;
}

export async function clearOutbox(): Promise<void> {
  await env.DB.prepare('DELETE FROM outbox').run();
}
