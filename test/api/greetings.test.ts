import { describe, expect, it } from 'vitest';
import { ADMIN, call } from '../helpers';

/** A service's greeting per language (docs/widget.md "Languages"). */

const patch = (body: Record<string, unknown>) => call('PATCH', '/api/admin/services/support', { headers: ADMIN, body });
const card = async () => (await call('GET', '/api/public/services/support')).body;

describe('service greetings per language', () => {
  it('are set per language by the admin, replaced as a whole, and shown on the public card', async () => {
    expect((await card()).greetings).toEqual({});
    const set = await patch({ greetings: { en: '  Hi, Support here!  ', de: 'Hallo, hier ist der Support!' } });
    expect(set.status).toBe(200);
    expect(set.body.greetings).toEqual({ en: 'Hi, Support here!', de: 'Hallo, hier ist der Support!' });
    expect((await card()).greetings).toEqual({ en: 'Hi, Support here!', de: 'Hallo, hier ist der Support!' });

    // Another change leaves them alone; a new set replaces the old one; {} removes them.
    await patch({ name: 'Customer support' });
    expect((await card()).greetings).toEqual({ en: 'Hi, Support here!', de: 'Hallo, hier ist der Support!' });
    await patch({ greetings: { it: 'Ciao!' } });
    expect((await card()).greetings).toEqual({ it: 'Ciao!' });
    await patch({ greetings: {} });
    expect((await card()).greetings).toEqual({});
    await patch({ name: 'Support' });
  });

  it('a new service can have them from the start', async () => {
    const made = await call('POST', '/api/admin/services', { headers: ADMIN, body: { slug: 'hola', name: 'Hola', greetings: { es: '¡Hola!' } } });
    expect(made.status).toBe(201);
    expect((await call('GET', '/api/public/services/hola')).body.greetings).toEqual({ es: '¡Hola!' });
    await call('DELETE', '/api/admin/services/hola', { headers: ADMIN });
  });

  it.each([
    ['a language Doorbell does not speak', { pt: 'Olá' }, 'greetings'],
    ['a region instead of a language', { 'de-AT': 'Servus' }, 'greetings'],
    ['an empty greeting', { en: '   ' }, 'greetings.en'],
    ['a greeting over 300 characters', { fr: 'x'.repeat(301) }, 'greetings.fr'],
    ['a line break', { en: 'Hi\nthere' }, 'greetings.en'],
    ['a number', { en: 5 }, 'greetings.en'],
    ['a list instead of an object', ['Hi'], 'greetings'],
  ])('refuses %s with invalid_request and changes nothing', async (_, greetings, path) => {
    await patch({ greetings: { en: 'Kept' } });
    const r = await patch({ greetings });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.details.problems.map((p: { path: string }) => p.path)).toContain(path);
    expect((await card()).greetings).toEqual({ en: 'Kept' });
    await patch({ greetings: {} });
  });
});
