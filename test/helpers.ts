import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { expect } from 'vitest';
import { interceptFetch } from './fakes/intercept';

export const BASE = 'http://doorbell.test';
export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

type Json = Record<string, unknown> | unknown[];

/** Calls the Worker the way a client would. */
export async function call(
  method: string,
  path: string,
  options: { body?: Json | string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; response: Response }> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body: parsed, response };
}

export interface TokenOptions {
  email?: string;
  secret?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string | number;
  alg?: string;
}

export async function agentToken(who: 'alice' | 'bob' | 'carol' | string, options: TokenOptions = {}): Promise<string> {
  const email = options.email ?? (who.includes('@') ? who : `${who}@doorbell.example`);
  return new SignJWT({ email })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setSubject(email)
    .setIssuer(options.issuer ?? env.AGENT_JWT_ISSUER)
    .setAudience(options.audience ?? env.AGENT_JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? env.AGENT_JWT_SECRET));
}

export async function asAgent(who: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await agentToken(who)}` };
}

export async function newGuest(name = 'Ann Lee', email?: string): Promise<{ id: string; token: string; headers: Record<string, string> }> {
  const { status, body } = await call('POST', '/api/guests', { body: email ? { name, email } : { name } });
  if (status !== 201) throw new Error(`guest creation failed: ${status} ${JSON.stringify(body)}`);
  return { id: body.guest.id, token: body.token, headers: { authorization: `Bearer ${body.token}` } };
}

/** A snapshot of the directory, to prove a refused request changed nothing. */
export async function directorySnapshot(): Promise<unknown> {
  const tables = ['agents', 'services', 'memberships', 'guests', 'contacts'];
  const results = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`)));
  return Object.fromEntries(tables.map((t, i) => [t, results[i]!.results]));
}

let counter = 0;
export const clientId = (): string => `c-${Date.now()}-${++counter}`;

/** A guest writes to an agent (`alice`) or a service (`service:sales`). */
export async function guestWrites(
  guest: { headers: Record<string, string> },
  to: string,
  text = 'Hello',
  extra: { widget?: boolean; clientId?: string } = {},
): Promise<{ status: number; body: any }> {
  const target = to.startsWith('service:')
    ? { kind: 'service', slug: to.slice('service:'.length), ...(extra.widget ? { widget: true } : {}) }
    : { kind: 'agent', slug: to };
  return call('POST', '/api/conversations', { headers: guest.headers, body: { target, clientId: extra.clientId ?? clientId(), text } });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every webhook endpoint registered through the admin API goes, so the next test's events reach nobody else's receiver. */
export async function deleteAllWebhooks(): Promise<void> {
  const { body } = await call('GET', '/api/admin/webhooks', { headers: ADMIN });
  for (const hook of body.webhooks) await call('DELETE', `/api/admin/webhooks/${hook.id}`, { headers: ADMIN });
}

interface JobsActor {
  pendingJobs(): Promise<Array<{ key: string; dueAt: number; running: boolean }>>;
}

/**
 * Runs an actor's jobs until none is due within `slackMs` (a job's handler may queue the next,
 * as a digest queues its email). The runtime fires alarms too: while one runs a job, that job
 * is leased (not due) and runDurableObjectAlarm has nothing to run, so this waits for it
 * rather than reading a result that is still being written (up to 10 s). A job due with no
 * alarm set would never run: that fails here, not later as a result that did not come.
 */
export async function drainJobsOf(stub: DurableObjectStub & JobsActor, slackMs = 0): Promise<void> {
  const until = Date.now() + 10_000;
  for (let runs = 0; runs < 5; ) {
    const jobs = await stub.pendingJobs();
    if (Date.now() > until) throw new Error(`jobs still running or due after 10 s: ${JSON.stringify(jobs)}`);
    if (jobs.some((j) => j.running)) {
      await sleep(20);
      continue;
    }
    if (!jobs.some((j) => j.dueAt <= Date.now() + slackMs)) return;
    if (await runDurableObjectAlarm(stub)) runs++;
    else await sleep(20);
  }
}

/**
 * "Time passes" for an actor: `move` rewrites the times it stores (its jobs' due times, and
 * whatever else it keeps by the clock), once none of its jobs is running. While a job runs,
 * its row's due time is its lease, and when the run ends the kernel reads a different due
 * time as "queued again meanwhile" (src/actor/jobs.ts): moved mid-run, the job would stay
 * behind after its run, due at a time nobody asked for, and a test would read it as work left.
 */
export async function timePassesFor(stub: DurableObjectStub & JobsActor, move: (sql: SqlStorage) => void): Promise<void> {
  for (let i = 0; i < 500; i++) {
    // One call into the actor: nothing can start a job between the check and the move.
    const moved = await runInDurableObject(stub, async (instance: DurableObject & JobsActor, state) => {
      if ((await instance.pendingJobs()).some((j) => j.running)) return false;
      move(state.storage.sql);
      return true;
    });
    if (moved) return;
    await sleep(20);
  }
  throw new Error('a job of the actor kept running for 10 s');
}

/** Reads until `ok` holds: what the Worker does after answering (jobs, hand-overs) lands a moment later. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  let value = await read();
  for (let i = 0; i < 200 && !ok(value); i++) {
    await sleep(20);
    value = await read();
  }
  if (!ok(value)) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
  return value;
}

/**
 * A fake receiver at `origin`, registered through the admin API for `events`. `delivered(n)`
 * runs the webhook actor's jobs until the receiver holds at least n events, and answers them.
 * Call `stop` after the test.
 */
export async function webhookReceiver(origin: string, events: string[]) {
  const received: any[] = [];
  const stop = interceptFetch({ [origin]: async (request) => (received.push(JSON.parse(request.body)), new Response('ok')) });
  const registered = await call('POST', '/api/admin/webhooks', { headers: ADMIN, body: { url: `${origin}/hook`, events } });
  expect(registered.status).toBe(201);
  const actor = env.WEBHOOKS.get(env.WEBHOOKS.idFromName(registered.body.webhook.id));
  const delivered = (n: number) =>
    eventually(
      async () => {
        await runDurableObjectAlarm(actor);
        return received;
      },
      (list) => list.length >= n,
      `${n} webhook events at ${origin}`,
    );
  return { stop, delivered };
}
