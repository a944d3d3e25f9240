import { beforeEach, describe, expect, it } from 'vitest';
import { asAgent, call, clientId, guestWrites, newGuest } from '../helpers';
import { clearOutbox, dayFromNow, drainJobs } from '../meetings';

// An offer of a type with questions (docs/meetings.md "Booking from the chat"): the guest's
// answers are checked as for a booking on the type's page, and the meeting keeps them.

beforeEach(clearOutbox);

const intro = {
  slug: 'offer-intro',
  title: 'Intro call',
  durations: [20],
  questions: [
    { id: 'company', label: 'Company', kind: 'short', required: true },
    { id: 'size', label: 'Team size', kind: 'select', options: ['1-10', '11-50', '51+'], required: true },
    { id: 'phone', label: 'Phone', kind: 'phone' },
    { id: 'consent', label: 'I accept the terms', kind: 'checkbox', required: true },
  ],
};

describe('an offer with questions', () => {
  it('books only with answers that pass the type’s rules, each problem named by its question; the meeting keeps them', async () => {
    const alice = await asAgent('alice');
    expect((await call('POST', '/api/calendar/meeting-types', { headers: alice, body: intro })).status).toBe(201);
    try {
      const guest = await newGuest('Ann Lee', 'ann@example.com');
      const id = (await guestWrites(guest, 'alice', 'A call this week?')).body.conversation.id as string;
      const made = await call('POST', `/api/conversations/${id}/offers`, { headers: alice, body: { clientId: clientId(), type: intro.slug } });
      expect(made.status).toBe(201);
      const offerId = made.body.entry.event.offerId as string;
      // What the card reads to ask them: the public list has the type's questions.
      const types = (await call('GET', '/api/agents/alice/meeting-types')).body.types;
      expect(types.find((t: any) => t.slug === intro.slug).questions.map((q: any) => q.id)).toEqual(['company', 'size', 'phone', 'consent']);

      const free = (await call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(3)}&days=7&type=${intro.slug}`)).body.slots;
      const bookWith = (answers: Record<string, unknown>) =>
        call('POST', `/api/conversations/${id}/offers/${offerId}/booking`, { headers: guest.headers, body: { start: free[0].start, timeZone: 'UTC', answers } });

      const none = await bookWith({});
      expect([none.status, none.body.error.code]).toEqual([400, 'invalid_answers']);
      expect(none.body.error.details.answers).toEqual({ company: 'is required', size: 'is required', consent: 'must be checked' });
      const wrong = await bookWith({ company: 'Acme', size: '500', phone: 'call me', consent: true, extra: 'x' });
      expect(wrong.status).toBe(400);
      expect(Object.keys(wrong.body.error.details.answers).sort()).toEqual(['extra', 'phone', 'size']);
      // Nothing was booked: the offer is still open.
      expect((await call('GET', '/api/calendar', { headers: alice })).body.meetings.filter((m: any) => m.offerId === offerId)).toEqual([]);

      const booked = await bookWith({ company: ' Acme ', size: '11-50', consent: true });
      expect(booked.status, JSON.stringify(booked.body)).toBe(201);
      expect(booked.body.meeting).toMatchObject({ offerId, conversationId: id, type: { slug: intro.slug, title: 'Intro call' }, durationMinutes: 20 });
      expect(booked.body.meeting.answers).toEqual([
        { id: 'company', label: 'Company', value: 'Acme' },
        { id: 'size', label: 'Team size', value: '11-50' },
        { id: 'consent', label: 'I accept the terms', value: 'Yes' },
      ]);
      await drainJobs();
      // The agent reads them in the conversation's booking note.
      const entries = (await call('GET', `/api/conversations/${id}/messages?after=0&limit=200`, { headers: alice })).body.entries as any[];
      expect(entries.find((e) => e.event?.type === 'meeting' && e.event.action === 'booked').text).toContain('Company: Acme');
      await call('DELETE', `/api/calendar/meetings/${booked.body.meeting.id}`, { headers: alice });
      await drainJobs();
    } finally {
      await call('DELETE', `/api/calendar/meeting-types/${intro.slug}`, { headers: alice });
    }
  });
});
