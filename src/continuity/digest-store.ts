import { EMPTY_LEDGER, type RecipientLedger } from './email-digest';

/**
 * The transcripts sent, one row per resolution and guest, written with the email's job: a
 * transcript job run twice (alarms are at least once) finds its row and sends nothing more.
 */
export const TRANSCRIPTS_TABLE = `CREATE TABLE transcripts_sent (
     resolution INTEGER NOT NULL,
     participant_id TEXT NOT NULL,
     PRIMARY KEY (resolution, participant_id)
   );`;

/** The conversation actor's email ledger (C12); its jobs are in the actor's job table (actor/jobs.ts). */
export class DigestStore {
  constructor(private readonly sql: SqlStorage) {}

  ledger(participantId: string): RecipientLedger {
    const row = this.sql
      .exec<{ emailed_seq: number; seen_seq: number; last_sent_at: number | null }>(
        'SELECT emailed_seq, seen_seq, last_sent_at FROM email_recipients WHERE participant_id = ?',
        participantId,
      )
      .toArray()[0];
    return row ? { emailedSeq: row.emailed_seq, seenSeq: row.seen_seq, lastSentAt: row.last_sent_at } : EMPTY_LEDGER;
  }

  /** The recipient's handle in reply addresses, handed out the first time it is asked for. */
  handleFor(participantId: string): number {
    this.sql.exec('INSERT INTO email_recipients (participant_id) VALUES (?) ON CONFLICT (participant_id) DO NOTHING', participantId);
    return this.sql.exec<{ handle: number }>('SELECT handle FROM email_recipients WHERE participant_id = ?', participantId).one().handle;
  }

  participantOf(handle: number): string | null {
    return this.sql.exec<{ participant_id: string }>('SELECT participant_id FROM email_recipients WHERE handle = ?', handle).toArray()[0]?.participant_id ?? null;
  }

  /** Everything up to `seq` reached them live; positions only move forward. */
  markSeen(participantId: string, seq: number): void {
    this.handleFor(participantId);
    this.sql.exec('UPDATE email_recipients SET seen_seq = max(seen_seq, ?) WHERE participant_id = ?', seq, participantId);
  }

  markEmailed(participantId: string, throughSeq: number, at: number): void {
    this.handleFor(participantId);
    this.sql.exec('UPDATE email_recipients SET emailed_seq = max(emailed_seq, ?), last_sent_at = ? WHERE participant_id = ?', throughSeq, at, participantId);
  }

  /** Records that `participantId` has the transcript of this resolution; false when they had it already. */
  markTranscriptSent(resolution: number, participantId: string): boolean {
    return this.sql.exec('INSERT INTO transcripts_sent (resolution, participant_id) VALUES (?, ?) ON CONFLICT DO NOTHING', resolution, participantId).rowsWritten > 0;
  }
}
