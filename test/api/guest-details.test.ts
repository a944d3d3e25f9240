import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asAgent, call, clientId, newGuest } from '../helpers';
import { book, slots } from '../meetings';

const CONTEXT = {
  url: 'https://shop.example/pricing?plan=pro',
  title: 'Pricing — Shop',
  referrer: 'https://search.example/?q=shop',
  language: 'fr-CA',
  timeZone: 'America/Toronto',
  channel: 'widget',
};

const start = (guest: { headers: Record<string, string> }, target: Record<string, unknown>, context?: unknown, text = 'Hello') =>
  call('POST', '/api/conversations', { headers: guest.headers, body: { target, clientId: clientId(), text, ...(context === undefined ? {} : { context }) } });

const details = async (id: string, who = 'alice') => call('GET', `/api/conversations/${id}/details`, { headers: await asAgent(who) });

describe('what agents know about the guest', () => {
  it('the context sent at start is stored once and shown to agents, with the guest’s email', async () => {
    const ann = await newGuest('Ann Lee', 'ann@example.com');
    const first = await start(ann, { kind: 'service', slug: 'sales', widget: true }, CONTEXT);
    expect(first.status).toBe(200);
    const id = first.body.conversation.id as string;
    // A later start from another page does not change where the conversation started.
    const again = await start(ann, { kind: 'service', slug: 'sales', widget: true }, { ...CONTEXT, url: 'https://shop.example/other', title: 'Other' });
    expect(again.body.created).toBe(false);

    const { status, body } = await details(id);
    expect(status).toBe(200);
    const { channel, ...told } = CONTEXT;
    expect(body.context).toEqual({ ...told, channel: 'widget' });
    expect(body.guests).toEqual([{ id: ann.id, name: 'Ann Lee', email: 'ann@example.com', phone: null, contactId: null, previous: [] }]);
  });

  it('the phonebook contact’s email and phone win over what the guest gave', async () => {
    const ann = await newGuest('Ann Lee', 'ann.old@example.com');
    const id = (await start(ann, { kind: 'agent', slug: 'alice' }, { channel: 'page' })).body.conversation.id;
    const saved = await call('POST', `/api/conversations/${id}/contact`, { headers: await asAgent('alice'), body: { guestId: ann.id, email: 'ann@work.example', phone: '+33 1 23 45 67 89' } });
    expect(saved.status).toBe(201);
    const { body } = await details(id);
    expect(body.context).toEqual({ channel: 'personal_link' });
    expect(body.guests[0]).toMatchObject({ email: 'ann@work.example', phone: saved.body.contact.phone, contactId: saved.body.contact.id });
  });

  it('without a context the channel follows from the target: a service page', async () => {
    const ann = await newGuest();
    const id = (await start(ann, { kind: 'service', slug: 'support' })).body.conversation.id;
    expect((await details(id, 'carol')).body.context).toEqual({ channel: 'service_page' });
  });

  it('a conversation stored before contexts existed gets its channel from its origin', async () => {
    const ann = await newGuest();
    const id = (await start(ann, { kind: 'service', slug: 'sales', widget: true }, CONTEXT)).body.conversation.id;
    // The actor's own fields, as the code before contexts stored them; typed loosely on purpose.
    const stub = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id)) as unknown as DurableObjectStub;
    await runInDurableObject<DurableObject, void>(stub, async (actor: any) => {
      const { context: _dropped, ...old } = actor.stored.state;
      actor.store.save(old);
      actor.stored = { ...actor.stored, state: old };
    });
    const { status, body } = await details(id);
    expect(status).toBe(200);
    expect(body.context).toEqual({ channel: 'widget' });
  });

  it('refuses a hostile or oversized context with 400 naming the field, and creates nothing', async () => {
    const ann = await newGuest();
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'javascript:alert(1)' }, 'context.url'],
      [{ url: `https://shop.example/${'a'.repeat(2048)}` }, 'context.url'],
      [{ referrer: 'data:text/html,<b>x</b>' }, 'context.referrer'],
      [{ title: 'Pricing\nSet-Cookie: x' }, 'context.title'],
      [{ title: 'x'.repeat(201) }, 'context.title'],
      [{ language: 'en_US; DROP' }, 'context.language'],
      [{ timeZone: 'Mars/Olympus_Mons' }, 'context.timeZone'],
      [{ channel: 'email' }, 'context.channel'],
      [{ cookie: 'secret' }, 'context'],
    ];
    const before = await env.DB.prepare('SELECT count(*) AS n FROM conversations').first<{ n: number }>();
    for (const [context, path] of cases) {
      const { status, body } = await start(ann, { kind: 'agent', slug: 'alice' }, context);
      expect(status, JSON.stringify(context)).toBe(400);
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.details.problems.map((p: any) => p.path)).toContain(path);
    }
    expect(await env.DB.prepare('SELECT count(*) AS n FROM conversations').first<{ n: number }>()).toEqual(before);
  });

  it('the guest never sees it: their view lacks it, the details route is 403 agents_only, a stranger agent gets 404', async () => {
    const ann = await newGuest('Ann Lee', 'ann@example.com');
    const id = (await start(ann, { kind: 'agent', slug: 'alice' }, CONTEXT)).body.conversation.id;
    const view = await call('GET', `/api/conversations/${id}`, { headers: ann.headers });
    expect(view.status).toBe(200);
    expect(JSON.stringify(view.body)).not.toMatch(/shop\.example|Pricing|America\/Toronto|context/);
    const refused = await call('GET', `/api/conversations/${id}/details`, { headers: ann.headers });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('agents_only');

    expect((await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { visibility: 'private' } })).status).toBe(200);
    const stranger = await details(id, 'carol');
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.code).toBe('not_found');
    expect((await details('cv_00000000000000000000000000000000')).status).toBe(404);
  });

  it('lists the guest’s other conversations (a guest who wrote to two services), only those the agent may open', async () => {
    const ann = await newGuest('Ann Lee');
    const sales = (await start(ann, { kind: 'service', slug: 'sales' }, { title: 'Pricing' }, 'about prices')).body.conversation.id;
    const support = (await start(ann, { kind: 'service', slug: 'support' }, undefined, 'it broke')).body.conversation.id;
    const other = await newGuest('Ben Other');
    await start(other, { kind: 'service', slug: 'sales' });

    const carolSees = await details(support, 'carol');
    expect(carolSees.body.guests[0].previous).toEqual([{ id: sales, title: 'Ann Lee', with: 'Sales', lastActivityAt: expect.any(String) }]);
    expect(Date.parse(carolSees.body.guests[0].previous[0].lastActivityAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await details(sales)).body.guests[0].previous.map((p: any) => p.id)).toEqual([support]);

    // Made private by Carol: Alice, not in it, no longer sees it listed.
    await call('PATCH', `/api/conversations/${support}`, { headers: await asAgent('carol'), body: { visibility: 'private' } });
    expect((await details(sales)).body.guests[0].previous).toEqual([]);
  });

  it('a meeting’s conversation has the meeting channel', async () => {
    const [slot] = await slots();
    const booked = await book(slot!.start);
    expect(booked.status).toBe(201);
    const { status, body } = await details(booked.body.meeting.conversationId);
    expect(status).toBe(200);
    expect(body.context).toEqual({ channel: 'meeting' });
  });
});
