// The connection line of a live list (inbox, calendar): "Connecting…", "Live",
// "Offline, retrying in 4 s", or the API's error. A polite live region, with room reserved
// so a change of state does not move the list.
import { h } from './chat-view';
import type { LiveState } from './console-api';

const TEXT: Record<LiveState, string> = { connecting: 'Connecting…', online: 'Live', offline: 'Offline, retrying', stopped: '' };

export function liveStatus() {
  const element = h('p', { class: 'live', role: 'status' });
  return {
    element,
    set(state: LiveState, retryIn?: number) {
      element.dataset.state = state;
      element.textContent = state === 'offline' && retryIn ? `${TEXT.offline} in ${retryIn} s` : TEXT[state];
    },
    error(message: string) {
      element.dataset.state = 'error';
      element.textContent = message;
    },
  };
}
