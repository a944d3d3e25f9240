import { describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call, directorySnapshot } from '../helpers';

const dana = {
  slug: 'dana',
  name: 'Dana Fox',
  email: 'Dana@Example.com',
  license: 'basic',
  timeZone: 'Europe/Berlin',
  avatarUrl: 'https://cdn.example.com/dana.png',
};

describe('admin directory: agents', () => {
  it('lists the demo agents with their tiers', async () => {
    const { status, body } = await call('GET', '/api/admin/agents', { headers: ADMIN });
    expect(status).toBe(200);
    expect(body.agents.map((a: any) => [a.slug, a.license, a.licensed, a.timeZone])).toEqual([
      ['alice', 'standard', true, 'Europe/Paris'],
      ['bob', 'basic', false, 'America/New_York'],
      ['carol', 'premium', true, 'Asia/Tokyo'],
    ]);
  });

  it('creates, reads, updates the license tier of, and deletes an agent', async () => {
    const created = await call('POST', '/api/admin/agents', { headers: ADMIN, body: dana });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: 'dana', email: 'dana@example.com', license: 'basic', licensed: false });
    expect(created.body.id).toMatch(/^ag_/);

    const upgraded = await call('PATCH', '/api/admin/agents/dana', { headers: ADMIN, body: { license: 'premium' } });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({ license: 'premium', licensed: true, name: 'Dana Fox' });

    expect((await call('GET', '/api/admin/agents/dana', { headers: ADMIN })).body.license).toBe('premium');
    expect((await call('DELETE', '/api/admin/agents/dana', { headers: ADMIN })).status).toBe(204);
    const gone = await call('GET', '/api/admin/agents/dana', { headers: ADMIN });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
  });

  it('refuses a second agent with the same slug or email (case-insensitive) and stores nothing', async () => {
    const before = await directorySnapshot();
    const sameSlug = await call('POST', '/api/admin/agents', { headers: ADMIN, body: { ...dana, slug: 'alice' } });
    expect(sameSlug.status).toBe(409);
    expect(sameSlug.body.error).toMatchObject({ code: 'already_exists', details: { field: 'slug' } });
    const sameEmail = await call('POST', '/api/admin/agents', {
      headers: ADMIN,
      body: { ...dana, email: 'ALICE@doorbell.example' },
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body.error.details.field).toBe('email');
    expect(await directorySnapshot()).toEqual(before);
  });
});

describe('admin directory: services and memberships', () => {
  it('marks services assignable only while they have a licensed member', async () => {
    const { body } = await call('GET', '/api/admin/services', { headers: ADMIN });
    const bySlug = Object.fromEntries(body.services.map((s: any) => [s.slug, s]));
    expect(bySlug.sales.assignable).toBe(true);
    expect(bySlug.sales.licensedMembers.map((m: any) => m.slug)).toEqual(['alice', 'carol']);
    expect(bySlug.sales.members.map((m: any) => m.slug)).toEqual(['alice', 'bob', 'carol']);
    expect(bySlug.support.licensedMembers.map((m: any) => m.slug)).toEqual(['carol']);
    expect(bySlug.billing.assignable).toBe(false);
    expect(bySlug.billing.licensedMembers).toEqual([]);
  });

  it('follows license and membership changes', async () => {
    // Licensing Bob makes Billing assignable; removing him again leaves it empty.
    await call('PATCH', '/api/admin/agents/bob', { headers: ADMIN, body: { license: 'standard' } });
    expect((await call('GET', '/api/admin/services/billing', { headers: ADMIN })).body.assignable).toBe(true);
    await call('PATCH', '/api/admin/agents/bob', { headers: ADMIN, body: { license: 'basic' } });

    const created = await call('POST', '/api/admin/services', { headers: ADMIN, body: { slug: 'ops', name: 'Operations' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: 'ops', assignable: false, members: [] });

    const added = await call('PUT', '/api/admin/services/ops/members/carol', { headers: ADMIN });
    expect(added.body.assignable).toBe(true);
    const again = await call('PUT', '/api/admin/services/ops/members/carol', { headers: ADMIN });
    expect(again.status).toBe(200);
    expect(again.body.members).toHaveLength(1);

    const removed = await call('DELETE', '/api/admin/services/ops/members/carol', { headers: ADMIN });
    expect(removed.body).toMatchObject({ assignable: false, members: [] });
    expect((await call('DELETE', '/api/admin/services/ops/members/carol', { headers: ADMIN })).status).toBe(404);

    const renamed = await call('PATCH', '/api/admin/services/ops', { headers: ADMIN, body: { name: 'Ops' } });
    expect(renamed.body.name).toBe('Ops');
    expect((await call('DELETE', '/api/admin/services/ops', { headers: ADMIN })).status).toBe(204);
    expect((await call('GET', '/api/admin/services/ops', { headers: ADMIN })).status).toBe(404);
  });

  it('deleting an agent removes their memberships', async () => {
    await call('POST', '/api/admin/agents', { headers: ADMIN, body: { ...dana, slug: 'erin', email: 'erin@example.com' } });
    await call('PUT', '/api/admin/services/support/members/erin', { headers: ADMIN });
    await call('DELETE', '/api/admin/agents/erin', { headers: ADMIN });
    const support = await call('GET', '/api/admin/services/support', { headers: ADMIN });
    expect(support.body.members.map((m: any) => m.slug)).toEqual(['carol']);
  });

  it('shows agents the services to assign to, with their flags', async () => {
    const { status, body } = await call('GET', '/api/services', { headers: await asAgent('alice') });
    expect(status).toBe(200);
    const billing = body.services.find((s: any) => s.slug === 'billing');
    expect(billing).toEqual(expect.objectContaining({ assignable: false, licensedMembers: [] }));
    expect(billing.members).toBeUndefined();
  });
});

describe('public directory', () => {
  it('shows an agent card without private fields', async () => {
    const { status, body } = await call('GET', '/api/public/agents/alice');
    expect(status).toBe(200);
    expect(body).toEqual({ slug: 'alice', name: 'Alice Martin', avatarUrl: '/avatars/alice.svg', description: '', availability: 'offline', availabilityMessage: 'We’ll reply by email' });
  });

  it('shows a service card without members', async () => {
    const { body } = await call('GET', '/api/public/services/sales');
    expect(body).toEqual({
      slug: 'sales',
      name: 'Sales',
      avatarUrl: '/avatars/sales.svg',
      greetings: {},
      availability: 'offline',
      availabilityMessage: 'We’ll reply by email',
      prechat: { name: 'required', email: 'optional', fields: [] },
      // No hours (always in them), nobody online, no conversation answered yet.
      hoursStatus: 'away', opensAt: null, closesAt: null, firstResponseSeconds: null,
    });
  });

  it('answers 404 with the envelope for an unknown slug', async () => {
    const { status, body } = await call('GET', '/api/public/agents/nobody');
    expect(status).toBe(404);
    expect(body).toEqual({ error: { code: 'not_found', message: 'Agent "nobody" was not found.' } });
  });
});

describe('guests', () => {
  it('issues a guest token that identifies the guest', async () => {
    const created = await call('POST', '/api/guests', { body: { name: '  Ann Lee ', email: 'Ann@Example.com' } });
    expect(created.status).toBe(201);
    expect(created.body.guest).toMatchObject({ name: 'Ann Lee', email: 'ann@example.com' });
    const me = await call('GET', '/api/guests/me', { headers: { authorization: `Bearer ${created.body.token}` } });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(created.body.guest.id);
  });
});

describe('system', () => {
  it('answers /healthz', async () => {
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true, database: 'ok' } });
  });

  it('describes every route in /openapi.json from the validating schemas', async () => {
    const { status, body } = await call('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const create = body.paths['/api/admin/agents'].post;
    expect(create.security).toEqual([{ adminToken: [] }]);
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['slug', 'name', 'email', 'license', 'timeZone']));
    expect(schema.properties.license.enum).toEqual(['basic', 'standard', 'premium']);
    expect(body.paths['/api/admin/services/{slug}/members/{agentSlug}'].put.parameters.map((p: any) => p.name)).toEqual([
      'slug',
      'agentSlug',
    ]);
    expect(create.responses['409'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('answers unknown API routes and wrong methods with the envelope', async () => {
    const missing = await call('GET', '/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const wrongMethod = await call('POST', '/api/admin/agents/alice', { headers: ADMIN, body: {} });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error.details.allowed).toBe('GET, PATCH, DELETE');
  });
});
