import { z } from 'zod';
import { refuse, type Refusal } from '../actor/outcome';
import { newId } from '../directory/ids';

/**
 * Invite links (C7). The link is a signed token naming the conversation and an invite id; the
 * conversation records each invite, so that uses and revocation are enforced where the guests
 * are added, not by the token alone (which anyone holding it could replay for 7 days).
 */
export const INVITE_LIMITS = { lifetimeMs: 7 * 86_400_000, maxUses: 20, listed: 100 } as const;

export const MaxUses = z.number().int().min(1).max(INVITE_LIMITS.maxUses);

export const InviteView = z.object({
  id: z.string(),
  status: z.enum(['open', 'used', 'revoked', 'expired']).describe('Only an open invite lets a new guest in.'),
  maxUses: z.number().int(),
  uses: z.number().int().describe('Guests who joined with it.'),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  createdBy: z.object({ id: z.string(), name: z.string() }),
});
export type InviteView = z.infer<typeof InviteView>;

/** The conversation actor's table of invites (one schema step in store.ts). */
export const INVITES_TABLE = `CREATE TABLE invites (
     id TEXT PRIMARY KEY,
     created_by_id TEXT NOT NULL,
     created_by_name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     max_uses INTEGER NOT NULL,
     uses INTEGER NOT NULL DEFAULT 0,
     revoked_at INTEGER
   );`;

interface InviteRow extends Record<string, SqlStorageValue> {
  id: string;
  created_by_id: string;
  created_by_name: string;
  created_at: number;
  expires_at: number;
  max_uses: number;
  uses: number;
  revoked_at: number | null;
}

const statusOf = (row: InviteRow, now: number): InviteView['status'] =>
  row.revoked_at !== null ? 'revoked' : row.uses >= row.max_uses ? 'used' : now >= row.expires_at ? 'expired' : 'open';

const toView = (row: InviteRow, now: number): InviteView => ({
  id: row.id,
  status: statusOf(row, now),
  maxUses: row.max_uses,
  uses: row.uses,
  createdAt: new Date(row.created_at).toISOString(),
  expiresAt: new Date(row.expires_at).toISOString(),
  revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
  createdBy: { id: row.created_by_id, name: row.created_by_name },
});

export class InviteStore {
  constructor(private readonly sql: SqlStorage) {}

  create(by: { id: string; name: string }, maxUses: number, now: number): InviteView {
    const row = this.sql
      .exec<InviteRow>(
        'INSERT INTO invites (id, created_by_id, created_by_name, created_at, expires_at, max_uses) VALUES (?, ?, ?, ?, ?, ?) RETURNING *',
        newId('iv'),
        by.id,
        by.name,
        now,
        now + INVITE_LIMITS.lifetimeMs,
        maxUses,
      )
      .one();
    return toView(row, now);
  }

  /** The newest first. */
  list(now: number): InviteView[] {
    return this.sql.exec<InviteRow>('SELECT * FROM invites ORDER BY created_at DESC, id LIMIT ?', INVITE_LIMITS.listed).toArray().map((r) => toView(r, now));
  }

  get(id: string, now: number): InviteView | null {
    const row = this.sql.exec<InviteRow>('SELECT * FROM invites WHERE id = ?', id).toArray()[0];
    return row ? toView(row, now) : null;
  }

  revoke(id: string, now: number): void {
    this.sql.exec('UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', now, id);
  }

  /** Revokes every invite that could still let someone in. */
  revokeOpen(now: number): void {
    this.sql.exec('UPDATE invites SET revoked_at = ? WHERE revoked_at IS NULL AND uses < max_uses AND expires_at > ?', now, now);
  }

  /** One more guest joined with it. */
  use(id: string): void {
    this.sql.exec('UPDATE invites SET uses = uses + 1 WHERE id = ?', id);
  }
}

/** Why an invite lets nobody in any more, or null while it is open. Unknown ids read as revoked. */
export function inviteRefusal(invite: InviteView | null): Refusal | null {
  switch (invite?.status ?? 'revoked') {
    case 'open':
      return null;
    case 'used':
      return refuse(410, 'invite_used', 'This invite link has already been used; ask for a new one.');
    case 'expired':
      return refuse(410, 'invite_expired', 'This invite link has expired; ask for a new one.');
    default:
      return refuse(410, 'invite_revoked', 'This invite link was withdrawn; ask for a new one.');
  }
}
