import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { PRESENCE_STALE_MS } from '../../src/directory/presence';
import { agentToken, asAgent, call, eventually, newGuest } from '../helpers';
import { TestSocket } from '../socket';

const agentCard = async (slug: string) => (await call('GET', `/api/public/agents/${slug}`)).body;
const serviceCard = async (slug: string) => (await call('GET', `/api/public/services/${slug}`)).body;
const setState = async (who: string, state: unknown) => call('PUT', '/api/inbox/presence', { headers: await asAgent(who), body: { state } });

/** Waits until the card says `availability`: the socket's close reaches the actor a moment after the client's. */
async function cardBecomes(slug: string, availability: string, kind: 'agents' | 'services' = 'agents'): Promise<any> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const card = (await call('GET', `/api/public/${kind}/${slug}`)).body;
    if (card.availability === availability || Date.now() > deadline) return card;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('agent availability (docs/rules.md "Availability")', () => {
  it('is offline without a console, online with one, away when set, offline when the last console closes', async () => {
    expect(await agentCard('alice')).toMatchObject({ slug: 'alice', availability: 'offline', availabilityMessage: 'We’ll reply by email' });

    const first = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    const snapshot = await first.next((f) => f.type === 'inbox');
    expect(snapshot.presence).toEqual({ state: 'online', availability: 'online' });
    expect(await agentCard('alice')).toMatchObject({ availability: 'online', availabilityMessage: 'Usually replies in a few minutes' });

    const second = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    await second.next((f) => f.type === 'inbox');
    const away = await setState('alice', 'away');
    expect(away.status).toBe(200);
    expect(away.body).toEqual({ state: 'away', availability: 'away' });
    // Every open console hears it, so each tab's control shows the same state.
    expect(await first.next((f) => f.type === 'presence')).toEqual({ type: 'presence', state: 'away', availability: 'away' });
    expect(await agentCard('alice')).toMatchObject({ availability: 'away', availabilityMessage: 'We’ll reply by email' });

    // One of two consoles closing leaves her away, not offline.
    first.ws.close(1000);
    await first.waitClosed();
    await new Promise((r) => setTimeout(r, 200));
    expect((await agentCard('alice')).availability).toBe('away');

    second.ws.close(1000);
    await second.waitClosed();
    expect((await cardBecomes('alice', 'offline')).availability).toBe('offline');
    // Her choice is kept for her next console; guests see offline meanwhile.
    expect((await call('GET', '/api/inbox/presence', { headers: await asAgent('alice') })).body).toEqual({ state: 'away', availability: 'offline' });

    const again = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    expect((await again.next((f) => f.type === 'inbox')).presence).toEqual({ state: 'away', availability: 'away' });
    expect((await setState('alice', 'online')).body).toEqual({ state: 'online', availability: 'online' });
    expect((await agentCard('alice')).availability).toBe('online');
    again.ws.close(1000);
    await again.waitClosed();
    expect((await cardBecomes('alice', 'offline')).availability).toBe('offline');
  });

  it('gives a service the best availability of its licensed members only', async () => {
    expect(await serviceCard('sales')).toMatchObject({ slug: 'sales', availability: 'offline', availabilityMessage: 'We’ll reply by email' });

    // Bob is a basic (unlicensed) member of Sales and Billing: his console changes neither.
    const bob = await TestSocket.open('/api/inbox/socket', await agentToken('bob'));
    await bob.next((f) => f.type === 'inbox');
    expect((await agentCard('bob')).availability).toBe('online');
    expect((await serviceCard('sales')).availability).toBe('offline');
    expect((await serviceCard('billing')).availability).toBe('offline');

    const carol = await TestSocket.open('/api/inbox/socket', await agentToken('carol'));
    await carol.next((f) => f.type === 'inbox');
    await setState('carol', 'away');
    expect(await serviceCard('sales')).toMatchObject({ availability: 'away', availabilityMessage: 'We’ll reply by email' });

    const alice = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    await alice.next((f) => f.type === 'inbox');
    expect(await serviceCard('sales')).toMatchObject({ availability: 'online', availabilityMessage: 'Usually replies in a few minutes' });
    // Support has only Carol, who is away.
    expect((await serviceCard('support')).availability).toBe('away');

    // The assign dialog's member list shows colleagues' availability.
    const services = (await call('GET', '/api/services', { headers: await asAgent('bob') })).body.services;
    const sales = services.find((s: any) => s.slug === 'sales');
    expect(Object.fromEntries(sales.licensedMembers.map((m: any) => [m.slug, m.availability]))).toEqual({ alice: 'online', carol: 'away' });

    alice.ws.close(1000);
    await alice.waitClosed();
    expect((await cardBecomes('sales', 'away', 'services')).availability).toBe('away');
    for (const s of [bob, carol]) s.ws.close(1000);
    await setState('carol', 'online');
    expect((await cardBecomes('sales', 'offline', 'services')).availability).toBe('offline');
  });

  it('reads a row left online by an actor that never said goodbye as offline once it is stale', async () => {
    const { id } = (await env.DB.prepare("SELECT id FROM agents WHERE slug = 'carol'").first<{ id: string }>())!;
    // The last test's closes may have left Carol's inbox a presence write due: it goes first, not over this row.
    await runDurableObjectAlarm(env.INBOXES.getByName(id));
    // A close from the last test can still land late on a loaded machine and write Carol
    // offline: each try writes the row again, so what is read is the row the test wrote.
    const cardWith = (updatedAt: number) => async () => {
      await env.DB.prepare('INSERT OR REPLACE INTO agent_presence (agent_id, availability, updated_at) VALUES (?, ?, ?)').bind(id, 'online', updatedAt).run();
      return (await agentCard('carol')).availability;
    };
    expect(await cardWith(Date.now() - PRESENCE_STALE_MS - 1000)()).toBe('offline');
    expect(await eventually(() => cardWith(Date.now() - 1000)(), (a) => a === 'online', 'a fresh online row reads online')).toBe('online');
    await env.DB.prepare("UPDATE agent_presence SET availability = 'offline' WHERE agent_id = ?").bind(id).run();
  });

  it('refuses a bad state or idle delay with 400 and changes nothing', async () => {
    const before = (await call('GET', '/api/inbox/presence', { headers: await asAgent('alice') })).body;
    for (const body of [{}, { state: 'offline' }, { state: 'busy' }, { state: null }, { state: 'away', extra: 1 }, ['away']]) {
      const r = await call('PUT', '/api/inbox/presence', { headers: await asAgent('alice'), body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
    expect((await call('GET', '/api/inbox/presence', { headers: await asAgent('alice') })).body).toEqual(before);

    const settings = (await call('GET', '/api/inbox/settings', { headers: await asAgent('alice') })).body;
    expect(settings.awayAfterMinutes).toBe(10);
    for (const awayAfterMinutes of [0, 241, 1.5, '10', null, -1]) {
      const r = await call('PATCH', '/api/inbox/settings', { headers: await asAgent('alice'), body: { awayAfterMinutes } });
      expect(r.status, JSON.stringify(awayAfterMinutes)).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
    const changed = await call('PATCH', '/api/inbox/settings', { headers: await asAgent('alice'), body: { awayAfterMinutes: 240 } });
    expect(changed.body).toEqual({ ...settings, awayAfterMinutes: 240 });
    expect((await call('PATCH', '/api/inbox/settings', { headers: await asAgent('alice'), body: { awayAfterMinutes: 1 } })).body.awayAfterMinutes).toBe(1);
  });

  it('lets guests and anonymous callers read the public cards only, never set a state', async () => {
    const guest = await newGuest();
    for (const headers of [guest.headers, {}]) {
      const status = headers === guest.headers ? 403 : 401;
      expect((await call('GET', '/api/inbox/presence', { headers })).status).toBe(status);
      expect((await call('PUT', '/api/inbox/presence', { headers, body: { state: 'away' } })).status).toBe(status);
      expect((await call('GET', '/api/public/agents/alice', { headers })).body.availability).toBeDefined();
      expect((await call('GET', '/api/public/services/sales', { headers })).body.availability).toBeDefined();
    }
    expect((await call('GET', '/api/inbox/presence', { headers: await asAgent('alice') })).body.state).not.toBe('away');
  });
});
