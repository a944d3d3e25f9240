// The rest of issue 16 in headless Chromium against `wrangler dev` (the offer card's questions are
// in offer.test.mjs): the meeting page reschedules a meeting whose type is hidden, and one whose
// type was deleted, from its own slots; Alice writes her description in the console and guests
// read it on her booking page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentCall, agentToken, consoleSignedIn, expectAccessible, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('booking2');

const ALICE = 'alice@doorbell.example';
const dayFromNow = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Saturday mornings in Paris at 45 minutes: nothing the calendar's own weekdays offer. */
const saturdays = {
  durations: [45],
  availability: { timeZone: 'Europe/Paris', weeklyHours: { sat: [{ start: '10:00', end: '13:00' }] }, overrides: [], durations: [30], bufferBeforeMinutes: 0, bufferAfterMinutes: 0, minimumNoticeMinutes: 0, horizonDays: 60, slotStepMinutes: 45 },
};

/** A guest books the type's first Saturday slot; the agent then hides or deletes the type. */
async function meetingOf(slug, then) {
  await agentCall(ALICE, 'POST', '/api/calendar/meeting-types', { slug, title: `Weekend ${slug}`, ...saturdays });
  const free = await (await fetch(`${suite.BASE}/api/agents/alice/slots?timeZone=Europe/Paris&from=${dayFromNow(1)}&days=21&type=${slug}`)).json();
  const res = await fetch(`${suite.BASE}/api/agents/alice/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ start: free.slots[0].start, durationMinutes: 45, name: 'Walt Weekend', email: 'walt@example.com', timeZone: 'Europe/Paris', type: slug }),
  });
  const booked = await res.json();
  assert.equal(res.status, 201, JSON.stringify(booked));
  if (then === 'hide') await agentCall(ALICE, 'PATCH', `/api/calendar/meeting-types/${slug}`, { hidden: true });
  else {
    const gone = await fetch(`${suite.BASE}/api/calendar/meeting-types/${slug}`, { method: 'DELETE', headers: { authorization: `Bearer ${await agentToken(ALICE)}` } });
    assert.equal(gone.status, 204);
  }
  assert.equal((await fetch(`${suite.BASE}/api/agents/alice/slots?timeZone=Europe/Paris&from=${dayFromNow(1)}&type=${slug}`)).status, 404, 'the public slots refuse the type now');
  return { link: booked.guestLink, token: booked.guestLink.split('#')[1], start: booked.meeting.start };
}

for (const then of ['hide', 'delete']) {
  test(`the meeting page reschedules a meeting whose type was ${then === 'hide' ? 'hidden' : 'deleted'}, in its type's Saturdays`, async () => {
    const { link, token, start } = await meetingOf(`sat-${then}`, then);
    const context = await suite.browser.newContext({ timezoneId: 'Europe/Paris', locale: 'en-GB', viewport: { width: 900, height: 1100 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(link);
    await page.getByRole('button', { name: 'Reschedule' }).click();
    const open = page.locator('.days button:not([aria-disabled])');
    await open.first().waitFor();
    // Only Saturdays are open: the type's own days, not the calendar's weekdays.
    const dates = await open.evaluateAll((days) => days.map((d) => d.dataset.date));
    assert.ok(dates.length > 0 && dates.every((d) => new Date(`${d}T12:00:00Z`).getUTCDay() === 6), `open days: ${dates}`);
    await open.first().click();
    const times = page.getByRole('list', { name: 'Available times' }).getByRole('button');
    const other = (await times.evaluateAll((b) => b.map((x) => x.dataset.start))).find((s) => s !== start);
    assert.ok(other, 'another time that Saturday');
    await page.locator(`.times button[data-start="${other}"]`).click();
    await page.getByRole('button', { name: 'Confirm new time' }).click();
    await page.getByText('The meeting has moved.').waitFor();
    const seen = await (await fetch(`${suite.BASE}/api/meetings/${token}`)).json();
    assert.equal(seen.meeting.start, other);
    assert.equal(seen.meeting.durationMinutes, 45);
    if (then === 'delete') await shot(page, 'meeting-reschedule-deleted-type');
    log(`moved the meeting of the ${then === 'hide' ? 'hidden' : 'deleted'} type to ${other}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('Alice writes her description in the console; her booking page shows it, line breaks kept', async () => {
  const { context, page, errors } = await consoleSignedIn(ALICE, { width: 1280, height: 1400 });
  await page.getByRole('tab', { name: 'Calendar' }).click();
  const about = page.getByRole('form', { name: 'About you' });
  const text = 'I help teams pick the right plan.\nAsk me about prices and onboarding.';
  await about.getByLabel('Description').fill(text);
  assert.equal(await about.getByLabel('Description').getAttribute('maxlength'), '2000');
  await about.getByRole('button', { name: 'Save description' }).click();
  await about.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await about.scrollIntoViewIfNeeded();
  await shot(page, 'console-agent-description');
  assert.deepEqual(errors, []);
  await context.close();

  const guestContext = await suite.browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 900 } });
  const guest = await guestContext.newPage();
  for (const path of ['/u/alice/meet', '/u/alice/meet/meeting']) {
    await guest.goto(`${suite.BASE}${path}`);
    const shown = guest.locator('.agent-description');
    await shown.waitFor();
    assert.equal(await shown.textContent(), text);
    // Drawn on two lines, as written.
    assert.ok((await shown.boundingBox()).height > 30, 'the line break shows');
  }
  await expectAccessible(guest);
  await shot(guest, 'booking-agent-description');
  await guestContext.close();
});
