// What the month view of the booking page reads from the API: the agent's description on the
// public card, and how far ahead the calendar books (bookableUntil), per meeting type.
import { describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call } from '../helpers';
import { dayFromNow } from '../meetings';

describe('the booking page’s data', () => {
  it('an admin writes the agent’s description; the public card and the admin view show it; a too long one changes nothing', async () => {
    expect((await call('GET', '/api/public/agents/alice')).body.description).toBe('');
    const text = 'Account manager for the Nordics.\nAsk me about team plans.';
    const saved = await call('PATCH', '/api/admin/agents/alice', { headers: ADMIN, body: { description: `  ${text} ` } });
    expect(saved.status).toBe(200);
    expect(saved.body.description).toBe(text);
    try {
      expect((await call('GET', '/api/public/agents/alice')).body.description).toBe(text);
      const long = await call('PATCH', '/api/admin/agents/alice', { headers: ADMIN, body: { description: 'x'.repeat(2001) } });
      expect([long.status, long.body.error.code]).toEqual([400, 'invalid_request']);
      expect((await call('GET', '/api/public/agents/alice')).body.description).toBe(text);
    } finally {
      await call('PATCH', '/api/admin/agents/alice', { headers: ADMIN, body: { description: '' } });
    }
  });

  it('slots name the latest bookable start, now + the horizon of the type’s availability, and none lies after it', async () => {
    const alice = await asAgent('alice');
    const { settings } = (await call('GET', '/api/calendar', { headers: alice })).body;
    await call('PATCH', '/api/calendar/settings', { headers: alice, body: { availability: { ...settings.availability, horizonDays: 10 } } });
    try {
      const before = Date.now();
      const r = await call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(0)}&days=31`);
      expect(r.status).toBe(200);
      const until = Date.parse(r.body.bookableUntil);
      expect(until).toBeGreaterThanOrEqual(before + 10 * 86_400_000);
      expect(until).toBeLessThanOrEqual(Date.now() + 10 * 86_400_000);
      expect(r.body.slots.length).toBeGreaterThan(0);
      for (const slot of r.body.slots) expect(Date.parse(slot.start)).toBeLessThanOrEqual(until);
    } finally {
      await call('PATCH', '/api/calendar/settings', { headers: alice, body: { availability: settings.availability } });
    }
  });
});
