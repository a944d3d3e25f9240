// Alerts for a new guest message while the console tab is hidden (docs/console.md,
// "Notifications"): a desktop notification and a short tone, as the agent's inbox settings
// say. The settings live on the server, so every tab and browser of the agent follows them,
// and the inbox socket's `settings` frame brings a change made elsewhere.
import type { InboxItem } from '../../src/inbox/item';
import type { InboxSettings, InboxSettingsPatch } from '../../src/inbox/settings';
import { h } from './chat-view';
import { messageOf, type AgentApi } from './console-api';

const BODY_LIMIT = 140;
const truncate = (text: string) => (text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT - 1).trimEnd()}…` : text);
const BELL =
  '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>';
const canNotify = () => typeof Notification !== 'undefined';

/**
 * A two-note chime made on the spot (no audio file). Browsers start audio only after a
 * gesture on the page, so the context is made on the agent's first click or key press and
 * can then play while the tab is hidden.
 */
class Chime {
  private context: AudioContext | null = null;

  constructor() {
    const unlock = () => {
      this.context ??= new AudioContext();
      void this.context.resume();
    };
    addEventListener('pointerdown', unlock, { capture: true, once: true });
    addEventListener('keydown', unlock, { capture: true, once: true });
  }

  play() {
    const ctx = this.context;
    if (!ctx) return;
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    const t = ctx.currentTime;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.15, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
    for (const [freq, at] of [[880, 0], [660, 0.14]] as const) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(t + at);
      osc.stop(t + at + 0.2);
    }
  }
}

export class Notifications {
  settings: InboxSettings | null = null;
  /** The header button that opens the notification settings. */
  readonly button: HTMLButtonElement;
  private chime = new Chime();
  private dialog: { render: () => void } | null = null;

  constructor(private api: AgentApi, private open: (conversationId: string) => void) {
    this.button = h('button', { type: 'button', class: 'bell', 'aria-label': 'Notifications', 'aria-haspopup': 'dialog', onclick: () => this.openDialog() });
    // Drawn, not an emoji: not every system has an emoji font.
    this.button.innerHTML = BELL;
    this.button.append(h('span', { class: 'bell-label' }, 'Notifications'));
  }

  /** Reads the settings: on every inbox (re)connect, since a `settings` frame sent meanwhile is not replayed. */
  async load() {
    try {
      this.apply(await this.api.call<InboxSettings>('GET', '/api/inbox/settings'));
    } catch {
      /* the settings stay as last known; the next reconnect reads them again */
    }
  }

  apply(settings: InboxSettings) {
    this.settings = settings;
    this.render();
  }

  /** A conversation's last message is new to this console: alert if a guest wrote it and the tab is hidden. */
  arrived(item: InboxItem) {
    const last = item.lastMessage;
    const channels = this.settings?.notifications.guestMessages;
    if (!last || last.authorKind !== 'guest' || !channels || document.visibilityState !== 'hidden') return;
    if (channels.desktop && canNotify() && Notification.permission === 'granted') {
      // One per conversation: the tag replaces the previous one rather than piling them up.
      const note = new Notification(last.authorName, { body: truncate(last.text), tag: `doorbell:${item.conversationId}`, icon: item.avatarUrl ?? undefined });
      note.onclick = () => {
        focus();
        this.open(item.conversationId);
        note.close();
      };
    }
    if (channels.sound) this.chime.play();
  }

  private async save(patch: InboxSettingsPatch) {
    this.apply(await this.api.call<InboxSettings>('PATCH', '/api/inbox/settings', patch));
  }

  private openDialog() {
    const error = h('p', { class: 'error', role: 'alert' });
    const desktopState = h('p', { id: 'desktop-state', class: 'hint' });
    const desktopButton = h('button', { type: 'button', class: 'primary', 'aria-describedby': desktopState.id });
    const sound = h('input', { type: 'checkbox', id: 'notify-sound' });
    const email = h('input', { type: 'checkbox', id: 'notify-email' });
    const choice = (input: HTMLInputElement, label: string) => h('div', { class: 'choice' }, input, h('label', { for: input.id }, label));
    // The server's bounds (inbox settings, 1–240), so the browser says what is wrong before asking it.
    const awayAfter = h('input', { type: 'number', id: 'away-after', name: 'awayAfterMinutes', min: '1', max: '240', step: '1', required: true, inputmode: 'numeric', 'aria-describedby': 'away-after-hint' });
    const awaySaved = h('span', { class: 'ok', role: 'status' });
    const close = h('button', { type: 'submit' }, 'Close');
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'notify-title' }, 'Notifications'),
      h('p', { class: 'hint' }, 'While this tab is hidden, a new message from a guest can alert you. Saved for your account: your other tabs and browsers follow.'),
      h('fieldset', {}, h('legend', {}, 'Desktop notifications'), desktopState, h('div', { class: 'buttons' }, desktopButton)),
      choice(sound, 'Play a sound for a new guest message'),
      choice(email, 'Email me the messages I miss while I am offline'),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Availability'),
        h('div', { class: 'away-after' }, h('label', { for: awayAfter.id }, 'Set me away after'), awayAfter, h('span', {}, 'minutes without input'), awaySaved),
        h('p', { class: 'hint', id: 'away-after-hint' }, 'No keyboard, mouse or touch input in the console for this long (1–240 minutes) sets you Away; your next input sets you Online again.'),
      ),
      error,
      h('div', { class: 'buttons' }, close),
    );
    const dialog = h('dialog', { 'aria-labelledby': 'notify-title' }, form);

    let action: () => Promise<void> = async () => {};
    const render = () => {
      const s = this.settings;
      sound.disabled = email.disabled = awayAfter.disabled = desktopButton.disabled = !s;
      if (!s) {
        desktopState.textContent = 'Loading your settings…';
        return;
      }
      sound.checked = s.notifications.guestMessages.sound;
      email.checked = s.emailWhenOffline;
      // Not while the agent is typing a new value: a save from another tab must not overwrite it.
      if (document.activeElement !== awayAfter) awayAfter.value = String(s.awayAfterMinutes);
      const desktop = this.desktopChoice(s.notifications.guestMessages.desktop);
      desktopState.textContent = desktop.state;
      desktopButton.textContent = desktop.label;
      desktopButton.hidden = !desktop.run;
      action = desktop.run ?? action;
    };
    const attempt = (fn: () => Promise<void>) => async () => {
      error.textContent = '';
      try {
        await fn();
      } catch (err) {
        error.textContent = messageOf(err);
        render();
      }
    };
    desktopButton.addEventListener('click', attempt(() => action()));
    sound.addEventListener('change', attempt(() => this.save({ notifications: { guestMessages: { sound: sound.checked } } })));
    email.addEventListener('change', attempt(() => this.save({ emailWhenOffline: email.checked })));
    awayAfter.addEventListener('input', () => (awaySaved.textContent = ''));
    const saveAway = attempt(async () => {
      if (!awayAfter.reportValidity()) return;
      await this.save({ awayAfterMinutes: Number(awayAfter.value) });
      awaySaved.textContent = 'Saved.';
    });
    awayAfter.addEventListener('change', saveAway);
    // Enter saves here rather than submitting the form, which would close the dialog.
    awayAfter.addEventListener('keydown', (e) => e.key === 'Enter' && (e.preventDefault(), saveAway()));
    dialog.addEventListener('close', () => {
      this.dialog = null;
      dialog.remove();
    });
    this.dialog = { render };
    render();
    if (!this.settings) void this.load();
    document.body.append(dialog);
    dialog.showModal();
  }

  private render() {
    this.dialog?.render();
  }

  /**
   * What the desktop row says and its one button does: the preference is the account's, the
   * permission this browser's, so the two can disagree (turned on in another browser).
   */
  private desktopChoice(on: boolean): { state: string; label: string; run: (() => Promise<void>) | null } {
    if (!canNotify()) return { state: 'This browser cannot show desktop notifications.', label: '', run: null };
    const permission = Notification.permission;
    const ask = async () => {
      // Asked only from this button's click: browsers ignore (or penalise) a request made on page load.
      if ((await Notification.requestPermission()) !== 'granted')
        throw new Error('Your browser did not allow notifications. Allow them for this site in its settings, then try again.');
    };
    const turn = (desktop: boolean) => () => this.save({ notifications: { guestMessages: { desktop } } });
    const off = 'Turn off desktop notifications';
    if (!on) return { state: 'Off.', label: 'Enable desktop notifications', run: async () => (permission !== 'granted' && (await ask()), turn(true)()) };
    if (permission === 'granted') return { state: 'On: a notification for each new guest message while this tab is hidden.', label: off, run: turn(false) };
    if (permission === 'default')
      return { state: 'On for your account, but this browser has not allowed notifications yet.', label: 'Allow in this browser', run: async () => (await ask(), this.render()) };
    return { state: 'On for your account, but this browser blocks notifications for this site: allow them in its site settings.', label: off, run: turn(false) };
  }
}
