import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, call, directorySnapshot } from '../helpers';

const validAgent = { slug: 'dana', name: 'Dana Fox', email: 'dana@example.com', license: 'basic', timeZone: 'Europe/Berlin' };

type Case = [label: string, method: string, path: string, body: unknown, status: number, code: string, field?: string];

const cases: Case[] = [
  ['agent: missing fields', 'POST', '/api/admin/agents', {}, 400, 'invalid_request', 'slug'],
  ['agent: unknown field', 'POST', '/api/admin/agents', { ...validAgent, admin: true }, 400, 'invalid_request'],
  ['agent: bad slug', 'POST', '/api/admin/agents', { ...validAgent, slug: 'Dana Fox!' }, 400, 'invalid_request', 'slug'],
  ['agent: bad email', 'POST', '/api/admin/agents', { ...validAgent, email: 'not-an-email' }, 400, 'invalid_request', 'email'],
  ['agent: bad license', 'POST', '/api/admin/agents', { ...validAgent, license: 'gold' }, 400, 'invalid_request', 'license'],
  ['agent: bad time zone', 'POST', '/api/admin/agents', { ...validAgent, timeZone: 'Mars/Olympus' }, 400, 'invalid_request', 'timeZone'],
  ['agent: javascript avatar', 'POST', '/api/admin/agents', { ...validAgent, avatarUrl: 'javascript:alert(1)' }, 400, 'invalid_request', 'avatarUrl'],
  ['agent: wrong types', 'POST', '/api/admin/agents', { ...validAgent, name: 42 }, 400, 'invalid_request', 'name'],
  ['agent: blank name', 'POST', '/api/admin/agents', { ...validAgent, name: '   ' }, 400, 'invalid_request', 'name'],
  ['agent: array body', 'POST', '/api/admin/agents', [validAgent], 400, 'invalid_request'],
  ['agent update: empty', 'PATCH', '/api/admin/agents/alice', {}, 400, 'invalid_request'],
  ['agent update: bad license', 'PATCH', '/api/admin/agents/alice', { license: 'none' }, 400, 'invalid_request', 'license'],
  ['agent update: slug taken', 'PATCH', '/api/admin/agents/alice', { slug: 'bob' }, 409, 'already_exists'],
  ['agent update: unknown agent', 'PATCH', '/api/admin/agents/nobody', { name: 'X' }, 404, 'not_found'],
  ['agent read: bad slug in path', 'GET', '/api/admin/agents/BAD_SLUG', undefined, 400, 'invalid_request', 'slug'],
  ['agent delete: unknown', 'DELETE', '/api/admin/agents/nobody', undefined, 404, 'not_found'],
  ['service: missing name', 'POST', '/api/admin/services', { slug: 'x' }, 400, 'invalid_request', 'name'],
  ['service: slug taken', 'POST', '/api/admin/services', { slug: 'sales', name: 'Sales 2' }, 409, 'already_exists'],
  ['service update: empty', 'PATCH', '/api/admin/services/sales', {}, 400, 'invalid_request'],
  ['service delete: unknown', 'DELETE', '/api/admin/services/nothing', undefined, 404, 'not_found'],
  ['member: unknown agent', 'PUT', '/api/admin/services/sales/members/nobody', undefined, 404, 'not_found'],
  ['member: unknown service', 'PUT', '/api/admin/services/nothing/members/alice', undefined, 404, 'not_found'],
  ['member remove: not a member', 'DELETE', '/api/admin/services/support/members/alice', undefined, 404, 'not_found'],
  ['guest: no name', 'POST', '/api/guests', {}, 400, 'invalid_request', 'name'],
  ['guest: bad email', 'POST', '/api/guests', { name: 'Ann', email: 'ann@' }, 400, 'invalid_request', 'email'],
  ['guest: huge name', 'POST', '/api/guests', { name: 'x'.repeat(5000) }, 400, 'invalid_request', 'name'],
  ['public agent: bad slug', 'GET', '/api/public/agents/%00', undefined, 400, 'invalid_request', 'slug'],
  ['public service: unknown', 'GET', '/api/public/services/nothing', undefined, 404, 'not_found'],
];

describe('bad input is refused with the error envelope and changes nothing', () => {
  it.each(cases)('%s', async (_label, method, path, body, status, code, field) => {
    const before = await directorySnapshot();
    const response = await call(method, path, { headers: ADMIN, ...(body === undefined ? {} : { body: body as never }) });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe('string');
    if (field) expect(response.body.error.details.problems.map((p: any) => p.path)).toContain(field);
    expect(await directorySnapshot()).toEqual(before);
  });

  it('refuses a body that is not JSON', async () => {
    const before = await directorySnapshot();
    const broken = await call('POST', '/api/admin/agents', { headers: ADMIN, body: '{"slug": "dana",' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const form = await call('POST', '/api/admin/agents', {
      headers: { ...ADMIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'slug=dana',
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    expect(await directorySnapshot()).toEqual(before);
  });

  it('refuses invalid UTF-8 rather than storing replacement characters', async () => {
    const before = await directorySnapshot();
    const bytes = new Uint8Array([...new TextEncoder().encode('{"name":"Ann '), 0xff, 0xfe, ...new TextEncoder().encode('"}')]);
    const response = await exports.default.fetch(
      new Request('http://doorbell.test/api/guests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.code).toBe('invalid_utf8');
    expect(await directorySnapshot()).toEqual(before);
  });

  it('refuses a body over 64 KiB', async () => {
    const { status, body } = await call('POST', '/api/guests', { body: { name: 'Ann', padding: 'x'.repeat(70_000) } });
    expect(status).toBe(413);
    expect(body.error.code).toBe('body_too_large');
  });

  it('checks credentials before reading the body', async () => {
    const { status } = await call('POST', '/api/admin/agents', { body: '{not json' });
    expect(status).toBe(401);
  });

  it('never shows a stack trace', async () => {
    const { body } = await call('POST', '/api/admin/agents', { headers: ADMIN, body: { ...validAgent, email: 'ALICE@doorbell.example' } });
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts|D1_ERROR|SQLITE/);
  });
});
