// Meeting types on the guest pages, in headless Chromium against `wrangler dev`: Alice adds an
// "Intro call" type (20 minutes, a fresh Jitsi room, two questions) in the console; her
// /u/alice/meet then lists both types; a guest books the intro call, must answer its required
// questions, and the confirmation shows the room and the Google, Outlook and .ics links; the
// meeting page shows the same place; Alice's console shows the answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseDay, consoleSignedIn, expectAccessible, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('meeting-types');
const ROOM = /^https:\/\/meet\.jit\.si\/Doorbell-[0-9a-f]{32}$/;

let confirmed; // { link, room, start }

test('Alice adds a meeting type with a Jitsi room and questions in the console', async () => {
  const { context, page, errors } = await consoleSignedIn('alice@doorbell.example');
  await page.getByRole('tab', { name: 'Calendar' }).click();
  const section = page.getByRole('region', { name: 'Meeting types' });
  await section.locator('li[data-type=meeting]').waitFor();
  await section.getByLabel('Slug').fill('intro');
  await section.getByLabel('Title').fill('Intro call');
  await section.getByLabel('Description').fill('Twenty minutes to see whether we fit.');
  await section.getByLabel('Durations in minutes').fill('20');
  await section.getByLabel('Where').selectOption('jitsi');
  assert.equal(await section.getByLabel('Address, number or link').isHidden(), true, 'a Jitsi room needs no detail');
  await section.getByLabel('Questions').fill('short: Company*\nselect: Team size*: 1-10, 11-50, 51+\nlong: Anything else?');
  await section.getByRole('button', { name: 'Add type' }).click();
  await section.getByRole('status').filter({ hasText: 'Added “Intro call”.' }).waitFor();
  await section.locator('li[data-type=intro]').waitFor();
  const saved = await (await fetch(`${suite.BASE}/api/agents/alice/meeting-types`)).json();
  assert.deepEqual(saved.types.map((t) => t.slug), ['meeting', 'intro']);
  assert.deepEqual(saved.types[1].questions.map((q) => [q.id, q.kind, q.required]), [['company', 'short', true], ['team-size', 'select', true], ['anything-else', 'long', false]]);
  assert.deepEqual(saved.types[1].durations, [20]);
  log('the console added "intro" with its questions, read back from the public list');
  assert.deepEqual(errors, []);
  await context.close();
});

test('/u/alice/meet lists the types; a guest books the intro call, answering its questions; the confirmation shows the room and add-to-calendar links', async () => {
  const context = await suite.browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US', viewport: { width: 900, height: 1100 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${suite.BASE}/u/alice/meet`);
  const list = page.getByRole('list', { name: 'Choose the kind of meeting' });
  await list.waitFor();
  assert.deepEqual(await list.getByRole('heading').allTextContents(), ['Meeting', 'Intro call']);
  await page.getByText('20 min · Video call (Jitsi Meet)').waitFor();
  await expectAccessible(page);
  await shot(page, 'meet-types');

  await list.getByRole('link', { name: 'Intro call' }).click();
  await page.waitForURL(`${suite.BASE}/u/alice/meet/intro`);
  await page.getByRole('heading', { name: 'Intro call' }).waitFor();
  await page.getByText('Twenty minutes to see whether we fit.').waitFor();
  await chooseDay(page, 1);
  const first = page.getByRole('list', { name: 'Available times' }).getByRole('button').first();
  const start = await first.getAttribute('data-start');
  await first.click();
  assert.equal(await page.getByRole('radio').count(), 0, 'one duration: no choice to make');
  await page.getByLabel('Your name').fill('Gina Guest');
  await page.getByLabel('Email', { exact: true }).fill('gina@example.com');
  await page.getByRole('button', { name: 'Book this time' }).click();
  // The required questions are named under their fields, the first gets the focus, nothing is sent.
  await page.locator('.field-error', { hasText: 'Please answer this question.' }).first().waitFor();
  assert.equal(await page.locator('.field-error', { hasText: 'Please answer this question.' }).count(), 2);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'q-company');
  await page.getByLabel('Company').fill('Acme');
  await page.getByLabel('Team size').selectOption('11-50');
  await page.getByRole('button', { name: 'Book this time' }).click();

  await page.getByRole('heading', { name: 'Your meeting is booked' }).waitFor();
  const join = page.getByRole('link', { name: 'Join the video call' });
  const room = await join.getAttribute('href');
  assert.match(room, ROOM);
  const google = new URL(await page.locator('a[data-calendar=google]').getAttribute('href'));
  assert.equal(`${google.origin}${google.pathname}`, 'https://calendar.google.com/calendar/render');
  assert.equal(google.searchParams.get('action'), 'TEMPLATE');
  assert.equal(google.searchParams.get('text'), 'Intro call: Alice Martin');
  assert.equal(google.searchParams.get('location'), room);
  const end = new Date(Date.parse(start) + 20 * 60_000).toISOString();
  const basic = (iso) => iso.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  assert.equal(google.searchParams.get('dates'), `${basic(start)}/${basic(end)}`);
  const outlook = new URL(await page.locator('a[data-calendar=outlook]').getAttribute('href'));
  assert.equal(`${outlook.origin}${outlook.pathname}`, 'https://outlook.live.com/calendar/0/deeplink/compose');
  assert.equal(outlook.searchParams.get('startdt'), start.replace(/\.\d{3}Z$/, 'Z'));
  assert.equal(outlook.searchParams.get('location'), room);
  const ics = await fetch(new URL(await page.locator('a[data-calendar=ics]').getAttribute('href'), suite.BASE));
  assert.equal(ics.status, 200);
  const text = (await ics.text()).replace(/\r\n[ \t]/g, '');
  assert.match(text, new RegExp(`LOCATION:${room.replace(/[.]/g, '\\.')}`));
  assert.match(text, /Company: Acme/);
  await expectAccessible(page);
  await shot(page, 'meet-confirmed');
  log(`booked ${start} with room ${room}; Google, Outlook and .ics carry it`);
  confirmed = { link: await page.getByRole('link', { name: 'See, reschedule or cancel your meeting' }).getAttribute('href'), room, start };

  // The meeting page shows the same room and the same links.
  await page.goto(confirmed.link);
  await page.getByRole('heading', { name: 'Your meeting with Alice Martin' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Join the video call' }).getAttribute('href'), room);
  assert.equal(await page.locator('a[data-calendar]').count(), 3);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Alice’s console shows the meeting’s type, room and answers', async () => {
  assert.ok(confirmed, 'the booking test ran');
  const { context, page, errors } = await consoleSignedIn('alice@doorbell.example');
  await page.getByRole('tab', { name: 'Calendar' }).click();
  const row = page.locator('li.meeting').filter({ hasText: 'Gina Guest' });
  await row.waitFor();
  const details = await row.locator('.meeting-details').innerText();
  assert.match(details, /Type\s+Intro call/);
  assert.match(details, /Company\s+Acme/);
  assert.match(details, /Team size\s+11-50/);
  assert.equal(await row.getByRole('link', { name: confirmed.room }).count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});
