import type { Address, Attachment, OutgoingEmail } from './message';

/** An email as the development outbox keeps it. */
export interface OutboxEmail {
  id: string;
  createdAt: string;
  from: Address;
  to: Address[];
  subject: string;
  text: string;
  html: string;
  raw: string;
  attachments: Attachment[];
  /** The headers the email added to the ones the mailer writes. */
  headers: Record<string, string>;
}

interface OutboxRow {
  id: string;
  created_at: string;
  from_address: string;
  to_addresses: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
  attachments: string;
  headers: string;
}

const fromRow = (row: OutboxRow): OutboxEmail => ({
  id: row.id,
  createdAt: row.created_at,
  from: JSON.parse(row.from_address) as Address,
  to: JSON.parse(row.to_addresses) as Address[],
  subject: row.subject,
  text: row.text,
  html: row.html,
  raw: row.raw,
  attachments: JSON.parse(row.attachments) as Attachment[],
  headers: JSON.parse(row.headers) as Record<string, string>,
});

/** Keyed by the email's id: storing a retried email again keeps the one copy. */
export async function storeInOutbox(db: D1Database, id: string, email: OutgoingEmail, raw: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO outbox (id, from_address, to_addresses, subject, text, html, raw, attachments, headers)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    )
    .bind(
      id,
      JSON.stringify(email.from),
      JSON.stringify(email.to),
      email.subject,
      email.text,
      email.html,
      raw,
      JSON.stringify(email.attachments ?? []),
      JSON.stringify(email.headers ?? {}),
    )
    .run();
}

/** Newest first; `to` keeps only the emails sent to that address. */
export async function listOutbox(db: D1Database, options: { to?: string; limit?: number } = {}): Promise<OutboxEmail[]> {
  const limit = options.limit ?? 100;
  // rowid breaks ties between emails stored within the same millisecond.
  const statement = options.to
    ? db
        .prepare(
          `SELECT * FROM outbox
           WHERE EXISTS (SELECT 1 FROM json_each(outbox.to_addresses) WHERE lower(json_extract(value, '$.email')) = lower(?))
           ORDER BY created_at DESC, rowid DESC LIMIT ?`,
        )
        .bind(options.to, limit)
    : db.prepare('SELECT * FROM outbox ORDER BY created_at DESC, rowid DESC LIMIT ?').bind(limit);
  const { results } = await statement.all<OutboxRow>();
  return results.map(fromRow);
}

export async function getOutboxEmail(db: D1Database, id: string): Promise<OutboxEmail | null> {
  const row = await db.prepare('SELECT * FROM outbox WHERE id = ?').bind(id).first<OutboxRow>();
  return row ? fromRow(row) : null;
}
