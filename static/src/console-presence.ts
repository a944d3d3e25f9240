// The agent's availability control in the console header (docs/console.md "Availability"):
// Online or Away, chosen here or set Away by itself after `awayAfterMinutes` without keyboard,
// mouse or touch input. What guests see follows through the server: offline once every
// console is closed, whatever is chosen here.
import type { InboxSettings } from '../../src/inbox/settings';
import type { PresenceState, PresenceView } from '../../src/inbox/presence';
import { h } from './chat-view';
import type { AgentApi } from './console-api';

const INPUT_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;
const CHECK_MS = 15_000;

export class PresenceControl {
  readonly element: HTMLElement;
  private select = h('select', { id: 'presence', 'aria-label': 'Your availability' }, h('option', { value: 'online' }, 'Online'), h('option', { value: 'away' }, 'Away'));
  private dot = h('span', { class: 'presence-dot', 'aria-hidden': 'true' });
  private state: PresenceState = 'online';
  private awayAfterMs = 10 * 60_000;
  private lastInput = Date.now();
  // Set when idleness (not the agent) chose Away, so that their next input brings them back.
  private autoAway = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly onInput = () => {
    this.lastInput = Date.now();
    if (this.autoAway && this.state === 'away') void this.choose('online', false);
  };

  constructor(private api: AgentApi) {
    this.element = h('label', { class: 'presence', title: 'Guests see you as away while you are away, and offline when no console is open' }, this.dot, this.select);
    this.select.addEventListener('change', () => void this.choose(this.select.value as PresenceState, false));
    this.render();
  }

  start() {
    for (const type of INPUT_EVENTS) addEventListener(type, this.onInput, { passive: true, capture: true });
    this.timer = setInterval(() => this.checkIdle(), CHECK_MS);
  }

  stop() {
    for (const type of INPUT_EVENTS) removeEventListener(type, this.onInput, { capture: true });
    clearInterval(this.timer);
  }

  /** What the server says (the inbox snapshot, or a change made in another tab). */
  apply(view: PresenceView) {
    if (view.state !== this.state) this.autoAway = false;
    this.state = view.state;
    this.render();
  }

  settings(settings: InboxSettings) {
    this.awayAfterMs = settings.awayAfterMinutes * 60_000;
  }

  private checkIdle() {
    if (this.state === 'online' && Date.now() - this.lastInput >= this.awayAfterMs) void this.choose('away', true);
  }

  private async choose(state: PresenceState, auto: boolean) {
    const previous = this.state;
    this.state = state;
    this.autoAway = auto;
    this.render();
    try {
      this.apply(await this.api.call<PresenceView>('PUT', '/api/inbox/presence', { state }));
      this.autoAway = auto;
    } catch {
      // Not saved: show what the server still has, and retry idleness on the next check.
      this.state = previous;
      this.autoAway = false;
      this.render();
    }
  }

  private render() {
    this.select.value = this.state;
    this.element.dataset.state = this.state;
  }
}
