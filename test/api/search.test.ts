import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call, clientId, guestWrites, newGuest, sleep } from '../helpers';

/** A word no other test writes (letters only: a digit suffix would make one word a prefix of another). */
const word = () => Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));
const write = (headers: Record<string, string>, id: string, text: string) =>
  call('POST', `/api/conversations/${id}/messages`, { headers, body: { clientId: clientId(), text } });
const search = async (headers: Record<string, string>, query: string) => call('GET', `/api/search?${query}`, { headers });

/** Searches until `expected` results come back: the index is fed by a job the actor runs a moment after the commit. */
async function searchUntil(headers: Record<string, string>, query: string, expected: number): Promise<any[]> {
  let results: any[] = [];
  for (let i = 0; i < 150; i++) {
    const r = await search(headers, query);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    results = r.body.results;
    if (results.length >= expected) return results;
    await sleep(20);
  }
  throw new Error(`${query}: ${results.length} of ${expected} results`);
}

const highlighted = (snippet: { text: string; highlights: [number, number][] }) => snippet.highlights.map(([a, b]) => snippet.text.slice(a, b));

describe('search (GET /api/search)', () => {
  it('finds a guest’s message once the search job ran, with the matched word highlighted and where it was written', async () => {
    const w = word();
    const ann = await newGuest('Ann Lee');
    const started = await guestWrites(ann, 'service:sales', `Hello, my ${w} stopped working yesterday`);
    const id = started.body.conversation.id;
    const [hit] = await searchUntil(await asAgent('carol'), `q=${w}`, 1);
    expect(hit).toMatchObject({ conversationId: id, seq: started.body.seq, author: { kind: 'guest', name: 'Ann Lee' }, agentsOnly: false });
    expect(hit.snippet.text).toBe(`Hello, my ${w} stopped working yesterday`);
    expect(highlighted(hit.snippet)).toEqual([w]);
    expect(typeof hit.title).toBe('string');
    // A prefix of the word finds it too: the console searches as one types.
    expect((await searchUntil(await asAgent('alice'), `q=${w.slice(0, 5)}`, 1))[0].seq).toBe(started.body.seq);
  });

  it('puts the better match first', async () => {
    const [a, b] = [word(), word()];
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'alice', `only ${a} here, and a lot of other words around it to dilute the match`)).body.conversation.id;
    const best = await write(ann.headers, id, `${a} ${b}`);
    const results = await searchUntil(await asAgent('alice'), `q=${encodeURIComponent(`${a} ${b}`)}`, 1);
    // Both words are required: only the second message has both.
    expect(results.map((r) => r.seq)).toEqual([best.body.seq]);
    const ranked = await searchUntil(await asAgent('alice'), `q=${a}`, 2);
    expect(ranked[0].seq).toBe(best.body.seq);
  });

  it('does not find a private conversation of others, and finds it for its participants', async () => {
    const w = word();
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'service:support', `secret ${w}`)).body.conversation.id;
    const carol = await asAgent('carol');
    expect((await call('PATCH', `/api/conversations/${id}`, { headers: carol, body: { visibility: 'private' } })).status).toBe(200);
    await write(ann.headers, id, `after ${w}`);
    expect(await searchUntil(carol, `q=${w}`, 2)).toHaveLength(2);
    // Alice is not in it: once the index knows it is private (the job of the later message ran), she sees nothing.
    expect((await search(await asAgent('alice'), `q=${w}`)).body.results).toEqual([]);
    expect((await search(carol, `q=${w}&visibility=private`)).body.results).toHaveLength(2);
    expect((await search(carol, `q=${w}&visibility=public`)).body.results).toEqual([]);
  });

  it('refuses guests (403 agents_only) and callers without a token (401)', async () => {
    const ann = await newGuest('Ann Lee');
    const guest = await search(ann.headers, 'q=hello');
    expect(guest.status).toBe(403);
    expect(guest.body.error.code).toBe('agents_only');
    expect((await call('GET', '/api/search?q=hello')).status).toBe(401);
  });

  it('answers hostile queries with a 400 or a bounded search, never a 500', async () => {
    const alice = await asAgent('alice');
    for (const q of ['"', 'NEAR(', '*', 'col:x', 'text:x', '^x', '(a OR b', 'a AND', 'NOT', '""*', 'x'.repeat(1000), 'a '.repeat(100), '\u0000', '🙂']) {
      const r = await search(alice, `q=${encodeURIComponent(q)}`);
      expect([200, 400], `${q.slice(0, 20)}: ${r.status} ${JSON.stringify(r.body)}`).toContain(r.status);
      if (r.status === 400) expect(r.body.error.code).toBe('invalid_request');
    }
    const empty = await search(alice, `q=${encodeURIComponent('" * ( ) :')}`);
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.problems[0].path).toBe('q');
  });

  it('refuses bad filters and unknown ones rather than ignoring them; a range ending before it starts names both dates', async () => {
    const alice = await asAgent('alice');
    for (const extra of ['status=done', 'label=vip', 'assignee=Not%20a%20slug', 'to=2026-13-01', 'from=yesterday', 'cursor=abc', 'limit=500', 'priority=high']) {
      const r = await search(alice, `q=hello&${extra}`);
      expect(r.status, extra).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
    const backwards = await search(alice, 'q=hello&from=2026-02-02&to=2026-02-01');
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toBe('The request query is not valid: to: 2026-02-01 is before from (2026-02-02).');
    expect(backwards.body.error.details.problems[0].path).toBe('to');
  });

  it('filters by status and label, as the conversation is now', async () => {
    const w = word();
    const label = await call('POST', '/api/admin/labels', { headers: ADMIN, body: { name: `Search ${w}`, color: '#445566' } });
    expect(label.status).toBe(201);
    const ann = await newGuest('Ann Lee');
    const tagged = (await guestWrites(ann, 'service:sales', `tagged ${w}`)).body.conversation.id;
    const bea = await newGuest('Bea Park');
    const done = (await guestWrites(bea, 'service:sales', `done ${w}`)).body.conversation.id;
    const alice = await asAgent('alice');
    expect((await call('PUT', `/api/conversations/${tagged}/labels/${label.body.id}`, { headers: alice })).status).toBe(200);
    expect((await call('PATCH', `/api/conversations/${done}`, { headers: alice, body: { status: 'resolved' } })).status).toBe(200);
    const ids = async (extra: string) => (await search(alice, `q=${w}&${extra}`)).body.results.map((r: any) => r.conversationId);
    // The label and the status reach the index with the events they make.
    for (let i = 0; i < 150 && (await ids(`label=${label.body.id}`)).length === 0; i++) await sleep(20);
    for (let i = 0; i < 150 && (await ids('status=resolved')).length === 0; i++) await sleep(20);
    expect(await ids(`label=${label.body.id}`)).toEqual([tagged]);
    expect(await ids('status=resolved')).toEqual([done]);
    expect(await ids('status=open')).toEqual([tagged]);
    expect(await ids('status=snoozed')).toEqual([]);
    expect(await ids(`status=resolved&label=${label.body.id}`)).toEqual([]);
  });

  it('filters by service, assignee and date', async () => {
    const w = word();
    const ann = await newGuest('Ann Lee');
    const sales = (await guestWrites(ann, 'service:sales', `sales ${w}`)).body.conversation.id;
    const bea = await newGuest('Bea Park');
    const support = (await guestWrites(bea, 'service:support', `support ${w}`)).body.conversation.id;
    const alice = await asAgent('alice');
    expect((await call('POST', `/api/conversations/${sales}/assign`, { headers: alice, body: { service: 'sales', member: 'alice' } })).status).toBe(200);
    await searchUntil(alice, `q=${w}`, 2);
    const ids = async (extra: string) => [...new Set((await search(alice, `q=${w}&${extra}`)).body.results.map((r: any) => r.conversationId))];
    expect(await ids('service=sales')).toEqual([sales]);
    expect(await ids('service=support')).toEqual([support]);
    for (let i = 0; i < 150 && (await ids('assignee=alice')).length === 0; i++) await sleep(20);
    expect(await ids('assignee=alice')).toEqual([sales]);
    // Support's conversation is with the service as a whole: nobody is its assignee.
    expect(await ids('assignee=carol')).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids(`from=${today}&to=${today}`)).toHaveLength(2);
    expect(await ids('to=2020-01-01')).toEqual([]);
    expect(await ids('from=2999-01-01')).toEqual([]);
  });

  it('pages with a cursor', async () => {
    const w = word();
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'alice', `${w} one`)).body.conversation.id;
    for (const n of ['two', 'three']) await write(ann.headers, id, `${w} ${n}`);
    const alice = await asAgent('alice');
    await searchUntil(alice, `q=${w}`, 3);
    const first = await search(alice, `q=${w}&limit=2`);
    expect(first.body.results).toHaveLength(2);
    const second = await search(alice, `q=${w}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.results).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...first.body.results, ...second.body.results].map((r: any) => r.seq)).size).toBe(3);
  });

  it('finds the matches an agent may open behind hundreds of better ones they may not, and pages through them in rank order', async () => {
    const w = word();
    // Rows as the conversations' search jobs write them: 500 short, best-ranked matches in a
    // private conversation Alice is not in, then 30 weaker ones in a public conversation.
    const [hidden, open] = [`cv_hidden${w}`, `cv_open${w}`];
    const entries = (id: string, count: number, text: (k: number) => string) =>
      Array.from({ length: count }, (_, k) =>
        env.DB.prepare("INSERT INTO search_entries (conversation_id, seq, author_kind, author_name, at, text) VALUES (?, ?, 'guest', 'Gus', ?, ?)").bind(id, k + 1, new Date().toISOString(), text(k)),
      );
    await env.DB.batch([
      env.DB.prepare("INSERT INTO search_conversations (conversation_id, title, visibility, indexed_seq) VALUES (?, 'Hidden', 'private', 500), (?, 'Open', 'public', 30)").bind(hidden, open),
      ...entries(hidden, 500, () => w),
      ...entries(open, 30, (k) => `${w} and ${'many other words that make this match weaker '.repeat(1 + (k % 3))}`),
    ]);
    const alice = await asAgent('alice');
    const pages: any[][] = [];
    for (let cursor: string | null = '0'; cursor !== null; ) {
      const r = await search(alice, `q=${w}&limit=7&cursor=${cursor}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      pages.push(r.body.results);
      cursor = r.body.nextCursor;
    }
    const found = pages.flat();
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
    expect(new Set(found.map((r) => r.conversationId))).toEqual(new Set([open]));
    expect(new Set(found.map((r) => r.seq)).size).toBe(30);
    // The shortest texts (the best bm25) first, as one ranking of every match gives them.
    const lengths = found.map((r) => r.snippet.text.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(found.every((r) => highlighted(r.snippet)[0] === w)).toBe(true);
  });

  it('indexes every message of a burst, with one job for the burst', async () => {
    const w = word();
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'alice', `${w} 0`)).body.conversation.id;
    await Promise.all(Array.from({ length: 30 }, (_, i) => write(ann.headers, id, `${w} ${i + 1}`)));
    const jobs = (await conversation(id).pendingJobs()).filter((j) => j.kind === 'search');
    expect(jobs.length).toBeLessThanOrEqual(2);
    const all = async () => (await search(await asAgent('alice'), `q=${w}&limit=50`)).body.results.length;
    for (let i = 0; i < 150 && (await all()) < 31; i++) await sleep(20);
    expect(await all()).toBe(31);
  });

  it('indexes a burst of the longest messages, whose page is more than one statement can carry', async () => {
    const w = word();
    const ann = await newGuest('Ann Lee');
    // Quotes double in JSON: 40 messages of 4,000 characters make about 320,000 characters of rows.
    const long = (i: number) => `${w} ${i} ${'"'.repeat(3980 - String(i).length)}`;
    const id = (await guestWrites(ann, 'alice', long(0))).body.conversation.id;
    const sent = await Promise.all(Array.from({ length: 39 }, (_, i) => write(ann.headers, id, long(i + 1))));
    expect(sent.map((r) => r.status)).toEqual(Array(39).fill(200));
    const found = async () => (await search(await asAgent('alice'), `q=${w}&limit=50`)).body.results as Array<{ seq: number; snippet: { text: string } }>;
    for (let i = 0; i < 150 && (await found()).length < 40; i++) await sleep(20);
    const results = await found();
    expect(results).toHaveLength(40);
    expect(new Set(results.map((r) => r.seq)).size).toBe(40);
    expect(results.every((r) => r.snippet.text.startsWith(w))).toBe(true);
  });

  it('holds each message once after the job ran again from an older position (a retry after a failure)', async () => {
    const w = word();
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'alice', `${w} first`)).body.conversation.id;
    await write(ann.headers, id, `${w} second`);
    await searchUntil(await asAgent('alice'), `q=${w}`, 2);
    const count = async () =>
      (await env.DB.prepare('SELECT count(*) AS n FROM search_entries WHERE conversation_id = ?').bind(id).first<{ n: number }>())!.n;
    const before = await count();
    // The worst case of a retry: the index's position lost, a job queued again.
    await env.DB.prepare('UPDATE search_conversations SET indexed_seq = 0 WHERE conversation_id = ?').bind(id).run();
    await runInDurableObject(conversation(id), (_instance, state) => {
      state.storage.sql.exec("INSERT INTO jobs (key, kind, due_at, payload) VALUES ('search:retry', 'search', ?, '{}')", Date.now() - 1);
    });
    await runDurableObjectAlarm(conversation(id));
    expect((await conversation(id).pendingJobs()).filter((j) => j.kind === 'search')).toEqual([]);
    expect(await count()).toBe(before);
    expect((await search(await asAgent('alice'), `q=${w}`)).body.results).toHaveLength(2);
  });

  it('retries a job whose write failed, and then the message is found', async () => {
    const w = word();
    const ann = await newGuest('Ann Lee');
    await env.DB.exec('ALTER TABLE search_entries RENAME TO search_entries_unavailable');
    let id: string;
    try {
      id = (await guestWrites(ann, 'alice', `${w} during an outage`)).body.conversation.id;
      await sleep(400);
      const pending = (await conversation(id).pendingJobs()).filter((j) => j.kind === 'search');
      expect(pending).toHaveLength(1);
      expect(pending[0]!.attempts).toBeGreaterThan(0);
    } finally {
      await env.DB.exec('ALTER TABLE search_entries_unavailable RENAME TO search_entries');
    }
    await runInDurableObject(conversation(id), (_instance, state) => {
      state.storage.sql.exec("UPDATE jobs SET due_at = ? WHERE kind = 'search'", Date.now() - 1);
    });
    await runDurableObjectAlarm(conversation(id));
    expect(await searchUntil(await asAgent('alice'), `q=${w}`, 1)).toHaveLength(1);
  });
});
