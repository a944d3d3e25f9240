import type { Entry } from '../conversation/protocol';
import { isDevelopment } from '../env';

/**
 * Email continuity (C12): the rules deciding when someone who is away gets the new messages
 * of a conversation by email, and which ones. Pure functions; the conversation actor stores
 * the ledger and runs them from its alarm (see continuity/digests.ts, docs/email-continuity.md).
 */
export const DIGEST = {
  /** After the first message someone missed, wait this long so that the next ones go in the same email. */
  gatherMs: 2 * 60_000,
  /** Never two emails to the same person about one conversation closer together than this. */
  minIntervalMs: 10 * 60_000,
  /** An email quotes at most this many messages (the most recent); it says how many earlier ones it leaves out. */
  maxMessages: 50,
} as const;

/** What has been done for one recipient in one conversation. */
export interface RecipientLedger {
  /** The last seq an email to them carried (0: none yet). */
  emailedSeq: number;
  /** Everything up to this seq reached an open socket of theirs, or their console, so they saw it live. */
  seenSeq: number;
  /** When the last email to them was queued; null before the first. */
  lastSentAt: number | null;
}

/**
 * The gathering pause in force: DIGEST.gatherMs, except in development with
 * DIGEST_GATHER_SECONDS set to a whole number of seconds, so that the fault suite and local
 * tries of replies need not wait 2 minutes of real time for the first email. Production
 * always keeps the rule's value (README "Configuration").
 */
export function gatherPauseMs(env: { ENVIRONMENT?: string; DIGEST_GATHER_SECONDS?: string }): number {
  const seconds = env.DIGEST_GATHER_SECONDS ?? '';
  return isDevelopment(env) && /^\d+$/.test(seconds) ? Number(seconds) * 1000 : DIGEST.gatherMs;
}

export const EMPTY_LEDGER: RecipientLedger = { emailedSeq: 0, seenSeq: 0, lastSentAt: null };

/**
 * Who a new message may have to reach by email: every participant but its author who has no
 * open socket in the conversation. Whether they have an address, opted in, or came back
 * is checked when the email is due, not here, so that posting a message never waits on it.
 */
export function digestRecipients(authorId: string, participantIds: readonly string[], online: (id: string) => boolean): string[] {
  return [...new Set(participantIds)].filter((id) => id !== authorId && !online(id));
}

/**
 * When a recipient's digest is due, the first message they missed having arrived at
 * `firstMissedAt`: after the gathering pause, and not before the minimum interval since the
 * previous email to them.
 */
export function digestDueAt(firstMissedAt: number, ledger: RecipientLedger, gatherMs: number = DIGEST.gatherMs): number {
  const gathered = firstMissedAt + gatherMs;
  return ledger.lastSentAt === null ? gathered : Math.max(gathered, ledger.lastSentAt + DIGEST.minIntervalMs);
}

/** The seq after which messages are news to this recipient: past what they read, saw live, or were emailed. */
export function digestFloor(ledger: RecipientLedger, readSeq: number): number {
  return Math.max(ledger.emailedSeq, ledger.seenSeq, readSeq);
}

export type DigestPlan =
  | { kind: 'send'; messages: Entry[]; omitted: number; throughSeq: number }
  | { kind: 'nothing' }
  | { kind: 'wait'; until: number };

/**
 * What a due digest does. `candidates` are the latest entries after the recipient's floor,
 * oldest first, and `earlier` how many more messages came before them; only messages
 * written by someone else count (events and Doorbell's own notes are not news worth an
 * email; the meeting emails carry those).
 */
export function planDigest(candidates: readonly Entry[], recipientId: string, ledger: RecipientLedger, now: number, earlier = 0): DigestPlan {
  const news = candidates.filter((e) => e.kind === 'message' && e.author.kind !== 'system' && e.author.id !== recipientId);
  if (news.length === 0) return { kind: 'nothing' };
  if (ledger.lastSentAt !== null && now < ledger.lastSentAt + DIGEST.minIntervalMs) {
    return { kind: 'wait', until: ledger.lastSentAt + DIGEST.minIntervalMs };
  }
  const messages = news.slice(-DIGEST.maxMessages);
  return { kind: 'send', messages, omitted: earlier + news.length - messages.length, throughSeq: news[news.length - 1]!.seq };
}
