// The languages Doorbell's guest screens speak (docs/widget.md "Languages"). The widget and the
// guest pages import this list too: keep it free of imports.
export const LANGUAGES = ['en', 'fr', 'de', 'es', 'it'] as const;
export type Language = (typeof LANGUAGES)[number];
