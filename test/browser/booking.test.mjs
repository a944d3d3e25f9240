// Booking a meeting, the guest's meeting page and the invite page, in headless Chromium against
// `wrangler dev`: a guest in Los Angeles books Alice (Europe/Paris in the demo directory), Alice
// reschedules in the console, the guest's meeting page shows the new time; then the guest moves
// and cancels it through the signed link, and a second guest joins through an invite link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentCall, agentSocket, agentToken, chooseDay, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('booking');
const GUEST_ZONE = 'America/Los_Angeles';
const AGENT_ZONE = 'Europe/Paris';

/** HH:MM of an instant on a wall clock in `zone`. */
const clock = (iso, zone) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.parse(iso));
const dateIn = (iso, zone) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.parse(iso));

const asAlice = (method, path, body) => agentCall('alice@doorbell.example', method, path, body);

// en-GB: the guest reads English with a 24-hour clock, which `clock` writes (en-US reads 12-hour, test/browser/languages.test.mjs).
const guestContext = () => suite.browser.newContext({ timezoneId: GUEST_ZONE, locale: 'en-GB', viewport: { width: 900, height: 1000 } });

/** Opens Alice's booking page and chooses the first time of the second day that has any (a full working day). */
async function chooseTime(page) {
  await page.goto(`${suite.BASE}/u/alice/meet`);
  await page.getByRole('heading', { name: 'Book a meeting with Alice Martin' }).waitFor();
  await page.locator('.days button:not([aria-disabled])').first().waitFor();
  await chooseDay(page, 1);
  const first = page.getByRole('list', { name: 'Available times' }).getByRole('button').first();
  return { button: first, start: await first.getAttribute('data-start'), label: await first.textContent() };
}

let booked; // { start, link, conversationId, meetingId }

test('a guest in Los Angeles books Alice; times in the guest zone, a zone picker, validation, one booking for a double click, a clear slot_taken', async () => {
  const context = await guestContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  const { start, label } = await chooseTime(page);

  // The guest's zone comes from the browser, and the slots are labelled in it.
  assert.equal(await page.getByLabel('Time zone').inputValue(), GUEST_ZONE);
  assert.match(await page.locator('.caption').textContent(), /^Times in America\/Los_Angeles \(GMT-[78]\)$/);
  assert.equal(clock(start, AGENT_ZONE), '09:00', 'the first time of a full day is Alice’s 09:00 in Paris');
  assert.equal(label, clock(start, GUEST_ZONE));
  log(`Alice's 09:00 in Paris is shown to the guest as ${label} (${GUEST_ZONE})`);
  if (new Date(start).getUTCMonth() >= 10 || new Date(start).getUTCMonth() <= 1) assert.equal(label, '00:00', 'in winter Paris is 9 hours ahead of Los Angeles');
  const labels = await page.getByRole('list', { name: 'Available times' }).getByRole('button').evaluateAll((bs) => bs.map((b) => [b.dataset.start, b.textContent]));
  for (const [s, text] of labels) assert.equal(text, clock(s, GUEST_ZONE));
  await shot(page, 'booking-page');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, 'no sideways scrolling on a phone');
  await shot(page, 'booking-page-narrow');
  await page.setViewportSize({ width: 900, height: 1000 });

  // Another zone relabels the same instants; back to Los Angeles.
  await page.getByLabel('Time zone').fill('asia/tokyo');
  await page.getByLabel('Time zone').press('Enter');
  await page.locator('.caption', { hasText: 'Times in Asia/Tokyo (GMT+9)' }).waitFor();
  await page.locator(`.days button[data-date="${dateIn(start, 'Asia/Tokyo')}"]`).click();
  assert.equal(await page.locator(`.times button[data-start="${start}"]`).textContent(), clock(start, 'Asia/Tokyo'));
  await page.getByLabel('Time zone').fill('Mars/Olympus');
  await page.getByLabel('Time zone').press('Enter');
  await page.getByText('Pick a time zone from the list').waitFor();
  await page.getByLabel('Time zone').fill(GUEST_ZONE);
  await page.getByLabel('Time zone').press('Enter');
  await page.locator('.caption', { hasText: `Times in ${GUEST_ZONE}` }).waitFor();
  await page.locator(`.days button[data-date="${dateIn(start, GUEST_ZONE)}"]`).click();
  log('the zone picker relabels the same slots (Asia/Tokyo, then back); an unknown zone is refused');

  // Durations: the agent offers several; 30 minutes is chosen, the slot list follows.
  await page.getByRole('radio', { name: '30 min' }).check();
  await page.locator('.picker:not([aria-busy])').waitFor();
  // A second guest has the same time on screen, ready to book, before the first guest chooses
  // it. Their page is offline (its live slots socket cannot connect: test/browser/holds.test.mjs
  // has the live pages), so it neither holds the time nor sees it go.
  const rivalContext = await guestContext();
  await rivalContext.routeWebSocket(/\/slots\/socket/, (ws) => ws.close());
  const rival = await rivalContext.newPage();
  await chooseTime(rival);
  await rival.getByRole('radio', { name: '30 min' }).check();
  await rival.locator('.picker:not([aria-busy])').waitFor();
  await rival.locator(`.days button[data-date="${dateIn(start, GUEST_ZONE)}"]`).click();
  await rival.locator(`.times button[data-start="${start}"]`).click();
  await rival.getByLabel('Your name').fill('Rita Rival');
  await rival.getByLabel('Email').fill('rita@example.com');
  await page.locator(`.days button[data-date="${dateIn(start, GUEST_ZONE)}"]`).click();
  await page.locator(`.times button[data-start="${start}"]`).click();
  assert.equal(await page.locator(`.times button[data-start="${start}"]`).getAttribute('aria-pressed'), 'true');
  await page.getByRole('heading', { name: 'Your choice' }).waitFor();
  assert.match(await page.locator('.summary').textContent(), new RegExp(`${label}–\\d\\d:\\d\\d \\(America/Los_Angeles\\) · 30 min$`));

  // Validation: nothing is sent until name and email are right.
  await page.getByRole('button', { name: 'Book this time' }).click();
  await page.getByText('Please enter your name.').waitFor();
  await page.getByText('Please enter a valid email address.').waitFor();
  assert.equal(await page.getByLabel('Your name').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Your name').fill('Lou Guest');
  await page.getByLabel('Email').fill('lou@example');
  await page.getByRole('button', { name: 'Book this time' }).click();
  await page.getByText('Please enter a valid email address.').waitFor();
  assert.equal(await page.getByText('Please enter your name.').count(), 0);
  assert.equal((await asAlice('GET', '/api/calendar')).meetings.length, 0, 'nothing was booked by invalid forms');

  await page.getByLabel('Email').fill('lou@example.com');
  await page.getByLabel('Note (optional)').fill('Looking forward to it');
  await shot(page, 'booking-form');
  await page.getByRole('button', { name: 'Book this time' }).dblclick();
  await page.getByRole('heading', { name: 'Your meeting is booked' }).waitFor();
  const yourTime = await page.locator('dd[data-zone="America/Los_Angeles"]').textContent();
  const aliceTime = await page.locator('dd[data-zone="Europe/Paris"]').textContent();
  assert.match(yourTime, new RegExp(`, ${label}–\\d\\d:\\d\\d \\(America/Los_Angeles\\)$`));
  assert.match(aliceTime, /, 09:00–09:30 \(Europe\/Paris\)$/);
  await page.getByText('A confirmation with a calendar invite is on its way to lou@example.com.').waitFor();
  await shot(page, 'booking-confirmed');
  const link = await page.getByRole('link', { name: 'See, reschedule or cancel your meeting' }).getAttribute('href');
  assert.ok(link.startsWith(`${suite.BASE}/meeting#`), link);

  // The link in the guest's confirmation email is the same page.
  let mail;
  for (let i = 0; i < 50 && !mail; i++) {
    const { emails } = await (await fetch(`${suite.BASE}/dev/outbox.json?to=lou@example.com`)).json();
    mail = emails.find((e) => e.subject === 'Meeting booked with Alice Martin');
    if (!mail) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(mail, 'the guest got a confirmation email');
  // The same meeting, not the same bytes: each link is signed when it is made (its iat differs by the second).
  const meetingOf = (url) => JSON.parse(Buffer.from(url.split('#')[1].split('.')[1], 'base64url').toString()).sub;
  const mailed = mail.text.match(/https?:\/\/\S+\/meeting#\S+/)?.[0];
  assert.ok(mailed?.startsWith(`${suite.BASE}/meeting#`) && meetingOf(mailed) === meetingOf(link), `the email links to the meeting page: ${mail.text}`);

  const meetings = (await asAlice('GET', '/api/calendar')).meetings;
  assert.equal(meetings.length, 1, 'a double click booked once');
  assert.equal(meetings[0].start, start);
  assert.deepEqual(meetings[0].guest, { name: 'Lou Guest', email: 'lou@example.com', timeZone: GUEST_ZONE });
  const notes = await asAlice('GET', `/api/conversations/${meetings[0].conversationId}/messages`).catch(() => null);
  if (notes) assert.ok(notes.entries.some((e) => e.text === 'Looking forward to it'), 'the note is in the meeting conversation');
  booked = { start, link, conversationId: meetings[0].conversationId, meetingId: meetings[0].id };
  log(`booked once (double click): ${yourTime} = ${aliceTime}`);

  // The rival, a moment late, is told clearly and sees the time gone.
  await rival.getByRole('button', { name: 'Book this time' }).click();
  await rival.getByRole('alert').filter({ hasText: 'Sorry, someone has just booked that time. Please choose another one.' }).waitFor();
  await rival.locator(`.times button[data-start="${start}"]`).waitFor({ state: 'detached' });
  assert.ok(await rival.getByRole('heading', { name: 'Your choice' }).isHidden());
  log('a second guest on the same time got "slot taken" and a refreshed list');
  await rival.context().close();
  await context.close();
});

test('Alice reschedules in the console; the guest’s meeting page shows the new time; the guest moves and cancels it', async () => {
  assert.ok(booked, 'the booking test ran first');
  const newStart = new Date(Date.parse(booked.start) + 60 * 60_000).toISOString();
  const newParis = `${dateIn(newStart, AGENT_ZONE)}T${clock(newStart, AGENT_ZONE)}`;

  const console_ = await suite.browser.newContext({ timezoneId: AGENT_ZONE, locale: 'en-GB', viewport: { width: 1200, height: 900 } });
  const alice = await console_.newPage();
  alice.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await alice.goto(`${suite.BASE}/console`);
  await alice.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await alice.getByRole('button', { name: 'Sign in' }).click();
  await alice.getByRole('tab', { name: 'Calendar' }).or(alice.getByRole('button', { name: 'Calendar' })).first().click();
  const item = alice.getByRole('list', { name: 'Meetings' }).getByRole('listitem').filter({ hasText: 'Lou Guest' });
  await item.waitFor();
  await item.getByRole('button', { name: 'Reschedule' }).click();
  await item.getByLabel('New start').fill(newParis);
  await item.getByRole('button', { name: 'Save' }).click();
  for (let i = 0; i < 50 && (await asAlice('GET', '/api/calendar')).meetings[0].start !== newStart; i++) await new Promise((r) => setTimeout(r, 200));
  assert.equal((await asAlice('GET', '/api/calendar')).meetings[0].start, newStart, 'the console moved the meeting');
  log(`Alice moved the meeting in the console to ${newParis} (${AGENT_ZONE})`);
  await console_.close();

  const context = await guestContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(booked.link);
  await page.getByRole('heading', { name: 'Your meeting with Alice Martin' }).waitFor();
  assert.match(await page.locator('dd[data-zone="America/Los_Angeles"]').textContent(), new RegExp(`, ${clock(newStart, GUEST_ZONE)}–\\d\\d:\\d\\d \\(America/Los_Angeles\\)$`));
  assert.match(await page.locator('dd[data-zone="Europe/Paris"]').textContent(), new RegExp(`, ${clock(newStart, AGENT_ZONE)}–\\d\\d:\\d\\d \\(Europe/Paris\\)$`));
  await page.getByText('Status: Confirmed').waitFor();
  await shot(page, 'meeting-page');
  log('the guest’s meeting page shows the time Alice chose, in both zones');

  // The guest moves it to another free time of the same length.
  await page.getByRole('button', { name: 'Reschedule' }).click();
  await page.getByRole('heading', { name: 'Pick a new time' }).waitFor();
  assert.equal(await page.getByRole('radio').count(), 0, 'the meeting keeps its length');
  await chooseDay(page, 1);
  const target = page.getByRole('list', { name: 'Available times' }).getByRole('button').nth(4);
  const movedTo = await target.getAttribute('data-start');
  await target.click();
  await shot(page, 'meeting-reschedule');
  await page.getByRole('button', { name: 'Confirm new time' }).click();
  await page.getByText('The meeting has moved.').waitFor();
  assert.match(await page.locator('dd[data-zone="America/Los_Angeles"]').textContent(), new RegExp(`, ${clock(movedTo, GUEST_ZONE)}–`));
  assert.equal((await asAlice('GET', '/api/calendar')).meetings[0].start, movedTo);
  log('the guest moved the meeting through the signed link');

  // Cancel asks first; "Keep it" keeps it.
  await page.getByRole('button', { name: 'Cancel meeting' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Keep it' }).click();
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.equal((await asAlice('GET', '/api/calendar')).meetings[0].status, 'confirmed');
  await page.getByRole('button', { name: 'Cancel meeting' }).click();
  await page.getByRole('dialog').getByText('Cancel this meeting with Alice Martin?').waitFor();
  await page.getByRole('dialog').getByRole('button', { name: 'Yes, cancel it' }).click();
  await page.getByText('Status: Cancelled').waitFor();
  await page.getByText('The meeting is cancelled.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Reschedule' }).count(), 0);
  assert.equal((await asAlice('GET', '/api/calendar')).meetings[0].status, 'cancelled');
  await shot(page, 'meeting-cancelled');
  log('cancel asked for confirmation, then cancelled the meeting');

  // A tampered link, and the server's answer for an expired one.
  await page.goto(`${booked.link.slice(0, -6)}AAAAAA`);
  await page.getByRole('heading', { name: 'This link is not valid' }).waitFor();
  await page.route('**/api/meetings/**', (route) =>
    route.fulfill({ status: 410, contentType: 'application/json', body: JSON.stringify({ error: { code: 'link_expired', message: 'This meeting link has expired.' } }) }),
  );
  await page.goto(`${booked.link}&expired`);
  await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
  log('invalid and expired links say so');
  await context.close();
});

test('a second guest joins the meeting conversation through an invite link', async () => {
  assert.ok(booked, 'the booking test ran first');
  const { url } = await asAlice('POST', `/api/conversations/${booked.conversationId}/invites`);
  assert.ok(url.startsWith(`${suite.BASE}/invite#`), url);
  const context = await suite.browser.newContext({ viewport: { width: 900, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(url);
  await page.getByRole('heading', { name: 'You are invited to a conversation' }).waitFor();
  await page.getByRole('button', { name: 'Join the conversation' }).click();
  await page.getByText('Please enter your name.').waitFor();
  await page.getByLabel('Your name').fill('Max Second');
  await shot(page, 'invite-page');
  await page.getByRole('button', { name: 'Join the conversation' }).click();
  await page.locator('.db-event', { hasText: 'Max Second was added' }).waitFor();
  // The meeting's notes read as sentences with the time in both zones.
  await page.locator('.db-event', { hasText: 'Meeting booked: Alice Martin and Lou Guest' }).filter({ hasText: '(America/Los_Angeles)' }).waitFor();
  await page.locator('.db-status[data-state=online]').waitFor({ state: 'attached' });

  const socket = agentSocket(booked.conversationId, await agentToken('alice@doorbell.example'));
  await socket.opened;
  await page.getByLabel('Message').last().fill('Hello, I am joining too');
  await page.keyboard.press('Enter');
  await socket.waitFor((f) => f.type === 'entry' && f.entry.text === 'Hello, I am joining too' && f.entry.author.name === 'Max Second', 'the invited guest’s message');
  socket.send({ type: 'send', clientId: 'a-invite-1', text: 'Welcome, Max' });
  await page.locator('.db-msg:not(.db-mine)', { hasText: 'Welcome, Max' }).waitFor();
  await shot(page, 'invite-chat');
  log('the invited guest joined, wrote to Alice and saw her answer live');

  await page.reload();
  await page.locator('.db-msg.db-mine', { hasText: 'Hello, I am joining too' }).waitFor();
  assert.ok(await page.getByLabel('Your name').isHidden(), 'a returning invited guest goes straight to the chat');
  // A link that cannot work says so at once (the page previews the invite), offering no join.
  await page.goto(`${suite.BASE}/invite#not-an-invite-at-all`);
  await page.getByRole('heading', { name: 'This invite link is not valid' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Join as Max Second' }).count(), 0, 'no join button on a dead link');

  // A stored guest token the server no longer accepts: the page asks who they are instead.
  await page.evaluate(() => {
    for (const key of Object.keys(localStorage).filter((k) => k.endsWith(':guest'))) {
      const stored = JSON.parse(localStorage.getItem(key));
      localStorage.setItem(key, JSON.stringify({ ...stored, token: `${stored.token.slice(0, -4)}AAAA` }));
    }
  });
  const again = await asAlice('POST', `/api/conversations/${booked.conversationId}/invites`);
  await page.goto(again.url);
  await page.getByRole('button', { name: 'Join as Max Second' }).click();
  await page.getByLabel('Your name').fill('Max Again');
  await page.getByRole('button', { name: 'Join the conversation' }).click();
  await page.locator('.db-event', { hasText: 'Max Again was added' }).waitFor();
  log('an invalid invite says so; a stale guest token makes the page ask the name again');
  socket.ws.close();
  await context.close();
});
