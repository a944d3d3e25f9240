// The placeholders of a canned reply, and how they are filled. Pure and dependency-free: the
// server validates stored texts with it, and the console (static/src) fills them with it, so
// both sides read the same grammar.

export const PLACEHOLDERS = ['guest.name', 'agent.name', 'service.name'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** What fills each placeholder; a missing or null value fills it with nothing. */
export type PlaceholderValues = Partial<Record<Placeholder, string | null>>;

// `{{name}}`, spaces allowed inside the braces: `{{ guest.name }}`. Anything else with braces
// (`{single}`, an unclosed `{{`) is ordinary text.
const PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

const isPlaceholder = (name: string): name is Placeholder => (PLACEHOLDERS as readonly string[]).includes(name);

/** The placeholder names of a text that are not ones Doorbell fills, each once, in order. */
export function unknownPlaceholders(text: string): string[] {
  const names = [...text.matchAll(PATTERN)].map((m) => m[1]!).filter((name) => !isPlaceholder(name));
  return [...new Set(names)];
}

/**
 * The text with each known placeholder replaced by its value. An unknown value becomes empty
 * (the agent sees the result in the composer before sending it); a placeholder Doorbell does
 * not know is left as written, so nothing typed vanishes silently.
 */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(PATTERN, (whole, name: string) => (isPlaceholder(name) ? (values[name] ?? '') : whole));
}
