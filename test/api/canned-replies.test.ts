import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call, newGuest } from '../helpers';

const ADMIN_PATH = '/api/admin/canned-replies';
const PATH = '/api/canned-replies';

let n = 0;
const unique = (prefix: string) => `${prefix}${++n}`;

async function rows(): Promise<unknown[]> {
  return (await env.DB.prepare('SELECT * FROM canned_replies ORDER BY id').all()).results;
}

const adminCreates = async (shortcut: string, text = 'Thanks {{guest.name}}!') =>
  call('POST', ADMIN_PATH, { headers: ADMIN, body: { shortcut, text } });
const agentCreates = async (who: string, shortcut: string, text = 'Hi {{guest.name}}, {{agent.name}} here.') =>
  call('POST', PATH, { headers: await asAgent(who), body: { shortcut, text } });

describe('canned replies: the admin manages the organisation’s', () => {
  it('creates, lists, reads, changes and deletes an organisation reply', async () => {
    const shortcut = unique('thx');
    const created = await adminCreates(shortcut, '  Thanks {{guest.name}}, {{ agent.name }} from {{service.name}}.\n\tBye  ');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scope: 'organisation', shortcut, text: 'Thanks {{guest.name}}, {{ agent.name }} from {{service.name}}.\n\tBye' });
    expect(created.body.id).toMatch(/^cr_/);
    expect(created.body).not.toHaveProperty('ownerId');
    const id = created.body.id;

    const listed = await call('GET', ADMIN_PATH, { headers: ADMIN });
    expect(listed.status).toBe(200);
    expect(listed.body.cannedReplies.map((r: any) => r.id)).toContain(id);

    expect((await call('GET', `${ADMIN_PATH}/${id}`, { headers: ADMIN })).body).toEqual(created.body);

    const changed = await call('PATCH', `${ADMIN_PATH}/${id}`, { headers: ADMIN, body: { text: 'Thank you!' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, shortcut, text: 'Thank you!' });
    const renamed = await call('PATCH', `${ADMIN_PATH}/${id}`, { headers: ADMIN, body: { shortcut: `${shortcut}-x` } });
    expect(renamed.body).toMatchObject({ shortcut: `${shortcut}-x`, text: 'Thank you!' });

    // Every agent is offered it.
    for (const who of ['alice', 'bob', 'carol']) {
      const theirs = await call('GET', PATH, { headers: await asAgent(who) });
      expect(theirs.body.cannedReplies.find((r: any) => r.id === id)).toMatchObject({ scope: 'organisation', text: 'Thank you!' });
    }

    expect((await call('DELETE', `${ADMIN_PATH}/${id}`, { headers: ADMIN })).status).toBe(204);
    expect((await call('GET', `${ADMIN_PATH}/${id}`, { headers: ADMIN })).status).toBe(404);
    expect((await call('DELETE', `${ADMIN_PATH}/${id}`, { headers: ADMIN })).status).toBe(404);
    expect((await call('GET', PATH, { headers: await asAgent('alice') })).body.cannedReplies.map((r: any) => r.id)).not.toContain(id);
  });

  it('never shows or changes an agent’s personal reply (404), and lists only the organisation’s', async () => {
    const mine = await agentCreates('alice', unique('mine'));
    expect(mine.status).toBe(201);
    const id = mine.body.id;
    const before = await rows();
    expect((await call('GET', `${ADMIN_PATH}/${id}`, { headers: ADMIN })).status).toBe(404);
    expect((await call('PATCH', `${ADMIN_PATH}/${id}`, { headers: ADMIN, body: { text: 'taken over' } })).status).toBe(404);
    expect((await call('DELETE', `${ADMIN_PATH}/${id}`, { headers: ADMIN })).status).toBe(404);
    const listed = await call('GET', ADMIN_PATH, { headers: ADMIN });
    expect(listed.body.cannedReplies.every((r: any) => r.scope === 'organisation')).toBe(true);
    expect(listed.body.cannedReplies.map((r: any) => r.id)).not.toContain(id);
    expect(await rows()).toEqual(before);
  });

  it('refuses agents and guests on the admin routes (401) and changes nothing', async () => {
    const guest = await newGuest('Gus Admin');
    const before = await rows();
    for (const headers of [await asAgent('alice'), guest.headers, {}]) {
      expect((await call('GET', ADMIN_PATH, { headers })).status).toBe(401);
      expect((await call('POST', ADMIN_PATH, { headers, body: { shortcut: unique('no'), text: 'x' } })).status).toBe(401);
    }
    expect(await rows()).toEqual(before);
  });
});

describe('canned replies: each agent manages their own', () => {
  it('an agent creates, reads, changes and deletes a personal reply; the list has the organisation’s and theirs, by shortcut', async () => {
    const org = await adminCreates(unique('b-org'));
    const created = await agentCreates('alice', unique('a-mine'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scope: 'personal', text: 'Hi {{guest.name}}, {{agent.name}} here.' });
    const id = created.body.id;

    const listed = await call('GET', PATH, { headers: await asAgent('alice') });
    expect(listed.status).toBe(200);
    const ids = listed.body.cannedReplies.map((r: any) => r.id);
    expect(ids).toContain(id);
    expect(ids).toContain(org.body.id);
    const shortcuts = listed.body.cannedReplies.map((r: any) => r.shortcut);
    expect(shortcuts).toEqual([...shortcuts].sort());

    expect((await call('GET', `${PATH}/${id}`, { headers: await asAgent('alice') })).body).toEqual(created.body);
    expect((await call('GET', `${PATH}/${org.body.id}`, { headers: await asAgent('alice') })).body).toEqual(org.body);

    const changed = await call('PATCH', `${PATH}/${id}`, { headers: await asAgent('alice'), body: { shortcut: unique('renamed'), text: 'New text' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, scope: 'personal', text: 'New text' });
    expect(changed.body.updatedAt >= created.body.updatedAt).toBe(true);

    expect((await call('DELETE', `${PATH}/${id}`, { headers: await asAgent('alice') })).status).toBe(204);
    expect((await call('GET', `${PATH}/${id}`, { headers: await asAgent('alice') })).status).toBe(404);
  });

  it('nobody sees another agent’s personal reply: 404 to read, change or delete it, and it is not in their list', async () => {
    const alices = await agentCreates('alice', unique('private'), 'Only mine');
    const id = alices.body.id;
    const before = await rows();
    for (const who of ['bob', 'carol']) {
      const headers = await asAgent(who);
      const read = await call('GET', `${PATH}/${id}`, { headers });
      expect(read.status).toBe(404);
      expect(read.body.error.code).toBe('not_found');
      expect((await call('PATCH', `${PATH}/${id}`, { headers, body: { text: 'stolen' } })).status).toBe(404);
      expect((await call('DELETE', `${PATH}/${id}`, { headers })).status).toBe(404);
      const theirs = await call('GET', PATH, { headers });
      expect(theirs.body.cannedReplies.map((r: any) => r.id)).not.toContain(id);
      expect(theirs.body.cannedReplies.some((r: any) => r.text === 'Only mine')).toBe(false);
    }
    expect(await rows()).toEqual(before);
  });

  it('an agent cannot change or delete an organisation reply (403 canned_reply_not_owned) and changes nothing', async () => {
    const org = await adminCreates(unique('org'));
    const before = await rows();
    const headers = await asAgent('alice');
    const patched = await call('PATCH', `${PATH}/${org.body.id}`, { headers, body: { text: 'mine now' } });
    expect(patched.status).toBe(403);
    expect(patched.body.error.code).toBe('canned_reply_not_owned');
    const deleted = await call('DELETE', `${PATH}/${org.body.id}`, { headers });
    expect(deleted.status).toBe(403);
    expect(deleted.body.error.code).toBe('canned_reply_not_owned');
    expect(await rows()).toEqual(before);
  });

  it('a guest token is refused 403 agents_only, no token 401, and nothing changes', async () => {
    const guest = await newGuest('Gina Guest');
    const org = await adminCreates(unique('g'));
    const before = await rows();
    const attempts: Array<[string, string, Record<string, string>?]> = [
      ['GET', PATH],
      ['POST', PATH, { shortcut: unique('guest'), text: 'x' }],
      ['GET', `${PATH}/${org.body.id}`],
      ['PATCH', `${PATH}/${org.body.id}`, { text: 'x' }],
      ['DELETE', `${PATH}/${org.body.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const asGuest = await call(method, path, { headers: guest.headers, body });
      expect(asGuest.status, `${method} ${path}`).toBe(403);
      expect(asGuest.body.error.code).toBe('agents_only');
      const anonymous = await call(method, path, { body });
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      expect(anonymous.body.error.code).toBe('unauthorized');
    }
    expect(await rows()).toEqual(before);
  });
});

describe('canned replies: validation and limits', () => {
  it('refuses bad shortcuts and texts with 400 naming the field, and changes nothing', async () => {
    const before = await rows();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ shortcut: 'Thx', text: 'x' }, 'shortcut'],
      [{ shortcut: '-thx', text: 'x' }, 'shortcut'],
      [{ shortcut: '', text: 'x' }, 'shortcut'],
      [{ shortcut: 'a'.repeat(33), text: 'x' }, 'shortcut'],
      [{ shortcut: 'th x', text: 'x' }, 'shortcut'],
      [{ shortcut: '/thx', text: 'x' }, 'shortcut'],
      [{ shortcut: 'ok', text: '' }, 'text'],
      [{ shortcut: 'ok', text: ' \n\t ' }, 'text'],
      [{ shortcut: 'ok', text: 'x'.repeat(2001) }, 'text'],
      [{ shortcut: 'ok', text: 'bell\u0007' }, 'text'],
      [{ shortcut: 'ok', text: 'carriage\r\nreturn' }, 'text'],
      [{ shortcut: 'ok', text: 'null\u0000byte' }, 'text'],
      [{ shortcut: 'ok', text: 'c1\u0085' }, 'text'],
      [{ shortcut: 'ok', text: 'lone \ud800 surrogate' }, 'text'],
      [{ shortcut: 'ok', text: 42 }, 'text'],
      [{ shortcut: 'ok' }, 'text'],
      [{ shortcut: 'ok', text: 'x', owner: 'ag_demoBob0000000001' }, '(root)'],
    ];
    for (const [body, field] of bad) {
      for (const [path, headers] of [[PATH, await asAgent('alice')], [ADMIN_PATH, ADMIN]] as const) {
        const r = await call('POST', path, { headers, body });
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body.error.code).toBe('invalid_request');
        expect(r.body.error.details.problems.map((p: any) => p.path)).toContain(field);
      }
    }
    const ok = await agentCreates('alice', unique('val'));
    for (const body of [{}, { shortcut: 'BAD' }, { text: '' }, { text: 'tab\tok\u001b' }]) {
      expect((await call('PATCH', `${PATH}/${ok.body.id}`, { headers: await asAgent('alice'), body })).status).toBe(400);
    }
    const after = await rows();
    expect(after.length).toBe(before.length + 1);
  });

  it('accepts exactly 2000 characters (counted as people count them, emoji included), newlines and tabs', async () => {
    const long = await agentCreates('alice', unique('long'), `${'🙂'.repeat(1000)}\t${'x'.repeat(999)}`);
    expect(long.status).toBe(201);
    expect([...long.body.text].length).toBe(2000);
    expect((await agentCreates('alice', unique('long'), `${'🙂'.repeat(1001)}${'x'.repeat(1000)}`)).status).toBe(400);
    // 2000 code points are 3000 UTF-16 units: the limit is not counted in units.
    expect(long.body.text.length).toBe(3000);
  });

  it('refuses unknown placeholders with 400 unknown_placeholder naming them, on create and update', async () => {
    const before = await rows();
    const r = await agentCreates('alice', unique('ph'), 'Hi {{guest.name}}, order {{ order.id }} for {{guest.email}} {{order.id}}');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('unknown_placeholder');
    expect(r.body.error.details.names).toEqual(['order.id', 'guest.email']);
    expect(r.body.error.details.known).toEqual(['guest.name', 'agent.name', 'service.name']);
    expect(r.body.error.message).toContain('{{order.id}}, {{guest.email}}');
    const admin = await adminCreates(unique('ph'), '{{Guest.Name}}');
    expect(admin.status).toBe(400);
    expect(admin.body.error.details.names).toEqual(['Guest.Name']);
    expect(await rows()).toEqual(before);

    const ok = await agentCreates('alice', unique('ph'), 'Hello');
    const patched = await call('PATCH', `${PATH}/${ok.body.id}`, { headers: await asAgent('alice'), body: { text: 'Hi {{agent}}' } });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details.names).toEqual(['agent']);
    expect((await call('GET', `${PATH}/${ok.body.id}`, { headers: await asAgent('alice') })).body.text).toBe('Hello');
  });

  it('a shortcut is unique per owner (409 canned_reply_exists), but the same shortcut may belong to two owners', async () => {
    const shortcut = unique('dup');
    expect((await adminCreates(shortcut)).status).toBe(201);
    const again = await adminCreates(shortcut, 'other');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('canned_reply_exists');
    expect(again.body.error.details).toEqual({ field: 'shortcut' });

    expect((await agentCreates('alice', shortcut)).status).toBe(201);
    expect((await agentCreates('bob', shortcut)).status).toBe(201);
    const twice = await agentCreates('alice', shortcut, 'other');
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('canned_reply_exists');

    // Renaming onto a taken shortcut is refused too, and changes nothing.
    const other = await agentCreates('alice', unique('dup'));
    const before = await rows();
    const renamed = await call('PATCH', `${PATH}/${other.body.id}`, { headers: await asAgent('alice'), body: { shortcut, text: 'changed' } });
    expect(renamed.status).toBe(409);
    expect(renamed.body.error.code).toBe('canned_reply_exists');
    expect(await rows()).toEqual(before);
    // Keeping one's own shortcut is no conflict.
    expect((await call('PATCH', `${PATH}/${other.body.id}`, { headers: await asAgent('alice'), body: { shortcut: other.body.shortcut } })).status).toBe(200);
  });

  it('at most 200 per owner: the 201st is 409 canned_reply_limit, other owners are not affected, and deleting one makes room', async () => {
    // Carol fills her own 200 (straight into the table: 200 requests would only slow the test).
    const carol = 'ag_demoCarol00000001';
    const existing = (await env.DB.prepare('SELECT count(*) AS c FROM canned_replies WHERE owner_id = ?').bind(carol).first<{ c: number }>())!.c;
    await env.DB.batch(
      Array.from({ length: 200 - existing }, (_, i) =>
        env.DB.prepare('INSERT INTO canned_replies (id, owner_id, shortcut, text) VALUES (?, ?, ?, ?)').bind(`cr_fill${String(i).padStart(16, '0')}`, carol, `fill-${i}`, 'filler'),
      ),
    );
    const before = await rows();
    const over = await agentCreates('carol', unique('over'));
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('canned_reply_limit');
    expect(over.body.error.details).toEqual({ limit: 200 });
    expect(await rows()).toEqual(before);

    expect((await agentCreates('alice', unique('room'))).status).toBe(201);
    expect((await adminCreates(unique('room'))).status).toBe(201);

    const listed = await call('GET', PATH, { headers: await asAgent('carol') });
    expect(listed.body.cannedReplies.filter((r: any) => r.scope === 'personal')).toHaveLength(200);
    expect((await call('DELETE', `${PATH}/cr_fill0000000000000000`, { headers: await asAgent('carol') })).status).toBe(204);
    expect((await agentCreates('carol', unique('over'))).status).toBe(201);
  });

  it('refuses ids that are not ids (400) and unknown ids (404)', async () => {
    expect((await call('GET', `${PATH}/not-an-id`, { headers: await asAgent('alice') })).status).toBe(400);
    expect((await call('GET', `${PATH}/cr_AAAAAAAAAAAAAAAAAAAA`, { headers: await asAgent('alice') })).status).toBe(404);
    expect((await call('PATCH', `${ADMIN_PATH}/cr_AAAAAAAAAAAAAAAAAAAA`, { headers: ADMIN, body: { text: 'x' } })).status).toBe(404);
  });

  it('deleting an agent deletes their personal replies, not the organisation’s', async () => {
    const made = await call('POST', '/api/admin/agents', {
      headers: ADMIN,
      body: { slug: 'gone-canned', name: 'Gone Canned', email: 'gone-canned@doorbell.example', license: 'standard', timeZone: 'UTC' },
    });
    expect(made.status).toBe(201);
    const theirs = await agentCreates('gone-canned@doorbell.example', unique('gone'));
    expect(theirs.status).toBe(201);
    const org = await adminCreates(unique('stays'));
    expect((await call('DELETE', '/api/admin/agents/gone-canned', { headers: ADMIN })).status).toBe(204);
    expect(await env.DB.prepare('SELECT id FROM canned_replies WHERE id = ?').bind(theirs.body.id).first()).toBeNull();
    expect((await call('GET', `${ADMIN_PATH}/${org.body.id}`, { headers: ADMIN })).status).toBe(200);
  });

  it('is in /openapi.json with its error statuses', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/canned-replies'])).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/canned-replies/{id}'])).toEqual(['get', 'patch', 'delete']);
    expect(Object.keys(doc.paths['/api/admin/canned-replies/{id}'])).toEqual(['get', 'patch', 'delete']);
    expect(Object.keys(doc.paths['/api/canned-replies'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409']));
  });
});
