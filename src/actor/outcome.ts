import { HttpError, type ErrorCode, type ErrorStatus, type StatusOf } from '../errors';

/** An actor's refusal. Error classes do not survive RPC, so refusals travel as data. */
export type Refusal = { ok: false; status: ErrorStatus; code: ErrorCode; message: string };
export type Outcome<T> = { ok: true; value: T } | Refusal;

export const refuse = <C extends ErrorCode>(status: StatusOf<C>, code: C, message: string): Refusal => ({ ok: false, status, code, message });
export const accept = <T>(value: T): Outcome<T> => ({ ok: true, value });

/** Back on the Worker's side of the RPC: a refusal becomes the HTTP error it stands for. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new HttpError(outcome.status, outcome.code, outcome.message);
  return outcome.value;
}
