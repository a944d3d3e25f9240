import { z } from 'zod';
import { displayText } from '../http/validation';
import type { Answer, MeetingLocation } from './meeting';
import { AvailabilitySettingsInput, Duration, type AvailabilitySettings } from './settings';

// Meeting types (Cal.com's event types): what a guest can book with an agent. The calendar
// actor stores them; every calendar starts with the default type, which offers the calendar's
// own durations and availability, so links and API calls made before types existed still book.

/** A calendar holds at most this many types: the booking page lists them all. */
export const MAX_MEETING_TYPES = 20;
export const MAX_QUESTIONS = 10;
/** The type every calendar starts with, and the one a booking without `type` gets. */
export const DEFAULT_TYPE_SLUG = 'meeting';

const TypeSlug = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'must be 1–40 lowercase letters, digits or inner hyphens');

/** An https link only: a guest's browser opens it, and a plain-http room would leak the meeting. */
const HttpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(500);
const PhoneNumber = z.string().trim().regex(/^\+?[0-9][0-9 ().-]{3,28}[0-9]$/, 'must be a phone number such as +33 1 23 45 67 89');

export const LocationInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('address'), address: displayText(300) }),
  z.strictObject({ kind: z.literal('phone'), phone: PhoneNumber }),
  z.strictObject({ kind: z.literal('link'), url: HttpsUrl }),
  // A fresh room per meeting, made at booking on JITSI_BASE_URL.
  z.strictObject({ kind: z.literal('jitsi') }),
]);
export type LocationInput = z.infer<typeof LocationInput>;

const QuestionKind = z.enum(['short', 'long', 'phone', 'select', 'checkbox']);

export const Question = z
  .strictObject({
    id: TypeSlug.describe('Names the answer in a booking body'),
    label: displayText(200),
    kind: QuestionKind,
    required: z.boolean().default(false),
    options: z.array(displayText(100)).min(1).max(20).optional().describe('The choices of a select, and only of a select'),
  })
  .refine((q) => (q.kind === 'select') === (q.options !== undefined), 'a select names its options; other kinds have none');
export type Question = z.infer<typeof Question>;

const TypeFields = {
  title: displayText(120),
  description: z.string().max(2000),
  /** null: the durations of the availability that applies. */
  durations: z.array(Duration).min(1).max(8).nullable(),
  /** null: the calendar's own availability (PATCH /api/calendar/settings). */
  availability: AvailabilitySettingsInput.nullable(),
  location: LocationInput,
  questions: z
    .array(Question)
    .max(MAX_QUESTIONS)
    .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, 'question ids must differ'),
  /** Hidden types are not listed nor bookable by guests; the agent still books them (M6). */
  hidden: z.boolean(),
};

export const MeetingTypeInput = z.strictObject({
  slug: TypeSlug,
  title: TypeFields.title,
  description: TypeFields.description.default(''),
  durations: TypeFields.durations.default(null),
  availability: TypeFields.availability.default(null),
  location: TypeFields.location.default({ kind: 'none' }),
  questions: TypeFields.questions.default([]),
  hidden: TypeFields.hidden.default(false),
});
export type MeetingType = z.output<typeof MeetingTypeInput>;

export const MeetingTypePatch = z
  .strictObject({ slug: TypeSlug, ...TypeFields })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'name at least one field');
export type MeetingTypePatch = z.output<typeof MeetingTypePatch>;

export const TypeParams = z.object({ type: TypeSlug });

export const defaultMeetingType = (): MeetingType => ({
  slug: DEFAULT_TYPE_SLUG,
  title: 'Meeting',
  description: '',
  durations: null,
  availability: null,
  location: { kind: 'none' },
  questions: [],
  hidden: false,
});

/** 16 random bytes (128 bits) as hex: a room nobody can guess or enumerate. */
export function jitsiRoom(base: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${base.replace(/\/+$/, '')}/Doorbell-${hex}`;
}

/** A type's location made concrete for one meeting: a Jitsi type gets its own fresh room. */
export function meetingLocation(location: LocationInput, jitsiBase: string): MeetingLocation | null {
  switch (location.kind) {
    case 'none':
      return null;
    case 'address':
      return { kind: 'address', text: location.address };
    case 'phone':
      return { kind: 'phone', text: location.phone, url: `tel:${location.phone.replace(/[^+0-9]/g, '')}` };
    case 'link':
      return { kind: 'link', text: location.url, url: location.url };
    case 'jitsi': {
      const url = jitsiRoom(jitsiBase);
      return { kind: 'jitsi', text: url, url };
    }
  }
}

export const AnswersInput = z.record(z.string().max(40), z.union([z.string().max(4000), z.boolean()])).refine((r) => Object.keys(r).length <= MAX_QUESTIONS, 'too many answers');

const LIMIT: Record<Question['kind'], number> = { short: 200, long: 4000, phone: 30, select: 100, checkbox: 0 };

/**
 * The answers checked against the type's questions: each problem named by its question id
 * (a booking with any is refused whole), else the answers the meeting keeps, in question order.
 * A checkbox keeps "Yes" or "No"; an unanswered optional question is left out.
 */
export function checkAnswers(questions: Question[], given: Record<string, string | boolean>): { ok: true; answers: Answer[] } | { ok: false; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const answers: Answer[] = [];
  for (const id of Object.keys(given)) if (!questions.some((q) => q.id === id)) problems[id] = 'is not a question of this meeting type';
  for (const q of questions) {
    const value = given[q.id];
    if (q.kind === 'checkbox') {
      if (value !== undefined && typeof value !== 'boolean') problems[q.id] = 'must be true or false';
      else if (q.required && value !== true) problems[q.id] = 'must be checked';
      else if (value !== undefined) answers.push({ id: q.id, label: q.label, value: value ? 'Yes' : 'No' });
      continue;
    }
    if (value !== undefined && typeof value !== 'string') {
      problems[q.id] = 'must be text';
      continue;
    }
    const text = (value ?? '').trim();
    if (!text) {
      if (q.required) problems[q.id] = 'is required';
      continue;
    }
    if (text.length > LIMIT[q.kind]) problems[q.id] = `must be at most ${LIMIT[q.kind]} characters`;
    else if (q.kind === 'phone' && !PhoneNumber.safeParse(text).success) problems[q.id] = 'must be a phone number';
    else if (q.kind === 'select' && !q.options!.includes(text)) problems[q.id] = `must be one of: ${q.options!.join(', ')}`;
    else if (q.kind === 'short' && /[\r\n]/.test(text)) problems[q.id] = 'must be one line';
    else answers.push({ id: q.id, label: q.label, value: text });
  }
  return Object.keys(problems).length ? { ok: false, problems } : { ok: true, answers };
}

/** A type as guests see it: no availability override, no hidden types, and the location only by kind (its details come with the booking). */
export const PublicMeetingType = z.object({
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  durations: z.array(z.number().int()),
  location: z.object({ kind: z.enum(['none', 'address', 'phone', 'link', 'jitsi']) }),
  questions: z.array(z.object({ id: z.string(), label: z.string(), kind: QuestionKind, required: z.boolean(), options: z.array(z.string()).optional() })),
});

/** The availability a type books in: its own or the calendar's, with its own durations if it names them. */
export function typeAvailability(calendar: AvailabilitySettings, type: Pick<MeetingType, 'availability' | 'durations'>): AvailabilitySettings {
  const base = type.availability ?? calendar;
  return type.durations ? { ...base, durations: type.durations } : base;
}
