// Email into a running `wrangler dev`, for the fault suite and benchmarks: `wrangler dev`
// serves POST /cdn-cgi/handler/email?from=…&to=… and hands the body to the Worker's email()
// handler as Email Routing would (https://developers.cloudflare.com/email-routing/email-workers/local-development/).
// It answers 200 when the Worker took the message and 400 "Worker rejected email with the
// following reason: …" when it called setReject; a crash of the handler is a 5xx.
import { agentToken } from './dev-server.mjs';
import { bearer, newGuest } from './client.mjs';

const MiB = 1024 * 1024;

/** Delivers `raw` (string or bytes) from envelope sender `from` to `to`; answers the status and text. */
export async function deliverEmail(base, from, to, raw) {
  const query = new URLSearchParams({ from, to });
  const response = await fetch(`${base}/cdn-cgi/handler/email?${query}`, { method: 'POST', body: raw });
  return { status: response.status, text: await response.text() };
}

/** The reason in a rejection's answer, or null when the Worker took the message. */
export const rejection = (answer) => /following reason: ([\s\S]*)$/.exec(answer.text)?.[1]?.trim() ?? null;

/**
 * `text` followed by about 1 MiB of the markup that made the old regular expressions
 * quadratic: deep nesting of quotes, then an unclosed comment full of unclosed <style> tags.
 */
export function hostileHtml(text) {
  return `<div>${text}</div><blockquote>${'<div><blockquote>'.repeat(20_000)}</blockquote><!--${'<style>'.repeat(Math.ceil(0.7 * MiB / 7))}`;
}

/** An HTML-only reply, as a mail client sends one; `messageId` makes each delivery its own message. */
export function htmlReply({ from, to, html, messageId }) {
  return [
    `From: Guest <${from}>`,
    `To: ${to}`,
    'Subject: Re: new messages',
    `Message-ID: <${messageId}@mail.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '',
  ].join('\r\n');
}

/**
 * A guest with `email` who wrote to Alice and left, with the signed reply address of the
 * continuity email they got for her answer: waits for the digest's gathering pause in real
 * time (2 minutes, docs/email-continuity.md, unless the server runs with DIGEST_GATHER_SECONDS).
 * Answers the guest, the conversation id and the reply address.
 */
export async function guestWithReplyAddress(call, email, { timeoutMs = 200_000 } = {}) {
  const guest = await newGuest(call, 'Hostile Sender', email);
  const started = await call('POST', '/api/conversations', { headers: guest.headers, body: { target: { kind: 'agent', slug: 'alice' }, clientId: 'first', text: 'Hello Alice' } });
  if (started.status !== 201 && started.status !== 200) throw new Error(`conversation: ${started.status} ${JSON.stringify(started.body)}`);
  const id = started.body.conversation.id;
  const alice = bearer(await agentToken('alice@doorbell.example'));
  const answer = await call('POST', `/api/conversations/${id}/messages`, { headers: alice, body: { clientId: `a-${Date.now()}`, text: 'Hello, how can I help?' } });
  if (answer.status !== 200) throw new Error(`agent message: ${answer.status} ${JSON.stringify(answer.body)}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const outbox = await call('GET', `/dev/outbox.json?to=${encodeURIComponent(email)}`);
    const raw = outbox.body?.emails?.[0]?.raw;
    // Header lines may be folded; the address is the one in angle brackets.
    const replyTo = raw ? /^Reply-To:.*<([^>]+)>/im.exec(raw.replace(/\r\n[ \t]+/g, ' '))?.[1] : null;
    if (replyTo) return { guest, id, replyTo };
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`no continuity email reached ${email} within ${timeoutMs / 1000} s`);
}

/**
 * Runs `work` while asking /healthz every `everyMs`: answers what `work` resolved to and the
 * slowest /healthz answer meanwhile (ms), which shows whether one email froze the Worker.
 */
export async function whileWatchingHealth(base, work, everyMs = 100) {
  let done = false;
  let slowest = 0;
  const watch = (async () => {
    while (!done) {
      const t0 = performance.now();
      await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
      slowest = Math.max(slowest, performance.now() - t0);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  let result;
  try {
    result = await work();
  } finally {
    done = true;
    await watch;
  }
  return { result, slowestHealthMs: Math.round(slowest) };
}
