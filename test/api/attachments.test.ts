import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signFileLink } from '../../src/attachments/links';
import worker from '../../src/index';
import { interceptFetch, type Recorded } from '../fakes/intercept';
import { ADMIN, agentToken, asAgent, BASE, call, clientId, deleteAllWebhooks, guestWrites, newGuest, sleep } from '../helpers';
import { clearOutbox, outbox } from '../meetings';
import { TestSocket } from '../socket';
import { exe, gif, html, jpeg, pdf, png, svg, text, webp, zip } from '../attachment-files';

const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));
type Headers = Record<string, string>;

/** Uploads a file as a browser's fetch of a File would: the raw bytes with their length. */
async function upload(headers: Headers, id: string, cid: string, name: string, bytes: Uint8Array, contentType?: string) {
  const query = new URLSearchParams({ clientId: cid, name });
  const response = await exports.default.fetch(
    new Request(`${BASE}/api/conversations/${id}/attachments?${query}`, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(bytes.byteLength), ...(contentType ? { 'content-type': contentType } : {}) },
      body: bytes,
    }),
  );
  return { status: response.status, body: (await response.json()) as any };
}

const send = (headers: Headers, id: string, body: Record<string, unknown>) => call('POST', `/api/conversations/${id}/messages`, { headers, body });
const stored = async (id: string) => (await env.FILES.list({ prefix: `conversations/${id}/` })).objects.map((o) => o.key);
const messages = async (id: string, headers: Headers) =>
  (await call('GET', `/api/conversations/${id}/messages?after=0&limit=200`, { headers })).body.entries.filter((e: any) => e.kind === 'message');

/** A guest who wrote to Sales: Alice and Carol (licensed) are participants, Bob is basic. */
async function chat(name = 'Ann Lee') {
  const guest = await newGuest(name);
  const started = await guestWrites(guest, 'service:sales', 'Hello, I have a question about my invoice');
  return { guest, id: started.body.conversation.id as string };
}

/** Fetches a file through the URL the API signs for it. */
async function download(headers: Headers, id: string, attachmentId: string) {
  const link = await call('GET', `/api/conversations/${id}/attachments/${attachmentId}`, { headers });
  expect(link.status, JSON.stringify(link.body)).toBe(200);
  const url = new URL(link.body.url);
  const response = await exports.default.fetch(new Request(`${BASE}${url.pathname}`));
  return { link: link.body, response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe('attachments: upload, send, read (docs/attachments.md)', () => {
  it('a guest sends an image and a PDF with no text; everyone sees them in history and can read them', async () => {
    const { guest, id } = await chat();
    const cid = clientId();
    const image = await upload(guest.headers, id, cid, 'screen.png', png(1280, 720), 'image/png');
    expect(image.status, JSON.stringify(image.body)).toBe(201);
    expect(image.body).toMatchObject({ name: 'screen.png', size: png().byteLength, type: 'image/png', width: 1280, height: 720, duplicate: false });
    const invoice = await upload(guest.headers, id, cid, 'invoice.pdf', pdf());
    expect(invoice.body).toMatchObject({ name: 'invoice.pdf', type: 'application/pdf', duplicate: false });
    expect(invoice.body.width).toBeUndefined();

    const sent = await send(guest.headers, id, { clientId: cid, attachments: [image.body.id, invoice.body.id] });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const alice = await asAgent('alice');
    const last = (await messages(id, alice)).at(-1);
    expect(last).toMatchObject({ seq: sent.body.seq, text: '', clientId: cid });
    expect(last.attachments).toEqual([
      { id: image.body.id, name: 'screen.png', size: png().byteLength, type: 'image/png', width: 1280, height: 720 },
      { id: invoice.body.id, name: 'invoice.pdf', size: pdf().byteLength, type: 'application/pdf' },
    ]);
    // Messages without files carry no field at all.
    expect((await messages(id, alice))[0].attachments).toBeUndefined();

    const shown = await download(alice, id, image.body.id);
    expect(shown.bytes).toEqual(png(1280, 720));
    expect(shown.link).toMatchObject({ id: image.body.id, name: 'screen.png' });
    expect(Date.parse(shown.link.expiresAt) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect(shown.response.headers.get('content-type')).toBe('image/png');
    expect(shown.response.headers.get('content-disposition')).toBe(`inline; filename="screen.png"; filename*=UTF-8''screen.png`);
    expect(shown.response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(shown.response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");

    const downloaded = await download(guest.headers, id, invoice.body.id);
    expect(downloaded.bytes).toEqual(pdf());
    expect(downloaded.response.headers.get('content-type')).toBe('application/pdf');
    expect(downloaded.response.headers.get('content-disposition')).toMatch(/^attachment; filename="invoice.pdf"/);
    expect(downloaded.response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
  });

  it('an agent sends files too; images of every allowed type are inline, documents and text download', async () => {
    const { guest, id } = await chat();
    const carol = await asAgent('carol');
    const cid = clientId();
    const files = [
      ['a.jpg', jpeg(), 'inline'],
      ['b.gif', gif(), 'inline'],
      ['c.webp', webp(), 'inline'],
      ['report.docx', zip(), 'attachment'],
      ['notes.txt', text(), 'attachment'],
      ['Ünïcode “quote”.csv', text('a,b\n1,2\n'), 'attachment'],
    ] as const;
    const ids: string[] = [];
    for (const [name, bytes] of files) {
      const r = await upload(carol, id, cid, name, bytes);
      expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBe(201);
      ids.push(r.body.id);
    }
    expect((await send(carol, id, { clientId: cid, text: 'Here you go', attachments: ids })).status).toBe(200);
    for (const [i, [name, , disposition]] of files.entries()) {
      const { response } = await download(guest.headers, id, ids[i]!);
      expect(response.headers.get('content-disposition'), name).toMatch(new RegExp(`^${disposition};`));
    }
    const { response } = await download(guest.headers, id, ids[5]!);
    expect(response.headers.get('content-type')).toBe('text/csv');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="_n_code _quote_.csv"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%E2%80%9Cquote%E2%80%9D.csv`);
  });
});

describe('attachments: refusals store nothing', () => {
  it('413 for a file over the limit, before any byte is stored', async () => {
    const { guest, id } = await chat();
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(png());
    const r = await upload(guest.headers, id, clientId(), 'huge.png', big);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: 'attachment_too_large', details: { limit: 10 * 1024 * 1024 } });
    expect(await stored(id)).toEqual([]);
  });

  it('411 without a Content-Length', async () => {
    const { guest, id } = await chat();
    // A stream of unknown length goes chunked, without Content-Length.
    const chunked = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(png()), c.close()) });
    const response = await exports.default.fetch(
      new Request(`${BASE}/api/conversations/${id}/attachments?clientId=${clientId()}&name=a.png`, { method: 'POST', headers: guest.headers, body: chunked }),
    );
    expect(response.status).toBe(411);
    expect(((await response.json()) as any).error.code).toBe('length_required');
    expect(await stored(id)).toEqual([]);
  });

  it('415 for a text file named .png, a PDF sent as an image, and hostile SVG and HTML', async () => {
    const { guest, id } = await chat();
    const cid = clientId();
    const cases = [
      ['photo.png', text(), undefined, 'file_type_mismatch'],
      ['invoice.pdf', pdf(), 'image/png', 'file_type_mismatch'],
      ['logo.svg', svg(), 'image/svg+xml', 'file_type_not_allowed'],
      ['logo.png', svg(), 'image/png', 'file_type_not_allowed'],
      ['page.html', html(), 'text/html', 'file_type_not_allowed'],
      ['page.txt', html(), 'text/plain', 'file_type_not_allowed'],
    ] as const;
    for (const [name, bytes, type, code] of cases) {
      const r = await upload(guest.headers, id, cid, name, bytes, type);
      expect([r.status, r.body.error?.code], name).toEqual([415, code]);
    }
    expect(await stored(id)).toEqual([]);
    // Nothing was reserved either: ten good files still fit the message.
    for (let i = 0; i < 10; i++) expect((await upload(guest.headers, id, cid, `p${i}.png`, png())).status).toBe(201);
  });

  it('404 for a conversation the caller may not write in; 403 for a basic agent', async () => {
    const { id } = await chat();
    const stranger = await newGuest('Mallory');
    const r = await upload(stranger.headers, id, clientId(), 'a.png', png());
    expect([r.status, r.body.error.code]).toEqual([404, 'not_found']);
    const never = await upload(stranger.headers, 'cv_00000000000000000000000000000000', clientId(), 'a.png', png());
    expect(never.status).toBe(404);
    expect((await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { visibility: 'private' } })).status).toBe(200);
    // Private now; Carol is a participant, so she still may. Nobody else of the team may.
    const bob = await upload(await asAgent('bob'), id, clientId(), 'a.png', png());
    expect([bob.status, bob.body.error.code]).toEqual([404, 'not_found']);
    const { id: open } = await chat('Bo Chen');
    const basic = await upload(await asAgent('bob'), open, clientId(), 'a.png', png());
    expect([basic.status, basic.body.error.code]).toEqual([403, 'agent_not_licensed']);
    expect(await stored(id)).toEqual([]);
    expect(await stored(open)).toEqual([]);
  });

  it('400 for the 11th file of a message, and for a message naming more than 10', async () => {
    const { guest, id } = await chat();
    const cid = clientId();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await upload(guest.headers, id, cid, `shot ${i}.png`, png())).body.id);
    const eleventh = await upload(guest.headers, id, cid, 'shot 10.png', png());
    expect([eleventh.status, eleventh.body.error.code]).toEqual([400, 'too_many_attachments']);
    expect(await stored(id)).toHaveLength(10);
    const tooMany = await send(guest.headers, id, { clientId: cid, attachments: [...ids, 'at_AAAAAAAAAAAAAAAAAAAA'] });
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'invalid_request']);
    expect((await send(guest.headers, id, { clientId: cid, attachments: ids })).status).toBe(200);
  });

  it('400 for a message naming a file that is not the author’s upload for its clientId; empty text needs files', async () => {
    const { guest, id } = await chat();
    const alice = await asAgent('alice');
    const cid = clientId();
    const mine = await upload(alice, id, cid, 'a.png', png());
    const theirs = await send(guest.headers, id, { clientId: cid, attachments: [mine.body.id] });
    expect([theirs.status, theirs.body.error.code]).toEqual([400, 'unknown_attachment']);
    const otherMessage = await send(alice, id, { clientId: clientId(), attachments: [mine.body.id] });
    expect([otherMessage.status, otherMessage.body.error.code]).toEqual([400, 'unknown_attachment']);
    const empty = await send(guest.headers, id, { clientId: clientId(), text: ' ' });
    expect([empty.status, empty.body.error.details.problems[0]]).toEqual([400, { path: 'text', message: 'must not be empty' }]);
    const note = await send(alice, id, { clientId: cid, note: true, text: 'see', attachments: [mine.body.id] });
    expect(note.status).toBe(400);
    expect((await messages(id, alice)).length).toBe(1);
  });
});

describe('attachments: idempotent by clientId', () => {
  it('a retried upload and a resent message store each file once', async () => {
    const { guest, id } = await chat();
    const cid = clientId();
    const first = await upload(guest.headers, id, cid, 'invoice.pdf', pdf());
    const again = await upload(guest.headers, id, cid, 'invoice.pdf', pdf());
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    const sent = await send(guest.headers, id, { clientId: cid, attachments: [first.body.id] });
    const resent = await send(guest.headers, id, { clientId: cid, attachments: [first.body.id] });
    expect(resent.body).toEqual({ seq: sent.body.seq, duplicate: true });
    // After the message, the same upload still answers the same file; a new one is refused.
    expect((await upload(guest.headers, id, cid, 'invoice.pdf', pdf())).body).toMatchObject({ id: first.body.id, duplicate: true });
    const late = await upload(guest.headers, id, cid, 'other.pdf', pdf());
    expect([late.status, late.body.error.code]).toEqual([409, 'message_already_sent']);
    expect(await stored(id)).toEqual([`conversations/${id}/${first.body.id}`]);
    expect((await messages(id, guest.headers)).filter((m: any) => m.attachments)).toHaveLength(1);
  });
});

describe('attachments: who may read', () => {
  it('a file is read by who may read the conversation; an unsent upload only by its author', async () => {
    const { guest, id } = await chat();
    const cid = clientId();
    const file = await upload(guest.headers, id, cid, 'a.png', png());
    const alice = await asAgent('alice');
    const before = await call('GET', `/api/conversations/${id}/attachments/${file.body.id}`, { headers: alice });
    expect([before.status, before.body.error.code]).toEqual([404, 'not_found']);
    expect((await call('GET', `/api/conversations/${id}/attachments/${file.body.id}`, { headers: guest.headers })).status).toBe(200);
    await send(guest.headers, id, { clientId: cid, attachments: [file.body.id] });
    expect((await call('GET', `/api/conversations/${id}/attachments/${file.body.id}`, { headers: alice })).status).toBe(200);
    // Bob is basic but may open a public conversation: he may read its files.
    expect((await call('GET', `/api/conversations/${id}/attachments/${file.body.id}`, { headers: await asAgent('bob') })).status).toBe(200);
    const stranger = await newGuest('Mallory');
    const refused = await call('GET', `/api/conversations/${id}/attachments/${file.body.id}`, { headers: stranger.headers });
    expect([refused.status, refused.body.error.code]).toEqual([404, 'not_found']);
    expect((await call('GET', `/api/conversations/${id}/attachments/${file.body.id}`)).status).toBe(401);
  });

  it('a signed link: forged or altered 401, expired 410, a file that is gone 404', async () => {
    const { guest, id } = await chat();
    const cid = clientId();
    const file = await upload(guest.headers, id, cid, 'a.png', png());
    await send(guest.headers, id, { clientId: cid, attachments: [file.body.id] });
    const { link } = await download(guest.headers, id, file.body.id);
    const token = new URL(link.url).pathname.split('/').pop()!;
    const altered = await call('GET', `/api/files/${token.slice(0, -2)}xx`);
    expect([altered.status, altered.body.error.code]).toEqual([401, 'invalid_link']);
    const expired = await signFileLink(env, BASE, id, file.body.id, -60);
    const late = await call('GET', new URL(expired.url).pathname);
    expect([late.status, late.body.error.code]).toEqual([410, 'link_expired']);
    const missing = await signFileLink(env, BASE, id, 'at_AAAAAAAAAAAAAAAAAAAA', 60);
    expect((await call('GET', new URL(missing.url).pathname)).status).toBe(404);
  });
});

describe('attachments: unsent uploads are deleted after a day', () => {
  it('the sweep job deletes bytes and record of a day-old unsent upload, keeps sent ones, and runs again for younger ones', async () => {
    const { guest, id } = await chat();
    const sentCid = clientId();
    const kept = await upload(guest.headers, id, sentCid, 'kept.png', png());
    await send(guest.headers, id, { clientId: sentCid, attachments: [kept.body.id] });
    const cid = clientId();
    const orphan = await upload(guest.headers, id, cid, 'orphan.png', png());
    const young = await upload(guest.headers, id, clientId(), 'young.png', png());
    const job = (await conversation(id).pendingJobs()).find((j) => j.kind === 'attachments');
    expect(job!.dueAt - Date.now()).toBeGreaterThan(23 * 3600_000);

    // A day passes for the first two uploads.
    await runInDurableObject(conversation(id), async (_instance, state) => {
      state.storage.sql.exec('UPDATE attachments SET created_at = created_at - 86400001 WHERE id != ?', young.body.id);
      state.storage.sql.exec("UPDATE jobs SET due_at = ? WHERE kind = 'attachments'", Date.now() - 1);
      await state.storage.setAlarm(Date.now());
    });
    // The alarm runs it; on a loaded machine an alarm already under way may hold the job a moment.
    for (let i = 0; i < 50 && (await stored(id)).length > 2; i++) {
      await runDurableObjectAlarm(conversation(id));
      await sleep(20);
    }
    expect((await stored(id)).sort()).toEqual([`conversations/${id}/${kept.body.id}`, `conversations/${id}/${young.body.id}`].sort());
    const late = await send(guest.headers, id, { clientId: cid, attachments: [orphan.body.id] });
    expect([late.status, late.body.error.code]).toEqual([400, 'unknown_attachment']);
    expect((await download(guest.headers, id, kept.body.id)).bytes).toEqual(png());
    // The younger upload's day brings the job back; running it twice changes nothing.
    const next = (await conversation(id).pendingJobs()).find((j) => j.kind === 'attachments');
    expect(next!.dueAt - Date.now()).toBeGreaterThan(23 * 3600_000);
    await runDurableObjectAlarm(conversation(id));
    expect(await stored(id)).toHaveLength(2);
  });
});

describe('attachments elsewhere: inbox, search', () => {
  it('the inbox shows a files-only last message as 📎 and its names; search finds a message by a file name', async () => {
    const { guest, id } = await chat();
    const cid = clientId();
    const word = Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
    const file = await upload(guest.headers, id, cid, `${word}-invoice.pdf`, pdf());
    const sent = await send(guest.headers, id, { clientId: cid, attachments: [file.body.id] });
    const alice = await asAgent('alice');
    let item: any;
    for (let i = 0; i < 100 && item?.lastMessage?.seq !== sent.body.seq; i++) {
      await sleep(20);
      item = (await call('GET', '/api/inbox', { headers: alice })).body.items.find((c: any) => c.conversationId === id);
    }
    expect(item.lastMessage).toMatchObject({ text: `📎 ${word}-invoice.pdf`, seq: sent.body.seq });
    let results: any[] = [];
    for (let i = 0; i < 100 && results.length === 0; i++) {
      await sleep(20);
      results = (await call('GET', `/api/search?q=${word}`, { headers: alice })).body.results;
    }
    expect(results).toMatchObject([{ conversationId: id, seq: sent.body.seq }]);
  });
});

describe('attachments on the socket', () => {
  it('a send frame carries files; every socket gets the entry with them, and a replay too', async () => {
    const { guest, id } = await chat();
    const agent = await TestSocket.open(`/api/conversations/${id}/socket`, await agentToken('alice'));
    const socket = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
    const cid = clientId();
    const file = await upload(guest.headers, id, cid, 'photo.webp', webp(300, 200));
    socket.send({ type: 'send', clientId: cid, attachments: [file.body.id] });
    const ack = await socket.next((f) => f.type === 'ack' && f.clientId === cid);
    expect(ack.duplicate).toBe(false);
    const live = await agent.next((f) => f.type === 'entry' && f.entry.seq === ack.seq);
    expect(live.entry).toMatchObject({ text: '', attachments: [{ id: file.body.id, name: 'photo.webp', type: 'image/webp', width: 300, height: 200 }] });
    const later = await TestSocket.open(`/api/conversations/${id}/socket?since=${ack.seq - 1}`, await agentToken('carol'));
    const replayed = await later.next((f) => f.type === 'entry' && f.entry.seq === ack.seq);
    expect(replayed.entry.attachments).toEqual(live.entry.attachments);
    later.ws.close();
    socket.send({ type: 'send', clientId: clientId(), attachments: ['at_AAAAAAAAAAAAAAAAAAAA'] });
    const refused = await socket.next((f) => f.type === 'error');
    expect(refused.code).toBe('unknown_attachment');
    agent.ws.close();
    socket.ws.close();
  });
});

const RECEIVER = 'https://files.receiver.example';
let stopIntercepting: (() => void) | null = null;
afterEach(async () => {
  stopIntercepting?.();
  stopIntercepting = null;
  vi.restoreAllMocks();
});

describe('attachments in webhooks', () => {
  it('message.created carries each file’s metadata and a signed link that reads it', async () => {
    const received: Recorded[] = [];
    stopIntercepting = interceptFetch({ [RECEIVER]: (request) => (received.push(request), new Response('ok')) });
    const hook = await call('POST', '/api/admin/webhooks', { headers: ADMIN, body: { url: `${RECEIVER}/hook`, events: ['message.created'] } });
    expect(hook.status).toBe(201);
    try {
      const { guest, id } = await chat();
      const cid = clientId();
      const file = await upload(guest.headers, id, cid, 'invoice.pdf', pdf());
      const sent = await send(guest.headers, id, { clientId: cid, text: 'See attached', attachments: [file.body.id] });
      let message: any;
      for (let i = 0; i < 150 && !message; i++) {
        await sleep(20);
        message = received.map((r) => JSON.parse(r.body).data.message).find((m) => m?.seq === sent.body.seq && m.clientId === cid);
      }
      expect(message.attachments).toEqual([{ id: file.body.id, name: 'invoice.pdf', size: pdf().byteLength, type: 'application/pdf', url: expect.stringMatching(/\/api\/files\//) }]);
      const response = await exports.default.fetch(new Request(`${BASE}${new URL(message.attachments[0].url).pathname}`));
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(pdf());
    } finally {
      await deleteAllWebhooks();
    }
  });
});

/** A reply by email, as Email Routing hands it to the Worker: its text, then each file as a base64 part. */
function emailReply(from: string, to: string, body: string, files: Array<[name: string, type: string, bytes: Uint8Array]>) {
  const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).match(/.{1,76}/g)?.join('\r\n') ?? '';
  const part = (headers: string[], content: string) => ['--part', ...headers, '', content];
  const headers = { From: `<${from}>`, To: to, Subject: 'Re: your question', 'Message-ID': `<${crypto.randomUUID()}@example.com>`, 'MIME-Version': '1.0' };
  const raw = [
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    'Content-Type: multipart/mixed; boundary="part"',
    '',
    ...part(['Content-Type: text/plain; charset=utf-8'], body),
    ...files.flatMap(([name, type, bytes]) =>
      part([`Content-Type: ${type}; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64'], base64(bytes)),
    ),
    '--part--',
    '',
  ].join('\r\n');
  return { from, to, raw, rawSize: raw.length, setReject: vi.fn() };
}

describe('attachments by email (C12)', () => {
  it('a continuity email links the files; the guest’s emailed files land in the conversation, refused ones named', async () => {
    await clearOutbox();
    const email = `ann.files.${Date.now()}@example.com`;
    const guest = await newGuest('Ann Lee', email);
    const started = await guestWrites(guest, 'alice', 'Can you send me the invoice?');
    const id: string = started.body.conversation.id;
    const alice = await asAgent('alice');
    const cid = clientId();
    const file = await upload(alice, id, cid, 'invoice.pdf', pdf());
    expect((await send(alice, id, { clientId: cid, text: 'Here it is', attachments: [file.body.id] })).status).toBe(200);

    // The guest is offline: the digest falls due and goes out.
    for (let i = 0; i < 5; i++) {
      await runInDurableObject(conversation(id), async (_instance, state) => {
        state.storage.sql.exec("UPDATE jobs SET due_at = ? WHERE kind != 'attachments'", Date.now() - 1);
      });
      await runDurableObjectAlarm(conversation(id));
    }
    const mail = (await outbox()).find((m) => m.to === email)!;
    const link = /📎 invoice\.pdf \(\d+ B\): (\S+)/.exec(mail.text)?.[1];
    expect(link, mail.text).toMatch(/\/api\/files\//);
    const fetched = await exports.default.fetch(new Request(`${BASE}${new URL(link!).pathname}`));
    expect(fetched.headers.get('content-disposition')).toMatch(/^attachment;/);

    const reply = emailReply(email, mail.replyTo!, 'Thanks, here is my photo.', [
      ['photo.png', 'image/png', png(64, 48)],
      ['setup.exe', 'application/octet-stream', exe()],
      ['fake.png', 'image/png', text()],
    ]);
    await worker.email(reply as unknown as ForwardableEmailMessage, env);
    expect(reply.setReject).not.toHaveBeenCalled();
    const posted = (await messages(id, alice)).at(-1);
    expect(posted.author.kind).toBe('guest');
    expect(posted.text).toBe('Thanks, here is my photo.\n\n[Not attached: setup.exe (type not allowed), fake.png (not what its name says)]');
    expect(posted.attachments).toMatchObject([{ name: 'photo.png', type: 'image/png', width: 64, height: 48 }]);
    expect((await download(alice, id, posted.attachments[0].id)).bytes).toEqual(png(64, 48));

    // The same email delivered again posts nothing and stores nothing new.
    const keys = await stored(id);
    await worker.email({ ...reply, raw: reply.raw, setReject: vi.fn() } as unknown as ForwardableEmailMessage, env);
    expect(await stored(id)).toEqual(keys);
    expect((await messages(id, alice)).at(-1).seq).toBe(posted.seq);
  });
});
