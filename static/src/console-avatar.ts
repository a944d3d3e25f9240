// Guests have no picture, and agents see the guest's avatar (C4): a circle with the initials
// of the name stands in for it, so a conversation never wears a service's logo by mistake.

const colours = ['#2f6fed', '#0a7d5a', '#b54708', '#6941c6', '#c11574', '#0e7090'];

export function avatarFor(name: string, url: string | null): string {
  if (url) return url;
  const initials = name.split(/[\s,]+/).filter(Boolean).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('') || '?';
  const colour = colours[[...name].reduce((n, c) => n + c.charCodeAt(0), 0) % colours.length];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="20" fill="${colour}"/><text x="20" y="25" font-family="system-ui,sans-serif" font-size="15" font-weight="600" fill="#fff" text-anchor="middle">${initials.replace(/[<&>"]/g, '')}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
