import type { z } from 'zod';
import type { Access, Endpoint, Input } from './endpoint';
import { endpointsFor } from './endpoint';

type Operation<
  A extends Access,
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  R extends z.ZodType | undefined,
> = Pick<Endpoint<A, P, Q, B, R>, 'summary' | 'handle'>;

/**
 * The endpoints of a collection managed over HTTP (agents, services, labels, canned replies,
 * contacts, webhooks): list it, create an item, and read, change or delete the item `params`
 * names. Every such collection answers alike (201 for a new item, 204 for a deleted one, 404
 * for an unknown one, 409 for a clash on a unique field), so that is said here once and each
 * operation says only what it is and does.
 */
export function collection<A extends Access, P extends z.ZodType, V extends z.ZodType>(of: {
  tag: string;
  access: A;
  params: P;
  /** What create, read and update answer. */
  view: V;
  /** Whether an item has a unique field that a create or an update can clash on (409). */
  unique: boolean;
  /** Statuses every operation may answer besides these. */
  errors?: number[];
  /** Records creates, updates and deletes in the audit log as `entity`; `read` is the item before a change. */
  audit?: { entity: string; read: (input: Pick<Input<A, P, undefined, undefined>, 'env' | 'params' | 'principal'>) => Promise<unknown> };
}) {
  const define = endpointsFor(of.tag, of.access);
  const errors = (...own: number[]): number[] => [...(of.errors ?? []), ...own];
  const clash = of.unique ? [409] : [];
  const created = of.audit && { audit: { entity: of.audit.entity } };
  const changed = of.audit && { audit: { entity: of.audit.entity, before: of.audit.read } };
  return {
    list: <L extends z.ZodType, Q extends z.ZodType | undefined = undefined>(
      op: Operation<A, undefined, Q, undefined, L> & { query?: Q; response: L },
    ) => define<undefined, Q, undefined, L>({ ...op, errors: errors() }),
    create: <B extends z.ZodType>(op: Operation<A, undefined, undefined, B, V> & { body: B }) =>
      define<undefined, undefined, B, V>({ ...op, ...created, response: of.view, status: 201, errors: errors(...clash) }),
    get: (op: Operation<A, P, undefined, undefined, V>) =>
      define<P, undefined, undefined, V>({ ...op, params: of.params, response: of.view, errors: errors(404) }),
    update: <B extends z.ZodType>(op: Operation<A, P, undefined, B, V> & { body: B }) =>
      define<P, undefined, B, V>({ ...op, ...changed, params: of.params, response: of.view, errors: errors(404, ...clash) }),
    delete: (op: Operation<A, P, undefined, undefined, undefined>) =>
      define<P, undefined, undefined, undefined>({ ...op, ...changed, params: of.params, status: 204, errors: errors(404) }),
  };
}
