import { z } from 'zod';
import { formatterFor } from '../time/zoned';
import { Availability } from './availability';
import { displayText } from '../http/validation';
import type { Language } from './languages';
import { PrechatForm } from './prechat';

export const licenses = ['basic', 'standard', 'premium'] as const;
export const License = z.enum(licenses).describe('basic, standard or premium; standard and premium are "licensed".');
export type License = z.infer<typeof License>;

export const Slug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1–64 lowercase letters, digits or inner hyphens');

export const DisplayName = displayText(120);

/** How many days something is kept (docs/privacy.md "Retention"): 1 to 3650, a whole number; null keeps it for good. */
export const RETENTION_MAX_DAYS = 3650;
export const RetentionDays = z.number().int().min(1).max(RETENTION_MAX_DAYS).nullable();

export const Email = z
  .email('must be an email address')
  .max(254)
  .transform((value) => value.toLowerCase());

/** An absolute http(s) URL, or a path on this server such as /avatars/alice.svg. */
export const AvatarUrl = z
  .string()
  .max(2048)
  .refine((value) => /^\/(?!\/)/.test(value) || /^https?:\/\/[^\s]+$/i.test(value), 'must be an http(s) URL or a path starting with /');

export const TimeZone = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      // The zone arithmetic's own formatter: made once per zone, which is the costly part.
      formatterFor(zone);
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Paris');

const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM');
/** A wall-clock range on one local day; `24:00` ends it at midnight (a range never runs past it). */
export const Range = z.strictObject({ start: Clock, end: Clock }).refine((r) => r.start < r.end, 'end must be after start');
export const Day = z.array(Range).max(8);

/** A day of business hours: its ranges may not overlap (which of two would say when it closes?). */
const OpenDay = Day.superRefine((ranges, ctx) => {
  const sorted = ranges.map((r, index) => ({ ...r, index })).sort((a, b) => (a.start < b.start ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (b.start < a.end) ctx.addIssue({ code: 'custom', path: [b.index], message: `overlaps ${a.start}–${a.end}` });
  }
});

/** A service's business hours (docs/rules.md "Business hours"); the shape of a calendar's weekly hours, holidays for its date overrides. */
export const BusinessHours = z
  .strictObject({
    timeZone: TimeZone,
    weeklyHours: z
      .strictObject({ mon: OpenDay, tue: OpenDay, wed: OpenDay, thu: OpenDay, fri: OpenDay, sat: OpenDay, sun: OpenDay })
      .partial()
      .describe('Open ranges per weekday in timeZone; a day left out or empty is closed. An empty week is never open.'),
    holidays: z
      .array(z.strictObject({ date: z.iso.date('must be a date YYYY-MM-DD'), name: displayText(80).optional() }))
      .max(366)
      .superRefine((days, ctx) => {
        const seen = new Set<string>();
        days.forEach((d, index) => {
          if (seen.has(d.date)) ctx.addIssue({ code: 'custom', path: [index, 'date'], message: 'is listed twice' });
          seen.add(d.date);
        });
      })
      .describe('Local dates in timeZone on which the service is closed all day.'),
  })
  .describe('Null: always open.');

/**
 * A site that may embed a service's widget, written exactly as browsers send it in the Origin
 * header (scheme, host, optional port; lowercase; no path, no trailing slash), because that
 * header is compared with it character for character.
 */
export const EmbedOrigin = z
  .string()
  .max(300)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  }, 'must be an origin such as https://shop.example.com (http or https, lowercase host, optional port, no path or trailing slash)');

export const EmbedOrigins = z
  .array(EmbedOrigin)
  .max(50, 'at most 50 origins per service')
  .transform((origins) => [...new Set(origins)].sort());

export const ConversationId = z.string().regex(/^cv_[a-f0-9]{32}$/, 'must be a conversation id');
/** The path parameters of a route about one conversation. */
export const ConversationParams = z.object({ id: ConversationId });

/** A time as the API's views write it: ISO 8601 in UTC; null (never) stays null. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export const Id = z.string().regex(/^[a-z]{2,4}_[A-Za-z0-9]{10,40}$/, 'must be an id');

export const AgentPublic = z.object({
  slug: Slug,
  name: z.string(),
  avatarUrl: z.string().nullable(),
});

/** What a guest reads of availability on a card (docs/rules.md "Availability"). */
const PublicAvailability = {
  availability: Availability.describe('offline while no console is open; else what the agent chose. A service: online if any licensed member is, else away if any is, else offline.'),
  availabilityMessage: z.string().describe('"Usually replies in a few minutes" when online, else "We’ll reply by email" (English; pages localize by `availability`).'),
};

const AgentDescription = { description: z.string().describe('What the agent tells guests about themselves (their booking page shows it); empty when none.') };

export const AgentCard = AgentPublic.extend(PublicAvailability).extend(AgentDescription);

export const AgentView = AgentPublic.extend(AgentDescription).extend({
  id: z.string(),
  email: z.string(),
  license: License,
  licensed: z.boolean(),
  timeZone: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** At most 2000 characters, line breaks kept (the booking page shows them). */
const AgentDescriptionText = z.string().trim().max(2000);

/** What agents change of themselves (PATCH /api/agents/me); the rest is the admin's. */
export const AgentSelfUpdate = z.strictObject({
  description: AgentDescriptionText.describe("A few lines for guests, shown on the agent's booking page (/u/{slug}/meet); empty for none"),
});

export const AgentCreate = z.strictObject({
  slug: Slug,
  name: DisplayName,
  email: Email,
  avatarUrl: AvatarUrl.nullable().optional(),
  description: AgentDescriptionText.optional().describe("A few lines for guests, shown on the agent's booking page (default empty)."),
  license: License,
  timeZone: TimeZone,
});
export type AgentCreate = z.output<typeof AgentCreate>;

export const AgentUpdate = AgentCreate.partial().refine((v) => Object.keys(v).length > 0, 'name at least one field to change');
export type AgentUpdate = z.output<typeof AgentUpdate>;

export const MemberView = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  avatarUrl: z.string().nullable(),
  license: License,
  licensed: z.boolean(),
});

/** A greeting per language; languages left out fall back to English (docs/widget.md "Languages"). */
const Greeting = displayText(300).optional();
export const Greetings = z.strictObject({ en: Greeting, fr: Greeting, de: Greeting, es: Greeting, it: Greeting } satisfies Record<Language, typeof Greeting>);
export type Greetings = z.output<typeof Greetings>;

export const ServicePublic = z.object({
  slug: Slug,
  name: z.string(),
  avatarUrl: z.string().nullable(),
  greetings: Greetings.describe('The greeting shown before the guest writes, per language (en, fr, de, es, it); empty when none is set.'),
});

export const ServiceCard = ServicePublic.extend(PublicAvailability).extend({
  prechat: PrechatForm.describe('What the widget and the service page ask before the first message (docs/widget.md "Pre-chat form").'),
  hoursStatus: z.enum(['open', 'away', 'closed']).describe('closed: outside its business hours; away: in hours but no licensed member online; open: in hours and one is (docs/rules.md "Business hours").'),
  opensAt: z.string().nullable().describe('While closed: when the hours next open (ISO instant); null when open, or when they never open within a year.'),
  closesAt: z.string().nullable().describe('While in hours: when they end (ISO instant); null when closed, or without hours (always open).'),
  firstResponseSeconds: z.number().int().nullable().describe('Median time to the first agent reply over the last 30 days, in seconds; null without any (docs/rules.md "First response").'),
});

export const ServiceView = ServicePublic.extend({
  id: z.string(),
  assignable: z.boolean().describe('True while the service has at least one licensed member.'),
  embedOrigins: z.array(z.string()).describe('Sites allowed to embed this service’s widget, besides the organisation-wide GUEST_ORIGINS.'),
  transcripts: z.boolean().describe('Whether resolving one of its conversations emails each guest who gave an address a transcript.'),
  prechat: PrechatForm.describe('The pre-chat form (docs/widget.md "Pre-chat form").'),
  hours: BusinessHours.nullable(),
  retentionDays: RetentionDays.describe('Days its conversations are kept once resolved, instead of the organisation\'s (docs/privacy.md "Retention"); null: the organisation\'s.'),
  members: z.array(MemberView),
  licensedMembers: z.array(MemberView),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ServiceCreate = z.strictObject({
  slug: Slug,
  name: DisplayName,
  avatarUrl: AvatarUrl.nullable().optional(),
  embedOrigins: EmbedOrigins.optional().describe('Replaces the whole list when given.'),
  transcripts: z.boolean().optional().describe('Email guests a transcript when a conversation is resolved (default false).'),
  greetings: Greetings.optional().describe('The greeting per language, at most 300 characters each; replaces the whole set when given ({} removes them).'),
  prechat: PrechatForm.optional().describe('The pre-chat form, replaced whole when given (default: name required, email optional, no fields).'),
  hours: BusinessHours.nullable().optional().describe('Business hours; null (the default) is always open.'),
  retentionDays: RetentionDays.optional().describe(`Days its resolved conversations are kept, 1–${RETENTION_MAX_DAYS}, overriding the organisation's retention (docs/privacy.md "Retention"); null (default): the organisation's.`),
});
export type ServiceCreate = z.output<typeof ServiceCreate>;

export const ServiceUpdate = ServiceCreate.partial().refine((v) => Object.keys(v).length > 0, 'name at least one field to change');
export type ServiceUpdate = z.output<typeof ServiceUpdate>;

export const SlugParams = z.object({ slug: Slug });
export const MemberParams = z.object({ slug: Slug, agentSlug: Slug });

export const GuestCreate = z.strictObject({
  name: DisplayName,
  email: Email.optional(),
});

export const GuestView = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  createdAt: z.string(),
});

/** How agents see a verified visitor: the site's own id for them, and whose keys vouched for it. */
export const IdentityView = z.object({
  externalId: z.string().describe('The user token’s `sub`: the user’s id on your site.'),
  verifiedBy: z.enum(['service_secret', 'organisation']).describe('The service’s identity secret, or the organisation keys at IDENTITY_JWKS_URL.'),
});
