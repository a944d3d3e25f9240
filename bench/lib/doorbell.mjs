// Setting Doorbell up for a benchmark through its public API, as an admin and its users
// would: agents and services (admin API, ADMIN_TOKEN from .dev.vars), agent JWTs signed
// as scripts/token.mjs signs them, guests, conversations and their socket URLs.
import { adminToken, agentToken } from '../../test/support/dev-server.mjs';
import { bearer, conversationSocketUrl, httpClient, newGuest } from '../../test/support/client.mjs';

export { conversationSocketUrl, newGuest };

/** A client of one running server: `call` (JSON over HTTP) and the admin headers. */
export function doorbell(server) {
  const call = httpClient(server.base);
  const admin = bearer(adminToken());
  const expect = async (status, what, promise) => {
    const r = await promise;
    if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return {
    base: server.base,
    call,
    expect,
    /** A standard agent with a token valid for the run. */
    async agent(slug, timeZone = 'Europe/Paris') {
      const email = `${slug}@bench.doorbell.example`;
      const body = { slug, name: `Agent ${slug}`, email, license: 'standard', timeZone };
      const created = await expect(201, `agent ${slug}`, call('POST', '/api/admin/agents', { headers: admin, body }));
      const token = await agentToken(email, '6h');
      return { id: created.id, slug, token, headers: bearer(token) };
    },
    /** An agent whose calendar offers `availability` (settings.availability in docs/meetings.md). */
    async calendarAgent(slug, availability) {
      const agent = await this.agent(slug, availability.timeZone);
      await expect(200, 'calendar settings', call('PATCH', '/api/calendar/settings', { headers: agent.headers, body: { availability } }));
      return agent;
    },
    /** A guest books `start` (ISO) with the agent: the answer, timed. */
    async book(slug, start, durationMinutes, n) {
      const body = { start, durationMinutes, name: `Booker ${n}`, email: `booker-${n}@bench.doorbell.example`, timeZone: 'Europe/Paris' };
      const t0 = performance.now();
      const r = await call('POST', `/api/agents/${slug}/bookings`, { body });
      // An answer that is not the API's JSON error (the runtime's own, say) is kept as its first words.
      const code = r.body?.error?.code ?? (typeof r.body === 'string' ? r.body.slice(0, 60).trim() : null);
      return { status: r.status, code, ms: performance.now() - t0 };
    },
    /** A service whose members are `agents`. */
    async service(slug, agents) {
      await expect(201, `service ${slug}`, call('POST', '/api/admin/services', { headers: admin, body: { slug, name: `Service ${slug}` } }));
      for (const a of agents) await expect(200, `member ${a.slug}`, call('PUT', `/api/admin/services/${slug}/members/${a.slug}`, { headers: admin }));
    },
    /** A guest's conversation, started by their first message; answers its id. */
    async conversation(guest, target) {
      const body = { target, clientId: 'bench-first', text: 'Hello' };
      return (await expect(200, 'conversation', call('POST', '/api/conversations', { headers: guest.headers, body }))).conversation.id;
    },
    socketUrl: (conversationId, token) => conversationSocketUrl(server.base, conversationId, token),
    /** Every stored entry of a conversation, read back over HTTP 200 at a time. */
    async timeline(conversationId, headers) {
      const entries = [];
      for (let after = 0; ; ) {
        const page = await expect(200, 'history', call('GET', `/api/conversations/${conversationId}/messages?after=${after}&limit=200`, { headers }));
        entries.push(...page.entries);
        if (page.entries.length < 200) return entries;
        after = page.entries[page.entries.length - 1].seq;
      }
    },
  };
}

/** Every day of the week from `start` to `end` (HH:MM) in `timeZone`, as calendar settings. */
export function everyDay(timeZone, start, end, { durations, stepMinutes }) {
  const day = [{ start, end }];
  return {
    timeZone,
    weeklyHours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
    overrides: [],
    durations,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 60,
    horizonDays: 60,
    slotStepMinutes: stepMinutes,
  };
}

/** Tomorrow's date (YYYY-MM-DD) in `timeZone`. */
export const tomorrowIn = (timeZone) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(Date.now() + 86_400_000);
