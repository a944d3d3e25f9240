import { isDevelopment, type Env } from '../env';
import { HttpError } from './errors';

/**
 * Which URLs the Worker fetches on someone's say-so (an agent's busy feed, an admin's webhook
 * endpoint): http(s) to public hosts only, so that a URL cannot make the Worker reach this
 * deployment's own network, a cloud metadata service or a box on someone's LAN.
 *
 * Workers cannot resolve DNS, so a host is judged by how it is written: IP literals in
 * non-public ranges, and names that are never public (`localhost`, `*.localhost`,
 * `*.internal`, `*.local`, `*.home.arpa`, single labels). A public name that resolves to a
 * private address is NOT caught here; on Cloudflare, outbound fetch does not reach private
 * networks anyway, and this rule is what keeps other runtimes honest about the obvious cases.
 * `allowLoopback` (development) lets tests and local servers use 127.0.0.0/8, ::1 and
 * localhost names; nothing else private is allowed even then.
 *
 * Returns why the URL is refused, or null when it may be fetched.
 */
export function outboundUrlProblem(text: string, options: { allowLoopback: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${url.protocol} URLs are not allowed (http or https only)`;
  // The URL parser has already written IPv4 in dotted decimal (0x7f.1 → 127.0.0.1) and IPv6 in hex.
  const host = url.hostname.replace(/\.$/, '');
  const kind = host.startsWith('[') ? ipv6Kind(host.slice(1, -1)) : /^\d+\.\d+\.\d+\.\d+$/.test(host) ? ipv4Kind(host) : nameKind(host);
  if (kind === 'public' || (kind === 'loopback' && options.allowLoopback)) return null;
  return `${host} is not a public host (${kind} addresses are not allowed)`;
}

type HostKind = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved';

function nameKind(host: string): HostKind {
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (!host.includes('.') || /\.(internal|local|localdomain|home\.arpa)$/.test(host)) return 'private';
  return 'public';
}

/** [first address, prefix length, kind] of every IPv4 range that is not the public internet. */
const IPV4_RANGES: ReadonlyArray<[string, number, HostKind]> = [
  ['0.0.0.0', 8, 'reserved'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 3, 'reserved'], // multicast, 240/4 and broadcast
];

const ipv4Number = (dotted: string): number => dotted.split('.').reduce((n, part) => n * 256 + Number(part), 0);

function ipv4Kind(dotted: string): HostKind {
  const n = ipv4Number(dotted);
  for (const [first, bits, kind] of IPV4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = ipv4Number(first);
    if (n >= start && n < start + size) return kind;
  }
  return 'public';
}

/** The 8 groups of an IPv6 address as the URL parser writes it (hex, `::` compressed, no dotted tail). */
function ipv6Groups(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const part = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function ipv6Kind(text: string): HostKind {
  const g = ipv6Groups(text);
  const embeddedV4 = (hi: number, lo: number) => ipv4Kind(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  if (zeros(0, 8)) return 'reserved';
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address they carry.
  if (zeros(0, 5) && g[5] === 0xffff) return embeddedV4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embeddedV4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return embeddedV4(g[1]!, g[2]!); // 6to4
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'private'; // fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if (first === 0x2001 && (g[1] === 0xdb8 || g[1]! < 0x200)) return 'reserved'; // documentation, Teredo and other special use
  // Only 2000::/3 is allocated as global unicast.
  return (first & 0xe000) === 0x2000 ? 'public' : 'reserved';
}

/** Refuses, with 400 url_not_allowed naming the field, a URL the Worker must not fetch in this environment. */
export function requireOutboundUrl(env: Pick<Env, 'ENVIRONMENT'>, field: string, url: string | undefined): void {
  if (!url) return;
  const problem = outboundUrlProblem(url, { allowLoopback: isDevelopment(env as Env) });
  if (problem) throw new HttpError(400, 'url_not_allowed', `${field}: ${problem}.`, { field });
}
