import { z } from 'zod';
import { Day, Range, TimeZone } from '../directory/schemas';

export const Duration = z.number().int().min(5).max(480);

export const AvailabilitySettingsInput = z.strictObject({
  timeZone: TimeZone,
  weeklyHours: z.strictObject({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day }).partial(),
  overrides: z.array(z.strictObject({ date: z.iso.date(), ranges: z.array(Range).max(8) })).max(366),
  durations: z.array(Duration).min(1).max(8),
  bufferBeforeMinutes: z.number().int().min(0).max(240),
  bufferAfterMinutes: z.number().int().min(0).max(240),
  minimumNoticeMinutes: z.number().int().min(0).max(60 * 24 * 30),
  horizonDays: z.number().int().min(1).max(365),
  slotStepMinutes: z.number().int().min(5).max(240),
});

export type AvailabilitySettings = z.infer<typeof AvailabilitySettingsInput>;

export const CalendarSettings = z.strictObject({
  availability: AvailabilitySettingsInput,
  /** M3: `auto` holds the slot at once; `invite` only once the agent accepts. */
  confirmation: z.enum(['auto', 'invite']),
  /** M5: minutes before the meeting. */
  reminderMinutes: z.array(z.number().int().min(1).max(60 * 24 * 14)).max(5),
  /** M1: an ICS URL whose busy events block slots (empty: none). */
  busyFeedUrl: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]),
  /** How long a booking page keeps the time its guest chose from other pages (docs/meetings.md, "Holds"). */
  holdMinutes: z.number().int().min(1).max(30),
});
export type CalendarSettings = z.infer<typeof CalendarSettings>;

export const DEFAULT_HOLD_MINUTES = 5;

export const CalendarSettingsPatch = CalendarSettings.partial().refine((v) => Object.keys(v).length > 0, 'name at least one setting');

/** How fetching `busyFeedUrl` went (M1), as the agent sees it next to the settings. */
export const BusyFeedView = z
  .object({
    url: z.string(),
    events: z.number().int().describe('Busy intervals in the last good copy'),
    lastSuccessAt: z.string().nullable(),
    lastError: z.string().nullable().describe('Why the last attempt failed; null after a success'),
    lastErrorAt: z.string().nullable(),
    failures: z.number().int().describe('Failed attempts since the last success'),
    nextAttemptAt: z.string().nullable(),
  })
  .nullable()
  .describe('How fetching busyFeedUrl went (M1); null without one');
export type BusyFeedView = z.infer<typeof BusyFeedView>;

/** What a new calendar offers until its agent says otherwise; documented in docs/meetings.md. */
export function defaultSettings(timeZone: string): CalendarSettings {
  const workday = [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }];
  return {
    availability: {
      timeZone,
      weeklyHours: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday },
      overrides: [],
      durations: [15, 30, 60],
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 10,
      minimumNoticeMinutes: 120,
      horizonDays: 60,
      slotStepMinutes: 15,
    },
    confirmation: 'auto',
    reminderMinutes: [24 * 60, 15],
    busyFeedUrl: '',
    holdMinutes: DEFAULT_HOLD_MINUTES,
  };
}
