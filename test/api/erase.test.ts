import { exports } from 'cloudflare:workers';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { pdf } from '../attachment-files';
import { ADMIN, agentToken, asAgent, BASE, call, clientId, deleteAllWebhooks, eventually, guestWrites, newGuest, sleep, webhookReceiver } from '../helpers';
import { ALICE_ID, book, calendarStub, clearOutbox, drainJobs, outbox, slots } from '../meetings';
import { TestSocket } from '../socket';

type Headers = Record<string, string>;

/** A word no other test writes, so a search finds only this test's message. */
const word = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');

const timeline = async (id: string, headers: Headers) => {
  const r = await call('GET', `/api/conversations/${id}/messages?after=0&limit=200`, { headers });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { entries: any[]; lastSeq: number };
};
const search = async (headers: Headers, q: string) => (await call('GET', `/api/search?q=${q}`, { headers })).body.results as any[];

async function upload(headers: Headers, id: string, cid: string, name: string, bytes: Uint8Array) {
  const query = new URLSearchParams({ clientId: cid, name });
  const response = await exports.default.fetch(
    new Request(`${BASE}/api/conversations/${id}/attachments?${query}`, { method: 'POST', headers: { ...headers, 'content-length': String(bytes.byteLength) }, body: bytes }),
  );
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

/** Ann's conversation with Support, which `guest` joins by Alice's invite link and writes in. */
async function invited(guest: { headers: Headers }, text: string) {
  const ann = await newGuest('Ann Lee');
  const id = (await guestWrites(ann, 'service:support', `question ${word()}`)).body.conversation.id as string;
  const invite = await call('POST', `/api/conversations/${id}/invites`, { headers: await asAgent('alice') });
  expect(invite.status, JSON.stringify(invite.body)).toBe(201);
  expect((await call('POST', '/api/invites/accept', { headers: guest.headers, body: { invite: invite.body.invite } })).status).toBe(200);
  expect((await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: clientId(), text } })).status).toBe(200);
  return id;
}

/**
 * A guest who booked a meeting with Alice (the meeting's conversation), then wrote to Sales
 * (with a file) and to Alice's personal link, and joined Ann's conversation with Support by an
 * invite: four conversations (three they started), a meeting, and a phonebook contact.
 */
async function guestEverywhere() {
  const email = `${word()}@example.com`;
  const slot = (await slots())[0]!;
  const booked = await book(slot.start, { name: 'Erin Example', email });
  expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  const headers = { authorization: `Bearer ${booked.body.guestToken}` };
  const guestId = (await call('GET', '/api/guests/me', { headers })).body.id as string;
  const secret = word();
  const sales = (await guestWrites({ headers }, 'service:sales', `my order ${secret}`)).body.conversation.id as string;
  const cid = clientId();
  const file = await upload(headers, sales, cid, 'invoice.pdf', pdf());
  expect((await call('POST', `/api/conversations/${sales}/messages`, { headers, body: { clientId: cid, attachments: [file.id] } })).status).toBe(200);
  const personal = (await guestWrites({ headers }, 'alice', `personal ${word()}`)).body.conversation.id as string;
  const { results } = await env.DB.prepare('SELECT id FROM conversations WHERE guest_id = ? ORDER BY created_at').bind(guestId).all<{ id: string }>();
  const joinedSecret = word();
  const joined = await invited({ headers }, `joined ${joinedSecret}`);
  const contact = await call('POST', `/api/conversations/${sales}/contact`, { headers: await asAgent('alice'), body: { company: 'Example Ltd' } });
  expect(contact.status, JSON.stringify(contact.body)).toBe(201);
  return {
    guestId,
    headers,
    email,
    secret,
    joinedSecret,
    sales,
    personal,
    joined,
    file,
    contactId: contact.body.contact.id as string,
    meetingId: booked.body.meeting.id as string,
    started: results.map((r) => r.id),
    conversations: [...results.map((r) => r.id), joined],
  };
}

const erase = (guestId: string, confirm = guestId) => call('POST', `/api/admin/guests/${guestId}/erase`, { headers: ADMIN, body: { confirm } });

describe('erasing a guest (docs/privacy.md)', () => {
  it('replaces their messages by tombstones at the same seq everywhere, renames them, cancels the meeting, deletes contact, file and search rows, and refuses their token', async () => {
    const alice = await asAgent('alice');
    const g = await guestEverywhere();
    expect(g.started).toHaveLength(3);
    expect(g.started).toEqual(expect.arrayContaining([g.sales, g.personal]));
    await drainJobs();
    await clearOutbox();
    const socket = await TestSocket.open(`/api/conversations/${g.sales}/socket`, await agentToken('alice'));
    await socket.next((f) => f.type === 'welcome');
    // The conversation they only joined is live too, with Bob at his console.
    const joinedSocket = await TestSocket.open(`/api/conversations/${g.joined}/socket`, await agentToken('bob'));
    await joinedSocket.next((f) => f.type === 'welcome');
    const joinedSeqs = (await timeline(g.joined, alice)).entries.filter((e) => e.kind === 'message' && e.author.id === g.guestId).map((e) => e.seq);
    expect(joinedSeqs).toHaveLength(1);
    const audited = async () => (await call('GET', '/api/admin/audit?entity=contact&limit=100', { headers: ADMIN })).body.entries.filter((e: any) => e.entityId === g.contactId);
    expect(JSON.stringify(await audited())).toContain(g.email);
    await eventually(() => search(alice, g.secret), (r) => r.length === 1, 'the message indexed');
    const before = await timeline(g.sales, alice);
    const guestSeqs = before.entries.filter((e) => e.kind === 'message' && e.author.id === g.guestId).map((e) => e.seq);
    expect(guestSeqs).toHaveLength(2);
    expect((await env.FILES.list({ prefix: `conversations/${g.sales}/` })).objects.map((o) => o.key)).toContain(`conversations/${g.sales}/${g.file.id}`);

    expect((await erase(g.guestId, 'gu_someoneElse000000')).body.error.code).toBe('erase_not_confirmed');
    expect((await erase('gu_nobody000000000000')).status).toBe(404);
    expect(await timeline(g.sales, alice)).toEqual(before);

    const started = await erase(g.guestId);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.statusUrl).toBe(`/api/admin/erasures/${started.body.id}`);

    // The open agent socket sees each tombstone at its seq and the renamed participant, without reloading.
    for (const seq of guestSeqs) {
      const replaced = await socket.next((f) => f.type === 'entry_replaced' && f.entry.seq === seq);
      expect(replaced.entry).toMatchObject({ kind: 'event', text: null, event: { type: 'message_deleted' }, author: { id: g.guestId, name: 'Deleted guest' } });
    }
    const view = await socket.next((f) => f.type === 'conversation');
    expect(view.conversation.participants.find((p: any) => p.kind === 'guest')).toMatchObject({ id: g.guestId, name: 'Deleted guest' });
    expect(view.conversation.title).toBe('Deleted guest');
    const [joinedTombstone] = joinedSeqs;
    expect((await joinedSocket.next((f) => f.type === 'entry_replaced' && f.entry.seq === joinedTombstone)).entry).toMatchObject({
      event: { type: 'message_deleted' },
      author: { id: g.guestId, name: 'Deleted guest' },
    });
    const joinedView = await joinedSocket.next((f) => f.type === 'conversation');
    expect(joinedView.conversation.participants.filter((p: any) => p.kind === 'guest').map((p: any) => p.name)).toEqual(['Ann Lee', 'Deleted guest']);

    const done = await eventually(
      async () => (await call('GET', started.body.statusUrl, { headers: ADMIN })).body,
      (b) => b.state === 'complete',
      'the erasure to complete',
    );
    // Four conversations and Alice's calendar.
    expect(done.steps).toEqual({ done: 5, total: 5 });

    for (const id of g.conversations) {
      const after = await timeline(id, alice);
      // Dense: every seq from 1 to the last is there.
      expect(after.entries.map((e) => e.seq)).toEqual(Array.from({ length: after.lastSeq }, (_, i) => i + 1));
      expect(after.entries.filter((e) => e.author.id === g.guestId && e.kind === 'message')).toEqual([]);
      expect(JSON.stringify(after.entries)).not.toContain('Erin');
      expect(JSON.stringify(after.entries)).not.toContain(g.email);
    }
    expect((await timeline(g.joined, alice)).entries.filter((e) => e.kind === 'message').map((e) => e.author.name)).toEqual(['Ann Lee']);
    // Nor does any directory row that copies names or texts: the views' summaries, the search index.
    const ids = JSON.stringify(g.conversations);
    await eventually(
      async () => [
        ...(await env.DB.prepare('SELECT title, last_message FROM conversations WHERE id IN (SELECT value FROM json_each(?))').bind(ids).all()).results,
        ...(await env.DB.prepare('SELECT title FROM search_conversations WHERE conversation_id IN (SELECT value FROM json_each(?))').bind(ids).all()).results,
        ...(await env.DB.prepare('SELECT author_name, text FROM search_entries WHERE conversation_id IN (SELECT value FROM json_each(?))').bind(ids).all()).results,
      ],
      (rows) => rows.length > 0 && [/Erin/, g.email, g.secret, g.joinedSecret].every((gone) => !JSON.stringify(rows).match(gone)),
      'the summaries and search rows renamed',
    );
    // The phonebook contact's audit entries keep that it was made, by whom and when, not whom it was about.
    const entries = await audited();
    expect(entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(entries)).not.toContain(g.email);
    expect(JSON.stringify(entries)).not.toContain('Erin');
    expect(entries.find((e: any) => e.action === 'create').after.contact).toMatchObject({ id: g.contactId, name: 'Deleted guest', email: null, company: 'Example Ltd' });
    const sales = await timeline(g.sales, alice);
    for (const seq of guestSeqs) expect(sales.entries.find((e) => e.seq === seq)).toMatchObject({ event: { type: 'message_deleted' }, author: { name: 'Deleted guest' } });
    expect((await env.FILES.list({ prefix: `conversations/${g.sales}/` })).objects).toEqual([]);
    await eventually(() => search(alice, g.secret), (r) => r.length === 0, 'the message gone from search');
    await eventually(() => search(alice, g.joinedSecret), (r) => r.length === 0, 'the joined conversation’s message gone from search');

    // The meeting is cancelled the usual way (CANCEL to Alice's calendar) and forgets who it was with.
    await drainJobs();
    const [meeting] = await calendarStub().guestMeetings(g.guestId);
    expect(meeting).toMatchObject({ id: g.meetingId, status: 'cancelled', guest: { name: 'Deleted guest', email: '' } });
    const cancels = (await outbox()).filter((m) => m.calendar?.method === 'CANCEL');
    expect(cancels.map((m) => m.to).sort()).toEqual(['alice@doorbell.example', g.email].sort());
    expect(cancels.every((m) => !m.text.includes('Erin'))).toBe(true);

    expect((await call('GET', `/api/guests/${g.guestId}/contact`, { headers: alice })).status).toBe(404);
    const refused = await call('GET', '/api/guests/me', { headers: g.headers });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('guest_erased');
    expect((await call('GET', `/api/conversations/${g.sales}/messages?after=0`, { headers: g.headers })).status).toBe(401);

    // The inbox row shows the new name.
    await eventually(
      async () => (await call('GET', '/api/inbox', { headers: alice })).body,
      (b) => JSON.stringify(b).includes(g.sales) && !JSON.stringify(b).includes('Erin Example'),
      'the inbox renamed',
    );

    // Asking again is harmless: the same erasure, nothing changes.
    const again = await erase(g.guestId);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: started.body.id, state: 'complete' });
    await sleep(200);
    expect(await timeline(g.sales, alice)).toEqual(sales);
    socket.close();
    joinedSocket.close();
  });

  it('refuses what is not an admin with a confirmed body', async () => {
    const g = await guestEverywhere();
    expect((await call('POST', `/api/admin/guests/${g.guestId}/erase`, { headers: await asAgent('alice'), body: { confirm: g.guestId } })).status).toBe(401);
    expect((await call('POST', `/api/admin/guests/${g.guestId}/erase`, { headers: ADMIN, body: {} })).status).toBe(400);
    expect((await call('POST', `/api/admin/guests/${g.guestId}/erase`, { headers: ADMIN, body: { confirm: g.guestId, extra: 1 } })).status).toBe(400);
    expect((await call('GET', '/api/admin/erasures/er_nothing00000000000', { headers: ADMIN })).status).toBe(404);
    expect((await call('GET', '/api/guests/me', { headers: g.headers })).status).toBe(200);
    await drainJobs();
  });
});

describe('exporting a guest (docs/privacy.md)', () => {
  it('gives the admin everything with agents-only entries flagged, an allowed agent the same, and the guest their own without those', async () => {
    const alice = await asAgent('alice');
    const hook = await webhookReceiver('https://hooks.erase.example', ['message.created']);
    const g = await guestEverywhere();
    await hook.delivered(1);
    const note = `note ${word()}`;
    expect((await call('POST', `/api/conversations/${g.sales}/messages`, { headers: alice, body: { clientId: clientId(), text: note, note: true } })).status).toBe(200);

    const admin = await call('GET', `/api/admin/guests/${g.guestId}/export`, { headers: ADMIN });
    expect(admin.status).toBe(200);
    expect(admin.response.headers.get('content-disposition')).toContain('attachment');
    expect(admin.body.guest).toMatchObject({ id: g.guestId, name: 'Erin Example', email: g.email });
    expect(admin.body.conversations.map((c: any) => c.id).sort()).toEqual([...g.conversations].sort());
    const sales = admin.body.conversations.find((c: any) => c.id === g.sales);
    expect(sales.entries.find((e: any) => e.text === note)).toMatchObject({ agentsOnly: true });
    expect(sales.entries.find((e: any) => e.text === `my order ${g.secret}`)).not.toHaveProperty('agentsOnly');
    const withFile = sales.entries.find((e: any) => e.attachments);
    expect(withFile.attachments[0].url).toMatch(/\/api\/files\//);
    expect(admin.body.meetings).toEqual([expect.objectContaining({ id: g.meetingId })]);
    expect(admin.body.contact).toMatchObject({ guestId: g.guestId, company: 'Example Ltd' });
    expect(admin.body.crm.note).toContain('kept there');
    const [sent] = admin.body.webhooks;
    expect(sent.url).toBe('https://hooks.erase.example/hook');
    expect(sent.deliveries.map((d: any) => d.event.data.message.text)).toContain(`my order ${g.secret}`);

    const own = await call('GET', '/api/guests/me/export', { headers: g.headers });
    expect(own.status).toBe(200);
    const ownSales = own.body.conversations.find((c: any) => c.id === g.sales);
    expect(ownSales.entries.some((e: any) => e.text === `my order ${g.secret}`)).toBe(true);
    // The conversation they joined by an invite is theirs too.
    expect(own.body.conversations.find((c: any) => c.id === g.joined).entries.some((e: any) => e.text === `joined ${g.joinedSecret}`)).toBe(true);
    expect(JSON.stringify(own.body)).not.toContain(note);
    expect(JSON.stringify(own.body)).not.toContain('agentsOnly');
    expect(own.body.webhooks).toEqual([]);

    const refused = await call('GET', `/api/guests/${g.guestId}/export`, { headers: alice });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('export_not_allowed');
    expect((await call('PUT', '/api/admin/privacy', { headers: ADMIN, body: { agentsMayExport: true } })).body).toEqual({ agentsMayExport: true });
    try {
      const agent = await call('GET', `/api/guests/${g.guestId}/export`, { headers: alice });
      expect(agent.status).toBe(200);
      expect(agent.body.conversations.find((c: any) => c.id === g.sales).entries.find((e: any) => e.text === note)).toMatchObject({ agentsOnly: true });
      // Bob may not open Alice's personal conversation once it is private: his export holds only what he may open.
      expect((await call('PATCH', `/api/conversations/${g.personal}`, { headers: alice, body: { visibility: 'private' } })).status).toBe(200);
      const bob = await call('GET', `/api/guests/${g.guestId}/export`, { headers: await asAgent('bob') });
      expect(bob.status).toBe(200);
      expect(bob.body.conversations.map((c: any) => c.id)).not.toContain(g.personal);
    } finally {
      await call('PUT', '/api/admin/privacy', { headers: ADMIN, body: { agentsMayExport: false } });
      hook.stop();
      await deleteAllWebhooks();
    }
    expect((await call('GET', `/api/admin/guests/gu_nobody000000000000/export`, { headers: ADMIN })).status).toBe(404);
    await drainJobs();
  });
});
