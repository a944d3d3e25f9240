// `window.Doorbell`, the host page's handle on the widget (docs/widget.md "JavaScript API"):
// open(), close(), toggle(), on(event, fn). Calls made before widget.js ran were queued by the
// documented stub in `Doorbell.q` as [method, arguments]; the ones for methods known here are
// replayed once the widget can take them, the others stay queued for whoever adds those methods
// (identify()). The object is extended, never replaced: other code holds it too.

export type WidgetEvents = {
  message: { text: string; author: { name: string; kind: string }; at: string };
  open: undefined;
  close: undefined;
  unread: number;
};
type Listener<E extends keyof WidgetEvents> = (payload: WidgetEvents[E]) => void;
export type Controls = { open(): void; close(): void; toggle(): void };
type Queued = [string, ArrayLike<unknown>];

const EVENTS = new Set<string>(['message', 'open', 'close', 'unread']);

/** Installs the methods over `controls`, the panel's: they work from the start, before the card is read. */
export function installApi(controls: Controls) {
  const listeners = new Map<string, Set<Listener<any>>>();
  const methods = {
    open: () => controls.open(),
    close: () => controls.close(),
    toggle: () => controls.toggle(),
    on<E extends keyof WidgetEvents>(event: E, fn: Listener<E>): () => void {
      if (!EVENTS.has(event) || typeof fn !== 'function') return () => {};
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set.add(fn));
      return () => void set.delete(fn);
    },
  };
  const w = window as unknown as { Doorbell?: Record<string, unknown> & { q?: Queued[] } };
  const existing = w.Doorbell && (typeof w.Doorbell === 'object' || typeof w.Doorbell === 'function') ? w.Doorbell : {};
  const queue = Array.isArray(existing.q) ? existing.q : [];
  w.Doorbell = Object.assign(existing, methods);
  existing.q = queue.filter(([name]) => !(name in methods));
  return {
    /** Runs the calls queued for these methods, in their order (once the caller holds this object). */
    runQueued() {
      for (const [name, args] of queue) if (name in methods) (methods as Record<string, (...a: unknown[]) => unknown>)[name]!(...Array.from(args ?? []));
    },
    emit<E extends keyof WidgetEvents>(event: E, payload: WidgetEvents[E]) {
      for (const fn of listeners.get(event) ?? []) {
        try {
          fn(payload);
        } catch (e) {
          // The host page's listener failing must not stop the widget, nor hide the error.
          setTimeout(() => {
            throw e;
          });
        }
      }
    },
  };
}
