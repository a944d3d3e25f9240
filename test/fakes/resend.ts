import type { FakeHandler, Recorded } from './intercept';

/**
 * The Resend API's POST /emails as its documentation describes it, idempotency keys included
 * (https://resend.com/docs/dashboard/emails/idempotency-keys): a key seen in the last 24 hours
 * answers the first send's id and sends nothing. `delivered` is what recipients got.
 * `timeOutAfterSending` makes the next request be sent and then lose its answer.
 */
export class FakeResend {
  readonly delivered: Array<{ id: string; to: string[]; subject: string; headers?: Record<string, string> }> = [];
  readonly violations: string[] = [];
  timeOutAfterSending = 0;
  private readonly keys = new Map<string, { id: string; body: string }>();

  readonly handler: FakeHandler = (request: Recorded) => {
    if (request.method !== 'POST' || request.url.pathname !== '/emails') return Response.json({ name: 'not_found' }, { status: 404 });
    const key = request.headers.get('idempotency-key');
    if (!key) this.violations.push('POST /emails without an Idempotency-Key: a retry may send the email twice');
    else if (key.length > 256) this.violations.push('Idempotency-Key longer than 256 characters');
    const seen = key ? this.keys.get(key) : undefined;
    if (seen) {
      if (seen.body !== request.body) return Response.json({ name: 'invalid_idempotent_request', message: 'Same key, other payload.' }, { status: 409 });
      return Response.json({ id: seen.id });
    }
    const email = JSON.parse(request.body) as { to: string[]; subject: string; headers?: Record<string, string> };
    const id = crypto.randomUUID();
    this.delivered.push({ id, to: email.to, subject: email.subject, ...(email.headers ? { headers: email.headers } : {}) });
    if (key) this.keys.set(key, { id, body: request.body });
    if (this.timeOutAfterSending > 0) {
      this.timeOutAfterSending--;
      throw new TypeError('Network connection lost.');
    }
    return Response.json({ id });
  };
}
