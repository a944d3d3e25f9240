// Live slots and holds in headless Chromium against `wrangler dev`: two guests on Alice's
// booking page see each other's hold and booking without a reload, and the guest's meeting page
// shows Alice's move at once (docs/meetings.md, "Live slots and holds").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { agentCall, chooseDay, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('holds');

const asAlice = (method, path, body) => agentCall('alice@doorbell.example', method, path, body);

const time = (page, start) => page.locator(`.times button[data-start="${start}"]`);
const starts = (page) => page.locator('.times button').evaluateAll((bs) => bs.map((b) => b.dataset.start));

/**
 * A guest's booking page on the first day after today with nine times or more: the test takes
 * three of them an hour apart (which day that is depends on the hour and weekday it runs).
 */
async function bookingPage() {
  const context = await suite.browser.newContext({ timezoneId: 'Europe/Paris', locale: 'en-GB', viewport: { width: 900, height: 1000 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(`${suite.BASE}/u/alice/meet`);
  // The month grid draws every day; those without times are aria-disabled.
  const days = page.locator('.days button.day:not([aria-disabled])');
  await days.first().waitFor();
  for (let day = 1; day < (await days.count()); day++) {
    await chooseDay(page, day);
    await page.getByRole('list', { name: 'Available times' }).getByRole('button').first().waitFor();
    if ((await starts(page)).length >= 9) return page;
  }
  throw new Error('no day with nine times on Alice’s booking page');
}

test('two guests on one booking page see each other’s hold and booking live; the meeting page follows Alice’s move', async () => {
  const ann = await bookingPage();
  const ben = await bookingPage();
  const list = await starts(ann);
  assert.deepEqual(await starts(ben), list);
  // An hour apart: neighbouring times overlap.
  const [x, y, z] = [list[0], list[4], list[8]];

  // Ann chooses x: Ben's page loses it, no reload.
  await time(ann, x).click();
  await time(ben, x).waitFor({ state: 'detached' });
  assert.equal(await time(ann, x).getAttribute('aria-pressed'), 'true', 'Ann still has her choice');
  await shot(ben, 'booking-held');
  copyFileSync(new URL('../../test-results/screenshots/booking-held.png', import.meta.url), new URL('../../docs/screenshots/booking-held.png', import.meta.url));
  // Ben's page refuses nothing it shows: its own choice of y is held for him.
  await time(ben, y).click();
  await time(ann, y).waitFor({ state: 'detached' });

  // Ann changes her mind to z: x comes back for Ben.
  await time(ann, z).click();
  await time(ben, x).waitFor();
  await time(ben, z).waitFor({ state: 'detached' });

  // Ann books z: it stays gone for Ben, and her meeting page opens.
  await ann.getByLabel('Your name').fill('Ann Live');
  await ann.getByLabel('Email').fill('ann@example.com');
  await ann.getByRole('button', { name: 'Book this time' }).click();
  await ann.getByRole('heading', { name: 'Your meeting is booked' }).waitFor();
  const link = await ann.getByRole('link', { name: 'See, reschedule or cancel your meeting' }).getAttribute('href');
  // Alice books x for someone by phone: Ben sees it go.
  await asAlice('POST', '/api/calendar/meetings', { start: x, durationMinutes: 15, name: 'Phone Guest', email: 'phone@example.com', timeZone: 'Europe/Paris' });
  await time(ben, x).waitFor({ state: 'detached' });
  assert.ok(!(await starts(ben)).includes(z), 'Ann’s booking stays gone for Ben');
  assert.ok((await starts(ben)).includes(y), 'Ben keeps his own held time');

  // The meeting page shows Alice's move without a reload.
  await ann.goto(link);
  const yours = ann.locator('dl.when dd').first();
  await yours.waitFor();
  const shownBefore = await yours.textContent();
  const meetingId = (await asAlice('GET', '/api/calendar')).meetings.find((m) => m.guest.email === 'ann@example.com').id;
  const later = list.at(-1);
  await asAlice('PATCH', `/api/calendar/meetings/${meetingId}`, { start: later });
  await ann.getByText('This meeting has just been changed.').waitFor();
  assert.notEqual(await yours.textContent(), shownBefore);
  log(`meeting page: ${shownBefore} → ${await ann.locator('dl.when dd').first().textContent()}`);
  await asAlice('DELETE', `/api/calendar/meetings/${meetingId}`);
  await ann.locator('.card.meeting[data-status="cancelled"]').waitFor();
});
