import { HttpError, type ErrorCode, type ErrorStatus, type StatusOf } from '../errors';

/** An actor's refusal. Error classes do not survive RPC, so refusals travel as data. */
export type Refusal = { ok: false; status: ErrorStatus; code: ErrorCode; message: string; details?: RefusalDetails };
export type Outcome<T> = { ok: true; value: T } | Refusal;
/** `retryAfter` (seconds) also becomes the answer's Retry-After header. */
export type RefusalDetails = { limit?: string; retryAfter?: number; /** `slot_held`: when the hold expires (ISO). */ freesAt?: string };

export const refuse = <C extends ErrorCode>(status: StatusOf<C>, code: C, message: string, details?: RefusalDetails): Refusal =>
  details ? { ok: false, status, code, message, details } : { ok: false, status, code, message };
export const accept = <T>(value: T): Outcome<T> => ({ ok: true, value });

/** Back on the Worker's side of the RPC: a refusal becomes the HTTP error it stands for. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) {
    const retryAfter = outcome.details?.retryAfter;
    throw new HttpError(outcome.status, outcome.code, outcome.message, outcome.details, retryAfter === undefined ? undefined : { 'retry-after': String(retryAfter) });
  }
  return outcome.value;
}
