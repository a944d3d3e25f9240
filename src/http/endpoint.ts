import { z } from 'zod';
import { recordChange, type AuditActor } from '../audit/log';
import type { Agent } from '../directory/agents';
import { findAgentByEmail } from '../directory/agents';
import { findGuest, type Guest } from '../directory/guests';
import type { Env } from '../env';
import { bearerToken, isGuestToken, requireAdmin, verifyAgentToken, verifyGuestToken } from './auth';
import { foreignOrigin } from './embed';
import { HttpError } from './errors';
import { requestLogOf, type LoggedActor } from './request-log';
import { readJsonBody, validate } from './validation';

/** Who may call an endpoint; `person` is an agent or a guest. */
export type Access = 'public' | 'admin' | 'agent' | 'guest' | 'person';

type AgentPrincipal = { kind: 'agent'; agent: Agent };
/** `guest`: their directory record, read once here; null when the token names no guest (any more). */
type GuestPrincipal = { kind: 'guest'; guestId: string; guest: Guest | null };

export type Principal<A extends Access> = A extends 'agent'
  ? AgentPrincipal
  : A extends 'guest'
    ? GuestPrincipal
    : A extends 'person'
      ? AgentPrincipal | GuestPrincipal
      : A extends 'admin'
        ? { kind: 'admin' }
        : { kind: 'anonymous' };

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
/** What a handler answers for a response schema (the parse makes the output). */
export type Answer<R> = R extends z.ZodType ? z.input<R> : void;

export interface Input<A extends Access, P, Q, B> {
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  principal: Principal<A>;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
}

/**
 * What an operation changes, for the audit log (docs/privacy.md "Audit log"): said on the
 * definition, so that every successful call is recorded by runEndpoint and no handler can
 * forget to. `before` and `after` are the item as the API shows it (the answer is `after`).
 */
export interface Audit<I> {
  /** The kind of item changed: agent, service, webhook, label… */
  entity: string;
  /** The item before the change (an update or a delete); a refusal to read it counts as none. */
  before?: (input: I) => Promise<unknown>;
  /** Defaults to create for a 201, delete for a 204, update otherwise. */
  action?: string;
  /** The item's id; defaults to the `id` of the answer or of `before`, else the path's parameters. */
  id?: (input: I) => string;
  /** A read worth recording (an export): who read what, never what they read. */
  access?: true;
}

/**
 * One API operation: who may call it, the zod schemas of its inputs and output, and what
 * it does. The same schemas validate requests and generate /openapi.json, so the document
 * cannot drift from what the Worker accepts.
 */
export interface Endpoint<
  A extends Access = Access,
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType | undefined = z.ZodType | undefined,
> {
  summary: string;
  tag: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** The largest JSON body, when not MAX_JSON_BODY_BYTES (a backup's restore pages). */
  maxBodyBytes?: number;
  /** A request without any body is read as `{}` (a body whose fields all have defaults). */
  bodyOptional?: boolean;
  /** The body is raw bytes the handler streams itself (a file upload): what they are, for /openapi.json. */
  rawBody?: string;
  /** The JSON answer; absent for operations answering something else (a WebSocket, a document). */
  response?: R;
  /** Status of a successful answer; 200 unless said. */
  status?: number;
  /** Error statuses this operation can answer besides the ones every operation has. */
  errors?: number[];
  /** Record each successful call in the audit log. */
  audit?: Audit<Input<A, P, Q, B>>;
  handle(input: Input<A, P, Q, B>): Promise<Answer<R> | Response>;
}

/** A feature's endpoints for one kind of caller: the tag and access are said once, each definition says what it does. */
export function endpointsFor<A extends Access>(tag: string, access: A) {
  return <
    P extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
    R extends z.ZodType | undefined = undefined,
  >(
    definition: Omit<Endpoint<A, P, Q, B, R>, 'tag' | 'access'>,
  ): Endpoint<A, P, Q, B, R> => ({ ...definition, tag, access });
}

async function authenticate(access: Access, request: Request, env: Env): Promise<Principal<Access>> {
  switch (access) {
    case 'public':
      return { kind: 'anonymous' };
    case 'admin':
      await requireAdmin(request, env);
      return { kind: 'admin' };
    case 'person':
      return isGuestToken(bearerToken(request)) ? authenticate('guest', request, env) : authenticate('agent', request, env);
    case 'agent': {
      const token = bearerToken(request);
      // A genuine guest token is an authenticated caller of the wrong kind (403); a forged one is not (401).
      if (isGuestToken(token)) {
        await verifyGuestToken(token, env);
        throw new HttpError(403, 'agents_only', 'This route is for agents: a guest token cannot call it.');
      }
      const claims = await verifyAgentToken(token, env);
      const agent = await findAgentByEmail(env.DB, claims.email);
      if (!agent) throw new HttpError(403, 'unknown_agent', 'The token is valid but names no agent in the directory.');
      return { kind: 'agent', agent };
    }
    case 'guest': {
      const token = bearerToken(request);
      if (!isGuestToken(token) && (await verifyAgentToken(token, env).then(() => true, () => false))) {
        throw new HttpError(403, 'guests_only', 'This route is for guests: an agent token cannot call it.');
      }
      const claims = await verifyGuestToken(token, env);
      const guest = await findGuest(env.DB, claims.guestId);
      // Erasure invalidates every token the guest holds (docs/privacy.md); tokens carry no revocation of their own.
      if (guest?.erasedAt) throw new HttpError(401, 'guest_erased', 'This guest was erased: the token no longer works.');
      return { kind: 'guest', ...claims, guest };
    }
  }
}

function queryObject(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}

/** Whether an endpoint is meant for pages of other sites (the widget): the rest get no CORS. */
export const servesOtherSites = (access: Access): boolean => access === 'public' || access === 'guest' || access === 'person';

/**
 * Agents work in the console, served from this Worker's own origin, and the admin API is for
 * scripts: a page of another site (an embedding site included) may use neither, even with a
 * token it somehow holds. Clients that send no Origin are not browsers and pass.
 */
function refuseOtherSites(request: Request, env: Env, who: 'agents' | 'the admin API'): void {
  const origin = foreignOrigin(request, env);
  if (!origin) return;
  throw new HttpError(
    403,
    'origin_not_allowed',
    `Pages on ${origin} may not use ${who === 'agents' ? "agents' routes: only the console's own origin may" : 'the admin API: call it from a server, without an Origin'}.`,
    { origin },
  );
}

function loggedActor(principal: Principal<Access>): LoggedActor {
  switch (principal.kind) {
    case 'agent':
      return { kind: 'agent', id: principal.agent.id };
    case 'guest':
      return { kind: 'guest', id: principal.guestId };
    case 'admin':
      return { kind: 'admin', id: 'admin' };
    case 'anonymous':
      return { kind: 'anonymous', id: null };
  }
}

/** The `id` of an item, or of the one item an answer wraps (`{contact: {...}, created}`). */
function idField(item: unknown): string | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const { id } = item as { id?: unknown };
  if (typeof id === 'string') return id;
  const wrapped = Object.values(item).find((v) => v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string');
  return wrapped ? (wrapped as { id: string }).id : undefined;
}

/**
 * Writes the audit entry of a call that succeeded. It follows the change rather than sharing
 * its D1 batch (the change may be in an actor's storage): the answer waits for it, so a change
 * whose answer a client got is in the log, and a failed write is a 500 rather than a change
 * nobody can trace.
 */
async function audit(
  spec: Audit<unknown>,
  input: { request: Request & { route?: string; params?: Record<string, string> }; env: Env; principal: Principal<Access> },
  before: unknown,
  after: unknown,
  status: number,
): Promise<void> {
  const actor = loggedActor(input.principal);
  // Guests change only their own conversations and meetings, which their timelines record.
  if (actor.kind !== 'admin' && actor.kind !== 'agent') return;
  await recordChange(input.env.DB, {
    actor: actor as AuditActor,
    entity: spec.entity,
    entityId: spec.id?.(input) ?? idField(after) ?? idField(before) ?? Object.values(input.request.params ?? {}).join('/'),
    action: spec.action ?? (status === 201 ? 'create' : status === 204 ? 'delete' : 'update'),
    route: `${input.request.method} ${input.request.route ?? new URL(input.request.url).pathname}`,
    requestId: requestLogOf(input.request)?.id ?? 'internal',
    before: spec.access ? null : before,
    after: spec.access ? null : after,
  });
}

/** What a handler's own JSON answer says, for the audit log; other answers (a file) have no after. */
const jsonOf = (response: Response): Promise<unknown> =>
  response.headers.get('content-type')?.startsWith('application/json') ? response.clone().json() : Promise.resolve(null);

const noneIfRefused = (err: unknown): null => {
  if (err instanceof HttpError) return null;
  throw err;
};

/** Runs an endpoint for a request whose path matched: authenticate, validate, handle, answer. */
export async function runEndpoint(
  definition: Endpoint,
  request: Request & { params?: Record<string, string> },
  env: Env,
  ctx: ExecutionContext,
): Promise<Response> {
  if (definition.access === 'admin') refuseOtherSites(request, env, 'the admin API');
  if (definition.access === 'agent') refuseOtherSites(request, env, 'agents');
  const principal = await authenticate(definition.access, request, env);
  const log = requestLogOf(request);
  if (log) log.actor = loggedActor(principal);
  if (principal.kind === 'agent') refuseOtherSites(request, env, 'agents');
  const params = definition.params ? validate(definition.params, request.params ?? {}, 'path') : undefined;
  const query = definition.query ? validate(definition.query, queryObject(new URL(request.url)), 'query') : undefined;
  const empty =
    definition.bodyOptional && !request.headers.has('content-type') && (request.body === null || request.headers.get('content-length') === '0');
  const body = definition.body ? validate(definition.body, empty ? {} : await readJsonBody(request, definition.maxBodyBytes), 'body') : undefined;
  const input = { request, env, ctx, principal, params, query, body } as never;
  const spec = definition.audit as Audit<unknown> | undefined;
  const before = spec?.before ? await spec.before(input).catch(noneIfRefused) : null;
  const result = await definition.handle(input);
  if (result instanceof Response) {
    if (spec && result.ok) await audit(spec, input, before, await jsonOf(result), result.status);
    return result;
  }
  const status = definition.status ?? 200;
  // Parsing the answer strips anything the schema does not name, so a field added to a
  // directory row never leaks through an endpoint that did not mean to show it.
  const payload = definition.response ? definition.response.parse(result) : result;
  if (spec) await audit(spec, input, before, status === 204 ? null : payload, status);
  if (status === 204) return new Response(null, { status });
  return Response.json(payload, { status });
}
