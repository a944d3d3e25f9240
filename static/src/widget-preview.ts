// What tells a guest with the panel closed that someone answered: a preview bubble of the new
// message above the launcher, and, when the page asked for it (data-sound="on"), a short beep.
import type { Entry } from './chat-client';
import { fillNamed, h } from './chat-view';
import type { ChatStrings } from './i18n';

/** How much of the message the bubble shows; the whole is one click away. */
const PREVIEW_CHARS = 140;

export function previewBubble(t: ChatStrings, open: () => void) {
  const text = h('span', { class: 'vt' });
  const by = h('span', { class: 'vb' });
  const show = h('button', { class: 'vo', type: 'button', onclick: () => open() }, by, text);
  const dismiss = h('button', { class: 'vx', type: 'button', 'aria-label': t.statesDismiss, onclick: () => (bubble.hidden = true) }, '×');
  const bubble = h('div', { class: 'v', hidden: true, 'aria-live': 'polite' }, show, dismiss);
  return {
    el: bubble,
    show(entry: Entry) {
      // A message of files only says which files.
      const body = entry.text || (entry.attachments ?? []).map((f) => f.name).join(', ');
      by.replaceChildren(...fillNamed(t.statesPreview, { name: entry.author.name }));
      text.textContent = body.length > PREVIEW_CHARS ? `${body.slice(0, PREVIEW_CHARS - 1).trimEnd()}…` : body;
      bubble.hidden = false;
    },
    hide: () => (bubble.hidden = true),
  };
}

let audio: AudioContext | null = null;

/**
 * A short two-tone chime made in code (no audio file to fetch). Browsers let a page play sound
 * only once the visitor interacted with it; before that this stays silent.
 */
export function chime() {
  try {
    audio ??= new AudioContext();
    void audio.resume();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = freq;
      const start = now + i * 0.12;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
      tone.connect(gain).connect(audio.destination);
      tone.start(start);
      tone.stop(start + 0.3);
    }
  } catch {
    /* no WebAudio here: the bubble and the badge still tell */
  }
}
