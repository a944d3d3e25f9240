// A service's HS256 secret for its site's user tokens (migrations/0016_identity.sql). It is
// answered once, by the call that makes it; afterwards only whether one is set and since when.

export interface SecretStatus {
  set: boolean;
  createdAt: string | null;
}

/** 32 random bytes, base64url: the site uses the text itself as the HMAC key. */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function secretStatus(db: D1Database, serviceId: string): Promise<SecretStatus> {
  const row = await db.prepare('SELECT created_at FROM identity_secrets WHERE service_id = ?').bind(serviceId).first<{ created_at: string }>();
  return { set: row !== null, createdAt: row?.created_at ?? null };
}

/**
 * Makes the service's secret, or replaces it: the old one stops verifying at once (no grace),
 * which is what a leaked secret needs; user tokens live an hour at most, so a site that
 * deploys the new secret first loses nothing but the exchanges of that minute.
 */
export async function rotateSecret(db: D1Database, serviceId: string): Promise<{ secret: string; createdAt: string }> {
  const secret = newSecret();
  const row = await db
    .prepare(
      `INSERT INTO identity_secrets (service_id, secret) VALUES (?, ?)
       ON CONFLICT (service_id) DO UPDATE SET secret = excluded.secret, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       RETURNING created_at`,
    )
    .bind(serviceId, secret)
    .first<{ created_at: string }>();
  return { secret, createdAt: row!.created_at };
}

/** Whether there was a secret to remove. */
export async function removeSecret(db: D1Database, serviceId: string): Promise<boolean> {
  const { meta } = await db.prepare('DELETE FROM identity_secrets WHERE service_id = ?').bind(serviceId).run();
  return meta.changes > 0;
}

/** The secret as an HMAC key, or null when the service has none. */
export async function secretKey(db: D1Database, serviceId: string): Promise<Uint8Array | null> {
  const row = await db.prepare('SELECT secret FROM identity_secrets WHERE service_id = ?').bind(serviceId).first<{ secret: string }>();
  return row ? new TextEncoder().encode(row.secret) : null;
}
