// 6. Hostile email: how long the email handler takes for an HTML-only reply of 1 MiB built to
// make an HTML-to-text step quadratic (deep nesting, an unclosed comment full of unclosed
// <style> tags), delivered through `wrangler dev`'s local Email Routing endpoint, next to an
// ordinary short HTML reply and an ordinary one as large as the hostile one; and the slowest /healthz answer while it is read. Before the linear
// parser a 600 KiB reply took 26 s of CPU and /healthz waited 23 s.
import { deliverEmail, guestWithReplyAddress, hostileHtml, htmlReply, whileWatchingHealth } from '../../test/support/inbound-email.mjs';
import { doorbell } from '../lib/doorbell.mjs';
import { log } from '../lib/progress.mjs';
import { summarize } from '../lib/stats.mjs';

async function timeReplies(api, kind, html, count, address) {
  const times = [];
  let slowestHealthMs = 0;
  for (let n = 0; n < count; n++) {
    const raw = htmlReply({ from: address.email, to: address.replyTo, html: html(n), messageId: `bench-${kind}-${n}-${Date.now()}` });
    const t0 = performance.now();
    const { result, slowestHealthMs: health } = await whileWatchingHealth(api.base, () => deliverEmail(api.base, address.email, address.replyTo, raw));
    times.push(performance.now() - t0);
    if (result.status !== 200) throw new Error(`${kind} reply ${n}: ${result.status} ${result.text.slice(0, 200)}`);
    slowestHealthMs = Math.max(slowestHealthMs, health);
  }
  return { ...summarize(times), slowestHealthMs, bytes: htmlReply({ from: address.email, to: address.replyTo, html: html(0), messageId: 'x' }).length };
}

export default {
  name: 'html',
  title: 'Hostile email',
  async run(ctx) {
    const count = ctx.quick ? 2 : 5;
    const api = doorbell(await ctx.product());
    const email = `html-bench-${Date.now()}@bench.doorbell.example`;
    log('html: waiting for the continuity email that gives a reply address (2-minute gathering pause)');
    const address = { email, ...(await guestWithReplyAddress(api.call, email)) };
    const plain = await timeReplies(api, 'plain', (n) => `<div>Plain answer ${n}.</div><blockquote><p>Earlier message</p></blockquote>`, count, address);
    // As large as the hostile one but ordinary markup: what size alone costs (transport, MIME parsing).
    const paragraph = `<p>${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(20)}</p>`;
    const large = await timeReplies(api, 'large', (n) => `<div>Large answer ${n}.</div><blockquote>${paragraph.repeat(Math.ceil(1048576 / paragraph.length))}</blockquote>`, count, address);
    const hostile = await timeReplies(api, 'hostile', (n) => hostileHtml(`Hostile answer ${n}.`), count, address);
    return { params: { replies: count }, figures: { plain, large, hostile } };
  },
  print({ params, figures: f }) {
    return [
      `ordinary HTML reply (${f.plain.bytes} bytes): median ${f.plain.p50} ms, max ${f.plain.max} ms over ${params.replies}`,
      `ordinary 1 MiB HTML reply (${(f.large.bytes / 1048576).toFixed(2)} MiB): median ${f.large.p50} ms, max ${f.large.max} ms; slowest /healthz meanwhile ${f.large.slowestHealthMs} ms`,
      `hostile HTML reply (${(f.hostile.bytes / 1048576).toFixed(2)} MiB): median ${f.hostile.p50} ms, max ${f.hostile.max} ms over ${params.replies}; slowest /healthz meanwhile ${f.hostile.slowestHealthMs} ms`,
    ];
  },
};
