import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { issueInvite } from '../../src/http/auth';
import { asAgent, call, guestWrites, newGuest } from '../helpers';

const preview = (invite: string) => call('POST', '/api/invites/preview', { body: { invite } });

async function invited(target: string, guestEmail?: string) {
  const ann = await newGuest('Ann Lee', guestEmail);
  const { body } = await guestWrites(ann, target, 'hello');
  const id: string = body.conversation.id;
  const made = await call('POST', `/api/conversations/${id}/invites`, { headers: await asAgent('alice') });
  expect(made.status).toBe(201);
  return { id, made: made.body as { id: string; invite: string; expiresAt: string } };
}

describe('POST /api/invites/preview (C7, the invite page)', () => {
  it('names the inviting agent and the title a guest sees, and nothing else, without any token but the invite', async () => {
    const { made } = await invited('service:sales', 'ann@example.com');
    const answer = await preview(made.invite);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ invitedBy: { name: 'Alice Martin' }, title: 'Sales' });
    expect(JSON.stringify(answer.body)).not.toContain('Ann');
  });

  it('follows a rename, and leaves the invite unused', async () => {
    const { id, made } = await invited('alice');
    expect((await preview(made.invite)).body.title).toBe('Alice Martin');
    await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { name: 'Pricing question' } });
    expect((await preview(made.invite)).body.title).toBe('Pricing question');
    const listed = await call('GET', `/api/conversations/${id}/invites`, { headers: await asAgent('alice') });
    expect(listed.body.invites[0]).toMatchObject({ status: 'open', uses: 0 });
    expect((await call('POST', '/api/invites/accept', { headers: (await newGuest('Bo Chen')).headers, body: { invite: made.invite } })).status).toBe(200);
  });

  it('answers a bad, forged or expired token as accepting it would: 400 invalid_invite', async () => {
    const { id, made } = await invited('alice');
    const past = await issueInvite(id, { id: made.id, expiresAt: new Date(Date.now() - 60_000).toISOString() }, env);
    for (const token of ['nope', made.invite.slice(0, -3) + 'AAA', past]) {
      const answer = await preview(token);
      expect({ status: answer.status, code: answer.body.error.code }).toEqual({ status: 400, code: 'invalid_invite' });
    }
    expect((await preview(past)).body.error.message).toMatch(/expired/i);
    for (const body of [{}, { invite: '' }, { invite: made.invite, extra: 1 }]) {
      expect((await call('POST', '/api/invites/preview', { body })).status).toBe(400);
    }
  });

  it('answers a withdrawn or used-up link with the same 410 as accepting it', async () => {
    const { id, made } = await invited('alice');
    await call('POST', '/api/invites/accept', { headers: (await newGuest('Bo Chen')).headers, body: { invite: made.invite } });
    expect({ status: (await preview(made.invite)).status, code: (await preview(made.invite)).body.error.code }).toEqual({ status: 410, code: 'invite_used' });
    const other = await call('POST', `/api/conversations/${id}/invites`, { headers: await asAgent('alice') });
    await call('DELETE', `/api/conversations/${id}/invites/${other.body.id}`, { headers: await asAgent('alice') });
    const revoked = await preview(other.body.invite);
    const accepted = await call('POST', '/api/invites/accept', { headers: (await newGuest('Cy Diaz')).headers, body: { invite: other.body.invite } });
    expect({ status: revoked.status, code: revoked.body.error.code }).toEqual({ status: 410, code: 'invite_revoked' });
    expect(accepted.body.error.code).toBe('invite_revoked');
  });
});
