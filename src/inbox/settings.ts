import { z } from 'zod';

/**
 * How the console alerts the agent to one kind of event, per channel. Notifications are
 * grouped by kind (today new guest messages; mentions in private notes come later as a
 * sibling kind with the same channels), so a new kind is a new key, not a new meaning
 * for an old one.
 */
const Channels = z.strictObject({
  desktop: z.boolean().describe('A desktop notification (the browser’s Notification API) while the console tab is hidden.'),
  sound: z.boolean().describe('A short tone while the console tab is hidden.'),
});

const AwayAfterMinutes = z
  .int()
  .min(1)
  .max(240)
  .describe('Minutes without keyboard, mouse or touch input in the console before it sets me away (1–240).');

/** The agent's own inbox settings, alerts all off until the agent turns them on. */
export const InboxSettings = z.strictObject({
  awayAfterMinutes: AwayAfterMinutes,
  emailWhenOffline: z.boolean().describe('Email me the messages I miss in my conversations while I am offline (no console or conversation open).'),
  notifications: z.strictObject({
    guestMessages: Channels.describe('A new message from a guest in one of my conversations.'),
  }),
});
export type InboxSettings = z.infer<typeof InboxSettings>;

export const defaultInboxSettings = (): InboxSettings => ({
  awayAfterMinutes: 10,
  emailWhenOffline: false,
  notifications: { guestMessages: { desktop: false, sound: false } },
});

const named = (v: object) => Object.keys(v).length > 0;

/** A change to some of the settings; what it does not name stays as it is. */
export const InboxSettingsPatch = z
  .strictObject({
    awayAfterMinutes: AwayAfterMinutes.optional(),
    emailWhenOffline: z.boolean().optional(),
    notifications: z
      .strictObject({ guestMessages: Channels.partial().refine(named, 'name desktop, sound or both').optional() })
      .refine(named, 'name guestMessages')
      .optional(),
  })
  .refine(named, 'name awayAfterMinutes, emailWhenOffline or notifications');
export type InboxSettingsPatch = z.infer<typeof InboxSettingsPatch>;

/** The settings after a patch: nested kinds merge, so changing `sound` keeps `desktop`. */
export function applyInboxSettings(current: InboxSettings, patch: InboxSettingsPatch): InboxSettings {
  return {
    awayAfterMinutes: patch.awayAfterMinutes ?? current.awayAfterMinutes,
    emailWhenOffline: patch.emailWhenOffline ?? current.emailWhenOffline,
    notifications: {
      guestMessages: { ...current.notifications.guestMessages, ...patch.notifications?.guestMessages },
    },
  };
}
