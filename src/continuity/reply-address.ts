/**
 * The address a continuity email asks to be answered at (C12). It names the conversation and
 * the recipient and carries an HMAC of both, so nobody can write into a conversation by
 * guessing or editing an address:
 *
 *   reply+<32 hex of the conversation id>.<recipient handle>.<16 base32 of the HMAC>@<reply domain>
 *
 * The local part must fit 64 characters (RFC 5321): a participant id (23 mixed-case
 * characters) does not, so the recipient is a small number the conversation hands out per
 * recipient (its email ledger row). Everything is lower case, digits and dots, so a server
 * that changes the case of the local part breaks nothing. The HMAC is SHA-256 keyed with
 * REPLY_SECRET, cut to 80 bits: forging one takes about 2^79 tries by email.
 */

export const REPLY_PREFIX = 'reply+';
const SIGNATURE_BYTES = 10;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const LOCAL = /^reply\+([0-9a-f]{32})\.([1-9][0-9]{0,7})\.([a-z2-7]{16})$/;

export interface ReplyTarget {
  conversationId: string;
  handle: number;
}

export interface ReplyEnv {
  REPLY_SECRET?: string;
  /** The domain of reply addresses; the domain of EMAIL_FROM when empty. */
  REPLY_DOMAIN?: string;
  EMAIL_FROM?: string;
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

async function signature(secret: string, target: ReplyTarget): Promise<string> {
  if (!secret) throw new Error('REPLY_SECRET is not set: configure the key that signs reply addresses.');
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`reply|${target.conversationId}|${target.handle}`));
  return base32(new Uint8Array(mac).slice(0, SIGNATURE_BYTES));
}

export function replyDomain(env: ReplyEnv): string {
  const configured = env.REPLY_DOMAIN?.trim();
  if (configured) return configured.toLowerCase();
  const from = /@([^\s<>@]+?)>?\s*$/.exec(env.EMAIL_FROM ?? '')?.[1];
  if (!from) throw new Error('Set REPLY_DOMAIN (or EMAIL_FROM) so continuity emails have a reply address.');
  return from.toLowerCase();
}

export async function replyAddress(env: ReplyEnv, target: ReplyTarget): Promise<string> {
  const hex = target.conversationId.replace(/^cv_/, '');
  return `${REPLY_PREFIX}${hex}.${target.handle}.${await signature(env.REPLY_SECRET ?? '', target)}@${replyDomain(env)}`;
}

/** Whether an envelope recipient is meant to be a reply address at all (signed or not). */
export const looksLikeReplyAddress = (address: string): boolean => address.trim().toLowerCase().startsWith(REPLY_PREFIX);

/** The conversation and recipient an address names, or null when it is malformed or its signature is wrong. */
export async function verifyReplyAddress(env: ReplyEnv, address: string): Promise<ReplyTarget | null> {
  const local = address.trim().toLowerCase().replace(/@[^@]*$/, '');
  const match = LOCAL.exec(local);
  if (!match) return null;
  const target = { conversationId: `cv_${match[1]}`, handle: Number(match[2]) };
  const expected = new TextEncoder().encode(await signature(env.REPLY_SECRET ?? '', target));
  const given = new TextEncoder().encode(match[3]);
  return expected.byteLength === given.byteLength && crypto.subtle.timingSafeEqual(expected, given) ? target : null;
}
