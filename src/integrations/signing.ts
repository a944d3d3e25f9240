/**
 * Webhook signatures (docs/integrations.md, "Verifying a delivery"). Each delivery carries
 *
 *   Doorbell-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The key is the endpoint's whole secret string (`whsec_…`) as UTF-8 bytes. Signing the
 * timestamp with the body lets a receiver refuse a replayed delivery by its age, and the
 * timestamp is fresh on every attempt, so a retry is not mistaken for a replay.
 */
export const SIGNATURE_HEADER = 'Doorbell-Signature';
export const ID_HEADER = 'Doorbell-Webhook-Id';
export const EVENT_HEADER = 'Doorbell-Event';
export const ATTEMPT_HEADER = 'Doorbell-Delivery-Attempt';

/** How old a signed timestamp a receiver should accept; the recipe we document. */
export const TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

const toHex = (bytes: ArrayBuffer): string => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** A new endpoint secret: `whsec_` and 32 random bytes in hex. */
export function newWebhookSecret(): string {
  return `whsec_${toHex(crypto.getRandomValues(new Uint8Array(32)).buffer as ArrayBuffer)}`;
}

export async function signatureHeader(secret: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestampSeconds}.${body}`));
  return `t=${timestampSeconds},v1=${toHex(mac)}`;
}
