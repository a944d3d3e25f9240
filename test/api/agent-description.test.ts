import { describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call, newGuest } from '../helpers';

// The agent writes their own description (docs/console.md, docs/meetings.md "The guest's pages"):
// PATCH /api/agents/me, shown on their public card, which the booking page reads.

describe("the agent's description", () => {
  it('the agent sets it, the public card shows it with its line breaks, and clearing it empties it', async () => {
    const alice = await asAgent('alice');
    const text = 'I help teams choose a plan.\nAsk me about prices.';
    const r = await call('PATCH', '/api/agents/me', { headers: alice, body: { description: `  ${text}  ` } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ slug: 'alice', description: text });
    expect((await call('GET', '/api/public/agents/alice')).body.description).toBe(text);
    expect((await call('GET', '/api/agents/me', { headers: alice })).body.description).toBe(text);
    // Recorded in the audit log as the agent's own change.
    const [entry] = (await call('GET', '/api/admin/audit?limit=1', { headers: ADMIN })).body.entries;
    expect(entry).toMatchObject({ actor: { kind: 'agent' }, entity: 'agent', entityId: r.body.id, action: 'update', route: 'PATCH /api/agents/me', after: { description: text } });
    // Only the description changed: the admin's fields are as they were.
    expect((await call('GET', '/api/admin/agents/alice', { headers: ADMIN })).body).toMatchObject({ name: 'Alice Martin', license: r.body.license, description: text });
    expect((await call('PATCH', '/api/agents/me', { headers: alice, body: { description: '' } })).body.description).toBe('');
    expect((await call('GET', '/api/public/agents/alice')).body.description).toBe('');
  });

  it('refuses more than 2000 characters, other fields and other callers, changing nothing', async () => {
    const alice = await asAgent('alice');
    await call('PATCH', '/api/agents/me', { headers: alice, body: { description: 'Kept.' } });
    const long = await call('PATCH', '/api/agents/me', { headers: alice, body: { description: 'x'.repeat(2001) } });
    expect([long.status, long.body.error.code]).toEqual([400, 'invalid_request']);
    expect(long.body.error.details.problems.map((p: any) => p.path)).toEqual(['description']);
    expect((await call('PATCH', '/api/agents/me', { headers: alice, body: { description: 'x'.repeat(2000) } })).status).toBe(200);
    await call('PATCH', '/api/agents/me', { headers: alice, body: { description: 'Kept.' } });
    // A name, a licence or a slug is the admin's to change.
    for (const body of [{ name: 'Mallory' }, { license: 'premium' }, { description: 'x', slug: 'mallory' }, {}, { description: 42 }]) {
      const refused = await call('PATCH', '/api/agents/me', { headers: alice, body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    const guest = await newGuest();
    expect((await call('PATCH', '/api/agents/me', { headers: guest.headers, body: { description: 'Guest' } })).status).toBe(403);
    expect((await call('PATCH', '/api/agents/me', { body: { description: 'Anyone' } })).status).toBe(401);
    expect((await call('GET', '/api/public/agents/alice')).body).toMatchObject({ name: 'Alice Martin', description: 'Kept.' });
    await call('PATCH', '/api/agents/me', { headers: alice, body: { description: '' } });
  });
});
