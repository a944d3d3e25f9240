// The booking page's month view (docs/meetings.md "The guest's pages"), in headless Chromium
// against `wrangler dev`: a guest in New York books Alice with the keyboard alone (the grid is
// one tab stop, arrows/Home/End move, Enter chooses, the form takes the focus, Escape goes back);
// a German browser gets Monday first and a 24-hour clock, an American one Sunday and 12 hours;
// days without times are disabled and the months stop at Alice's horizon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { adminToken } from '../support/dev-server.mjs';
import { agentToken, expectAccessible, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('monthview');
const H24 = /^\d\d:\d\d$/;
const H12 = /^\d{1,2}:\d\d\s?[AP]M$/;
const DESCRIPTION = 'Account manager for Europe.\nAsk me about team plans and onboarding.';

async function api(method, path, token, body) {
  const res = await fetch(`${suite.BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const asAlice = async (method, path, body) => api(method, path, await agentToken('alice@doorbell.example'), body);

/** What has the keyboard focus: a day's date, a time's start, a field's name, or its tag. */
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return { date: el?.dataset?.date ?? null, start: el?.dataset?.start ?? null, name: el?.getAttribute('name') ?? null, tag: el?.tagName ?? null };
  });
const isoWeekday = (date) => new Date(`${date}T12:00:00Z`).getUTCDay() || 7;
const addDays = (date, n) => new Date(Date.parse(`${date}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

async function openBooking(locale, timezoneId) {
  const context = await suite.browser.newContext({ locale, timezoneId, viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${suite.BASE}/u/alice/meet`);
  await page.locator('.picker:not([aria-busy]) .times button').first().waitFor();
  return { context, page, errors };
}

test('a guest books through the month view with the keyboard alone: one tab stop for the grid, the form in view and focused, Escape back to the times', async () => {
  await api('PATCH', '/api/admin/agents/alice', adminToken(), { description: DESCRIPTION });
  const { context, page, errors } = await openBooking('en-US', 'America/New_York');
  await page.getByRole('heading', { name: 'Book a meeting with Alice Martin' }).waitFor();
  assert.equal(await page.locator('.agent-description').innerText(), DESCRIPTION, 'the agent’s description heads the page');
  const grid = page.getByRole('grid');
  assert.equal(await grid.locator('th').first().getAttribute('abbr'), 'Sunday', 'an American week starts on Sunday');
  const times = await page.locator('.times button').allTextContents();
  assert.ok(times.length && times.every((t) => H12.test(t)), `12-hour times in en-US: ${times.join(' ')}`);
  await expectAccessible(page, { where: 'month view (en-US)' });

  // Tab into the grid: it is one tab stop, on the chosen day.
  let tabs = 0;
  while (!(await focused(page)).date && tabs < 20) (await page.keyboard.press('Tab'), tabs++);
  const start = await focused(page);
  assert.ok(start.date, `the grid is reachable by Tab (${tabs} presses)`);
  assert.equal(await page.locator('[aria-selected=true] .day').getAttribute('data-date'), start.date, 'the tab stop is the chosen day');
  assert.equal(await grid.locator('button[tabindex="0"]').count(), 1, 'one day is in the tab order');
  await page.keyboard.press('Tab');
  assert.ok((await focused(page)).start, 'the next Tab leaves the grid for the times');
  await page.keyboard.press('Shift+Tab');
  assert.equal((await focused(page)).date, start.date, 'Shift+Tab comes back to the same day');

  // Arrows, Home and End move the focus between days; Enter on a day without times does nothing.
  await page.keyboard.press('ArrowDown');
  const below = (await focused(page)).date;
  assert.equal(below, addDays(start.date, 7), 'ArrowDown is the same weekday a week later');
  await page.keyboard.press('Home');
  const sunday = (await focused(page)).date;
  assert.equal(isoWeekday(sunday), 7, `Home is the week’s first day, a Sunday: ${sunday}`);
  await page.keyboard.press('End');
  const saturday = (await focused(page)).date;
  assert.equal(saturday, addDays(sunday, 6), 'End is the week’s last day');
  const weekend = page.locator(`.day[data-date="${saturday}"]`);
  assert.equal(await weekend.getAttribute('aria-disabled'), 'true', 'Alice takes no meetings on Saturdays');
  assert.match(await weekend.getAttribute('aria-label'), /^Saturday, [A-Z][a-z]+ \d{1,2}, \d{4}, no times$/);
  const dayBefore = await page.locator('.day-title').textContent();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.day-title').textContent(), dayBefore, 'a day without times cannot be chosen');
  assert.equal((await focused(page)).date, saturday);
  await page.keyboard.press('ArrowLeft');
  const friday = (await focused(page)).date;
  assert.equal(friday, addDays(saturday, -1));
  await page.keyboard.press('Enter');
  await page.locator('.day-title', { hasText: /^Friday, / }).waitFor();
  assert.equal(await page.locator('[aria-selected=true] .day').getAttribute('data-date'), friday);
  const first = await focused(page);
  assert.ok(first.start, 'choosing a day puts the focus on its first time');
  await shot(page, 'booking-month');

  // The second time, by Tab and Enter; the form is in view with the focus in its first field.
  await page.keyboard.press('Tab');
  const second = await focused(page);
  assert.ok(second.start && second.start > first.start, 'Tab goes from time to time');
  await page.keyboard.press('Enter');
  let toName = 0;
  while ((await focused(page)).name !== 'name' && toName < 40) (await page.keyboard.press('Tab'), toName++);
  assert.equal(toName, 0, 'no Tab press from the chosen time to the name field: the focus is already there');
  const inView = await page.locator('form.book').evaluate((form) => {
    const r = form.getBoundingClientRect();
    return r.top >= 0 && r.top < innerHeight;
  });
  assert.ok(inView, 'the form is scrolled into view');
  assert.equal(await page.locator(`.time[data-start="${second.start}"]`).getAttribute('aria-pressed'), 'true');
  await shot(page, 'booking-form');
  await expectAccessible(page, { where: 'booking form' });

  // Escape goes back to the chosen time; Enter there comes back to the form.
  await page.keyboard.press('Escape');
  assert.equal((await focused(page)).start, second.start, 'Escape returns to the chosen time');
  await page.keyboard.press('Enter');
  assert.equal((await focused(page)).name, 'name');
  await page.keyboard.type('Kim Keys');
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).name, 'email');
  await page.keyboard.type('kim@example.com');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Your meeting is booked' }).waitFor();
  await expectAccessible(page, { where: 'confirmation' });
  const meeting = (await asAlice('GET', '/api/calendar')).meetings.find((m) => m.guest.email === 'kim@example.com');
  assert.equal(meeting?.start, second.start, 'the time chosen by keyboard is booked');
  log(`booked by keyboard alone: ${tabs} Tabs to the grid, 0 from the chosen time to the name field, ${second.start}`);

  mkdirSync('docs/screenshots', { recursive: true });
  for (const name of ['booking-month', 'booking-form']) copyFileSync(`test-results/screenshots/${name}.png`, `docs/screenshots/${name}.png`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('de-DE: Monday first and 24-hour times; days without times are disabled; the months stop at the horizon, by button and by PageDown', async () => {
  const { settings } = await asAlice('GET', '/api/calendar');
  await asAlice('PATCH', '/api/calendar/settings', { availability: { ...settings.availability, horizonDays: 45 } });
  try {
    const zone = 'Europe/Berlin';
    const { context, page, errors } = await openBooking('de-DE', zone);
    const dateIn = (at) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
    const grid = page.getByRole('grid');
    assert.equal(await grid.locator('th').first().getAttribute('abbr'), 'Montag', 'a German week starts on Monday');
    const times = await page.locator('.times button').allTextContents();
    assert.ok(times.length && times.every((t) => H24.test(t)), `24-hour times in de-DE: ${times.join(' ')}`);

    // A Sunday has no times: disabled, announced so, and choosing it changes nothing.
    const sunday = grid.locator('tr td:nth-child(7) .day').first();
    assert.equal(await sunday.getAttribute('aria-disabled'), 'true');
    assert.match(await sunday.getAttribute('aria-label'), /^Sonntag, \d{1,2}\. [A-Za-zä]+ \d{4}, keine Zeiten$/);
    const chosen = await page.locator('[aria-selected=true] .day').getAttribute('data-date');
    await sunday.click({ force: true }); // Playwright itself refuses to click what is aria-disabled
    assert.equal(await page.locator('[aria-selected=true] .day').getAttribute('data-date'), chosen);
    await expectAccessible(page, { where: 'month view (de-DE)' });

    // From today's month to the horizon's: "previous" is off at the start, "next" at the end.
    const previous = page.getByRole('button', { name: 'Vorheriger Monat' });
    const next = page.getByRole('button', { name: 'Nächster Monat' });
    assert.ok(await previous.isDisabled(), 'no month before today’s');
    const last = dateIn(Date.now() + 45 * 86_400_000);
    const shown = (await page.locator('.day').first().getAttribute('data-date')).slice(0, 7);
    const months = (+last.slice(0, 4) - +shown.slice(0, 4)) * 12 + (+last.slice(5, 7) - +shown.slice(5, 7));
    let pressed = 0;
    while (!(await next.isDisabled()) && pressed < 12) {
      await next.click();
      pressed++;
      await page.locator('.picker:not([aria-busy])').waitFor();
    }
    const lastMonth = (await page.locator('.day').first().getAttribute('data-date')).slice(0, 7);
    assert.equal(lastMonth, last.slice(0, 7), 'the last month is the horizon’s');
    assert.equal(pressed, months, `${pressed} months ahead`);
    const offered = await page.locator('.day:not([aria-disabled])').evaluateAll((days) => days.map((d) => d.dataset.date));
    assert.ok(offered.every((d) => d <= last), `no day after the horizon ${last} has times: ${offered.join(' ')}`);
    const after = await page.locator('.day').evaluateAll((days, last) => days.filter((d) => d.dataset.date > last).map((d) => d.getAttribute('aria-disabled')), last);
    assert.ok(after.every((a) => a === 'true'), 'the days after the horizon are disabled');
    await shot(page, 'booking-horizon');

    // PageDown from the grid stays in the last month; PageUp goes back one.
    await page.locator('.day[tabindex="0"]').focus();
    await page.keyboard.press('PageDown');
    assert.equal((await focused(page)).date.slice(0, 7), lastMonth, 'PageDown stops at the horizon');
    assert.ok((await focused(page)).date <= last);
    await page.keyboard.press('PageUp');
    await page.locator('.picker:not([aria-busy])').waitFor();
    assert.notEqual((await focused(page)).date.slice(0, 7), lastMonth, 'PageUp shows the month before');
    assert.ok(!(await next.isDisabled()));
    log(`de-DE: Monday first, ${times[0]}; ${pressed} months ahead to ${lastMonth} (horizon ${last})`);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await asAlice('PATCH', '/api/calendar/settings', { availability: settings.availability });
  }
});
