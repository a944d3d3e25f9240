// The agent console (/console) in headless Chromium against `wrangler dev`: a guest on
// another site writes through the widget while Alice works in the console, live both ways;
// the assign dialog shows the server's refusal; the calendar tab shows and changes meetings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, cuttableSockets, expectSoon, log, shot, useBrowserSuite } from './harness.mjs';

const stamp = (ms) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const suite = useBrowserSuite('console', (BASE) => ({
  '/shop.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><script src="${BASE}/widget.js" data-service="sales" async></script></body></html>`,
  // Alice's busy calendar, on the host site (development allows loopback feed URLs).
  '/busy.ics': ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:dentist@test', `DTSTAMP:${stamp(Date.now())}`,
    `DTSTART:${stamp(Date.now() + 3 * 86_400_000)}`, `DTEND:${stamp(Date.now() + 3 * 86_400_000 + 3_600_000)}`, 'SUMMARY:Dentist', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
}));

const ALICE = 'alice@doorbell.example';
const api = async (method, path, token, body) => {
  const res = await fetch(`${suite.BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
};

const newGuest = async (name, email) =>
  (await fetch(`${suite.BASE}/api/guests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, ...(email ? { email } : {}) }) })).json();

/** A new guest writes to Sales: `{guest, token, conversationId}`. */
async function guestWrites(name, text, email) {
  const made = await newGuest(name, email);
  const started = await api('POST', '/api/conversations', made.token, { target: { kind: 'service', slug: 'sales' }, clientId: `g-${Date.now()}`, text });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  return { guest: made.guest, token: made.token, conversationId: started.body.conversation.id };
}

/** Every control on the page has an accessible name (from the accessibility tree, as a screen reader gets it). */
async function assertControlsNamed(page, where) {
  const tree = await page.locator('body').ariaSnapshot();
  const unnamed = tree.split('\n').filter((line) => /^\s*- '?(button|textbox|combobox|checkbox|radio|spinbutton|link|tab|switch|slider)\b(?! ")/.test(line));
  assert.deepEqual(unnamed, [], `controls without a name (${where})`);
  assert.ok(tree.includes('button "'), `the tree was read (${where})`);
}

async function signIn(page, token) {
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Inbox' }).waitFor();
}

/** What the two browser contexts of the first tests share: the guest's page, Alice's console, the conversation. */
const state = { guest: null, alice: null, conversationId: null, text: '' };

test('sign-in refuses a bad, an expired and an unknown token with the reason; sign-out forgets the token', async () => {
  const context = await suite.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${suite.BASE}/console`);
  const error = page.locator('.signin .error');
  await page.getByLabel('Agent token').waitFor();
  await assertControlsNamed(page, 'sign-in');

  await page.getByLabel('Agent token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await error.filter({ hasText: 'The agent token is not valid' }).waitFor();

  await page.getByLabel('Agent token').fill(await agentToken(ALICE, '2 hours ago'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await error.filter({ hasText: 'expired' }).waitFor();

  await page.getByLabel('Agent token').fill(await agentToken('nobody@doorbell.example'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await error.filter({ hasText: 'names no agent in the directory' }).waitFor();
  log(`refusals shown: ${await error.textContent()}`);

  await page.getByLabel('Agent token').fill(`Bearer ${await agentToken(ALICE)}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Alice Martin').first().waitFor();
  await page.reload();
  await page.getByRole('tab', { name: 'Inbox' }).waitFor();
  log('a reload keeps Alice signed in (sessionStorage)');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Agent token').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.reload();
  await page.getByLabel('Agent token').waitFor();
  await context.close();
});

test('a widget guest writes; Alice sees it live in the console inbox, opens it, replies; the guest sees the reply, and the history after a reload', async () => {
  const aliceContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const alice = (state.alice = await aliceContext.newPage());
  alice.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await signIn(alice, await agentToken(ALICE));
  await alice.getByText('No conversations yet').waitFor();
  await alice.locator('.inbox .live[data-state=online]').waitFor();
  await alice.evaluate(() => (window.__sameDocument = true));

  const guestContext = await suite.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const guest = (state.guest = await guestContext.newPage());
  await guest.goto(`${suite.HOST}/shop.html`);
  const widget = guest.locator('doorbell-widget');
  await widget.locator('.l').click();
  await widget.getByLabel('Your name').fill('Ann Lee');
  const text = (state.text = `Hello, do you ship to Lyon? ${Date.now()}`);
  await widget.locator('textarea').fill(text);
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: text }).waitFor();
  log('the guest wrote through the widget');

  // Live in the inbox, with an unread count, without a reload.
  const item = alice.locator('.inbox-list a', { hasText: text });
  await item.waitFor();
  assert.match(await item.textContent(), /Ann Lee/);
  assert.equal(await item.locator('.badge').textContent(), '1 unread');
  assert.equal(await alice.evaluate(() => window.__sameDocument), true, 'the console did not reload');
  await shot(alice, 'console-inbox');
  log('the conversation appeared live in Alice’s inbox with 1 unread');

  await item.click();
  state.conversationId = /#\/c\/(cv_[a-f0-9]+)/.exec(alice.url())[1];
  await alice.locator('.db-log .db-msg', { hasText: text }).waitFor();
  await alice.locator('.db-title', { hasText: 'Ann Lee' }).waitFor();
  await item.locator('.badge').waitFor({ state: 'detached' });
  log('opening it shows the timeline and clears the unread count');

  // Typing, both ways.
  await widget.locator('textarea').fill('and');
  await alice.locator('.db-typing', { hasText: 'Ann Lee is typing' }).waitFor();
  await widget.locator('textarea').fill('');
  const composer = alice.locator('.db-form textarea');
  await composer.fill('Yes, we do');
  await widget.locator('.db-typing', { hasText: 'Alice Martin is typing' }).waitFor();
  await composer.fill('Yes, we ship to Lyon in two days.');
  await composer.press('Enter');
  await alice.locator('.db-msg.db-mine[data-seq]', { hasText: 'ship to Lyon in two days' }).waitFor();
  assert.equal(await composer.inputValue(), '');
  await widget.locator('.db-msg:not(.db-mine)', { hasText: 'Yes, we ship to Lyon in two days.' }).waitFor();
  log('Alice replied from the console; the guest saw it without reloading');

  // Read positions: the guest has the panel open, so their position reaches the console.
  await alice.locator('.people li', { hasText: 'Ann Lee' }).filter({ hasText: 'has read everything' }).waitFor();
  await shot(alice, 'console-conversation');
  await assertControlsNamed(alice, 'inbox and conversation');

  await guest.reload();
  await widget.locator('.l').click();
  for (const t of [text, 'Yes, we ship to Lyon in two days.']) await widget.locator('.db-msg', { hasText: t }).waitFor();
  const seqs = await widget.locator('.db-msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.equal(new Set(seqs).size, seqs.length, 'no message shown twice');
  log('after a reload the guest sees the whole history');
});

test('assigning to Billing (not assignable) shows the refusal in the dialog and changes nothing; Support takes it away live', async () => {
  const { alice, conversationId } = state;
  assert.ok(alice && conversationId, 'needs the conversation of the previous test');
  const token = await agentToken(ALICE);
  const before = (await api('GET', `/api/conversations/${conversationId}`, token)).body;
  const lastSeq = before.lastSeq;

  await alice.getByRole('button', { name: 'Assign…' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Assign the conversation' });
  await dialog.getByLabel(/Billing/).waitFor();
  assert.match(await dialog.locator('label', { hasText: 'Billing' }).textContent(), /not assignable/);
  assert.match(await dialog.locator('label', { hasText: 'Sales' }).textContent(), /2 licensed members/);
  await dialog.getByLabel(/Billing/).check();
  await dialog.getByRole('button', { name: 'Assign', exact: true }).click();
  const refusal = dialog.getByRole('alert');
  await refusal.filter({ hasText: /Billing/ }).waitFor();
  log(`refusal in the dialog: ${await refusal.textContent()}`);
  assert.match(await refusal.textContent(), /no licensed member/);
  assert.ok(await dialog.isVisible(), 'the dialog stays open');
  await shot(alice, 'console-assign-refused');
  await assertControlsNamed(alice, 'assign dialog');

  const after = (await api('GET', `/api/conversations/${conversationId}`, token)).body;
  assert.equal(after.lastSeq, lastSeq, 'no event was recorded');
  assert.deepEqual(after.service, before.service);
  assert.deepEqual(after.participants.map((p) => p.id), before.participants.map((p) => p.id));
  assert.equal(await alice.locator('.db-event', { hasText: 'Assigned' }).count(), 0);

  // An assignable service with another member: Alice is replaced, and the conversation leaves her inbox live.
  await dialog.getByLabel(/Support/).check();
  // Each member is listed with their availability: Carol has no console open.
  await dialog.getByLabel('Member', { exact: true }).selectOption({ label: 'Carol Diaz (offline)' });
  await dialog.getByRole('button', { name: 'Assign', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await alice.locator('.db-event', { hasText: 'Assigned to Carol Diaz' }).waitFor();
  await alice.locator('.inbox-list a', { hasText: state.text }).waitFor({ state: 'detached' });
  await alice.getByRole('button', { name: 'Join' }).waitFor();
  log('assigned to Support (Carol): gone from Alice’s inbox; she can still watch and join the public conversation');

  await alice.getByRole('button', { name: 'Join' }).click();
  await alice.getByRole('button', { name: 'Leave' }).waitFor();
  await alice.locator('.inbox-list a', { hasText: 'Ann Lee' }).waitFor();
  log('joining puts it back in her inbox');
  await alice.context().close();
  await state.guest.context().close();
});

test('from the console Alice invites a second guest, adds the guest to the phonebook, is told the CRM is not configured, renames, makes private and leaves', async () => {
  const pia = await guestWrites('Pia Prospect', 'Can I get a quote?', 'pia@example.com');
  const id = pia.conversationId;

  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await signIn(page, await agentToken(ALICE));
  await page.locator('.inbox-list a', { hasText: 'Can I get a quote?' }).click();
  const title = page.locator('.db-title');
  await title.filter({ hasText: 'Pia Prospect' }).waitFor();

  // Add a guest (C7): the link, accepted by a second guest, puts their name in the title live.
  await page.getByRole('button', { name: 'Add a guest…' }).click();
  const inviteDialog = page.getByRole('dialog', { name: 'Add a guest' });
  await inviteDialog.getByRole('button', { name: 'Create link' }).click();
  const link = inviteDialog.getByLabel('Invite link');
  await page.waitForFunction(() => document.querySelector('dialog input[name=invite]')?.value.includes('/invite#'));
  const invite = (await link.inputValue()).split('#')[1];
  await inviteDialog.getByRole('button', { name: 'Close' }).click();
  const quinn = await newGuest('Quinn Second');
  assert.equal((await api('POST', '/api/invites/accept', quinn.token, { invite })).status, 200);
  await title.filter({ hasText: 'Pia Prospect, Quinn Second' }).waitFor();
  log('the invited guest joined; the title shows both guests');

  // Phonebook (C11): Pia is added with the email she gave and a phone.
  await page.getByRole('button', { name: 'Add Pia Prospect to the phonebook' }).click();
  const phonebook = page.getByRole('dialog', { name: 'Add Pia Prospect to the phonebook' });
  await phonebook.getByLabel('Phone', { exact: true }).fill('+33 6 12 34 56 78');
  await phonebook.getByRole('button', { name: 'Add to phonebook' }).click();
  await page.locator('.contacts .contact', { hasText: 'pia@example.com' }).filter({ hasText: 'In the phonebook' }).waitFor();
  const contact = await api('GET', `/api/guests/${pia.guest.id}/contact`, await agentToken(ALICE));
  assert.equal(contact.status, 200);
  assert.equal(contact.body.phone, '+33612345678');
  log('Pia is in the phonebook, shown beside the conversation');

  // CRM (C11): this server has no HubSpot credentials, and the console says which are missing.
  await page.getByRole('button', { name: 'Push to HubSpot' }).click();
  await page.locator('.crm').getByRole('alert').filter({ hasText: 'HubSpot is not configured on this server: set HUBSPOT_TOKEN' }).waitFor();
  assert.equal(await page.getByRole('list', { name: 'CRM pushes' }).getByRole('listitem').count(), 0, 'nothing was queued');

  // Rename (C3): the guest sees the new name too. Escape closes a dialog and gives the focus back.
  await page.getByRole('button', { name: 'Rename…' }).click();
  await page.getByRole('dialog', { name: 'Rename the conversation' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Rename…');
  await page.keyboard.press('Enter');
  await page.getByRole('dialog', { name: 'Rename the conversation' }).getByLabel('New name').fill('Quote for Pia');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  await title.filter({ hasText: 'Quote for Pia' }).waitFor();
  assert.equal((await api('GET', `/api/conversations/${id}`, pia.token)).body.title, 'Quote for Pia');

  // Private (C8), then leaving it takes the conversation away from Alice.
  await page.getByRole('button', { name: 'Make private' }).click();
  await page.getByRole('button', { name: 'Make public' }).waitFor();
  await page.locator('.inbox-list a', { hasText: 'Quote for Pia' }).locator('.tag', { hasText: 'private' }).waitFor();
  assert.equal((await api('GET', `/api/conversations/${id}`, pia.token)).body.visibility, 'private');
  await page.getByRole('button', { name: 'Leave' }).click();
  await page.getByRole('alert').filter({ hasText: 'You can no longer open this conversation' }).waitFor();
  await page.locator('.inbox-list a', { hasText: 'Quote for Pia' }).waitFor({ state: 'detached' });
  log('made private, then left: the console says it is closed to her, and it left her inbox');

  // Opening it again by its link is refused like any conversation she may not open.
  await page.getByLabel('Conversation link or id').fill(`${suite.BASE}/console#/c/${id}`);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'does not exist, or you may not open it' }).waitFor();
  await context.close();
});

test('the calendar tab shows a meeting booked through the API live, in Alice’s zone; Reschedule moves it and changes its duration; Delete cancels another', async () => {
  const token = await agentToken(ALICE);
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/Los_Angeles' });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await signIn(page, token);
  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.getByText('Times are shown in your time zone, Europe/Paris.').waitFor();
  await page.locator('.meetings-card .live[data-state=online]').waitFor();

  const day = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 10);
  const slots = (await fetch(`${suite.BASE}/api/agents/alice/slots?timeZone=America/New_York&from=${day}&days=7&duration=30`).then((r) => r.json())).slots;
  assert.ok(slots.length > 12, 'Alice has free slots');
  const book = (start, name, email) =>
    fetch(`${suite.BASE}/api/agents/alice/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ start, durationMinutes: 30, name, email, timeZone: 'America/New_York' }),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
  const booked = await book(slots[0].start, 'Gina Guest', 'gina@example.com');
  assert.equal(booked.status, 201, JSON.stringify(booked.body));

  // Shown live, in Paris time (the browser itself is in Los Angeles).
  const paris = (iso) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
  const parisInput = (iso) => new Date(new Date(iso).toLocaleString('sv-SE', { timeZone: 'Europe/Paris' }).replace(' ', 'T') + 'Z').toISOString().slice(0, 16);
  const meetings = page.getByRole('list', { name: 'Meetings' });
  const item = meetings.getByRole('listitem').filter({ hasText: 'Gina Guest' });
  await item.waitFor();
  assert.match(await item.textContent(), new RegExp(`${paris(slots[0].start)}–`));
  assert.match(await item.textContent(), /Europe\/Paris/);
  await shot(page, 'console-calendar');
  log(`the meeting appeared live: ${await item.locator('.when').textContent()}`);

  // Reschedule to another free slot, entered in Paris time.
  const target = slots[8];
  await item.getByRole('button', { name: 'Reschedule' }).click();
  const start = item.getByLabel('New start');
  assert.equal(await start.getAttribute('type'), 'datetime-local');
  await assertControlsNamed(page, 'calendar with a reschedule form');
  assert.equal(await start.inputValue(), parisInput(slots[0].start), 'the form starts from the current time, in Paris time');
  await start.fill(parisInput(target.start));
  await item.getByRole('button', { name: 'Save' }).click();
  await item.locator('.when', { hasText: `${paris(target.start)}–` }).waitFor();
  await item.getByLabel('New start').waitFor({ state: 'detached' });
  const calendar = (await api('GET', '/api/calendar', token)).body;
  const moved = calendar.meetings.find((m) => m.id === booked.body.meeting.id);
  assert.equal(moved.start, target.start, 'the server has the new time');
  log(`rescheduled to ${await item.locator('.when').textContent()}`);

  // Change the duration only.
  await item.getByRole('button', { name: 'Reschedule' }).click();
  await item.getByLabel('Duration').selectOption('15');
  await item.getByRole('button', { name: 'Save' }).click();
  await item.locator('.when', { hasText: '(15 min' }).waitFor();
  const shorter = (await api('GET', '/api/calendar', token)).body.meetings.find((m) => m.id === booked.body.meeting.id);
  assert.deepEqual([shorter.start, shorter.durationMinutes], [target.start, 15]);

  // A refused change is shown on the meeting and changes nothing.
  await item.getByRole('button', { name: 'Reschedule' }).click();
  await item.getByLabel('New start').fill(parisInput(target.start).slice(0, 11) + '03:00');
  await item.getByRole('button', { name: 'Save' }).click();
  await item.getByRole('alert').filter({ hasText: /./ }).waitFor();
  log(`refused reschedule: ${await item.getByRole('alert').textContent()}`);
  assert.equal((await api('GET', '/api/calendar', token)).body.meetings.find((m) => m.id === booked.body.meeting.id).start, target.start);
  await item.getByRole('button', { name: 'Cancel' }).click();

  // Delete another meeting: it leaves the list, and the server has it cancelled.
  const other = await book(slots[14].start, 'Hugo Other', 'hugo@example.com');
  const otherItem = meetings.getByRole('listitem').filter({ hasText: 'Hugo Other' });
  await otherItem.getByRole('button', { name: 'Delete' }).click();
  await otherItem.getByRole('button', { name: 'Yes, delete' }).click();
  await otherItem.waitFor({ state: 'detached' });
  assert.equal((await api('GET', '/api/calendar', token)).body.meetings.find((m) => m.id === other.body.meeting.id).status, 'cancelled');
  log('deleted meeting left the list and is cancelled on the server');
  await context.close();
});

test('from the calendar tab Alice books for a guest, changes her availability, and rotates her feed URL', async () => {
  const token = await agentToken(ALICE);
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, token);
  // The tabs work from the keyboard (arrow keys, as in the ARIA tabs pattern).
  await page.getByRole('tab', { name: 'Inbox' }).focus();
  await page.keyboard.press('ArrowRight');
  // The tab is chosen through the address (a hashchange, a task later).
  await expectSoon(() => page.getByRole('tab', { name: 'Calendar' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-calendar');
  assert.match(page.url(), /#\/calendar$/);
  const settings = page.getByRole('form', { name: 'Availability' });
  await settings.getByLabel('Slot step (min)').waitFor();
  await page.waitForFunction(() => document.querySelector('input[name=timeZone]')?.value === 'Europe/Paris');

  // Availability: a bad range is refused with the reason; a good change is saved.
  await settings.getByLabel('Saturday').fill('10:00-09:00');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await settings.getByRole('alert').filter({ hasText: /end must be after start/ }).waitFor();
  await settings.getByLabel('Saturday').fill('10:00-12:00');
  await settings.getByLabel('Durations offered (minutes)').fill('20, 45');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await settings.getByText('Settings saved.').waitFor();
  const saved = (await api('GET', '/api/calendar', token)).body.settings;
  assert.deepEqual(saved.availability.weeklyHours.sat, [{ start: '10:00', end: '12:00' }]);
  assert.deepEqual(saved.availability.durations, [20, 45]);
  log('availability saved: Saturday mornings, 20 and 45 minutes');

  // Book for a guest on a free slot, entered in Paris time.
  const day = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  const slot = (await fetch(`${suite.BASE}/api/agents/alice/slots?timeZone=Europe/Paris&from=${day}&days=7&duration=45`).then((r) => r.json())).slots[0];
  const form = page.getByRole('form', { name: 'Book for a guest' });
  await form.getByLabel('Guest name').fill('Ivy Booked');
  await form.getByLabel('Guest email').fill('ivy@example.com');
  await form.getByLabel('Guest time zone').fill('Asia/Tokyo');
  await form.getByLabel('Start').fill(`${slot.date}T${slot.time}`);
  await form.getByLabel('Duration').selectOption('45');
  await form.getByRole('button', { name: 'Book meeting' }).click();
  await form.getByRole('status').filter({ hasText: 'Booked with Ivy Booked' }).waitFor();
  await page.getByRole('list', { name: 'Meetings' }).getByRole('listitem').filter({ hasText: 'Ivy Booked' }).waitFor();
  const meeting = (await api('GET', '/api/calendar', token)).body.meetings.find((m) => m.guest.name === 'Ivy Booked');
  assert.equal(meeting.start, slot.start);
  assert.equal(meeting.durationMinutes, 45);
  assert.equal(meeting.bookedBy, 'agent');
  log('booked for a guest from the console');

  // The feed URL, and a new one replacing it.
  const feed = page.getByLabel('Feed URL');
  const oldUrl = await feed.inputValue();
  assert.equal((await fetch(oldUrl.replace(/^https?:\/\/[^/]+/, suite.BASE))).status, 200);
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'New feed URL' }).click();
  await page.waitForFunction((old) => document.querySelector('#feed-url').value !== old, oldUrl);
  assert.equal((await fetch(oldUrl.replace(/^https?:\/\/[^/]+/, suite.BASE))).status, 404, 'the old feed URL stops working');
  log('feed URL rotated');
  await context.close();
});

test('the inbox says when it is offline, and catches up with what it missed when it reconnects', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1100, height: 760 } });
  const network = await cuttableSockets(context, /\/api\/inbox\/socket/);
  const page = await context.newPage();
  await signIn(page, await agentToken(ALICE));
  const status = page.locator('.inbox .live');
  await status.filter({ hasText: 'Live' }).waitFor();

  network.cut();
  await status.filter({ hasText: /^Offline, retrying in \d+ s$/ }).waitFor();
  await shot(page, 'console-inbox-offline');
  log(`while cut off: "${await status.textContent()}"`);

  // A guest writes while the console is cut off.
  await guestWrites('Olga Offline', 'Written while you were away');
  assert.equal(await page.locator('.inbox-list a', { hasText: 'Olga Offline' }).count(), 0);

  network.restore();
  await page.evaluate(() => dispatchEvent(new Event('online')));
  await page.locator('.inbox-list a', { hasText: 'Written while you were away' }).waitFor();
  await status.filter({ hasText: 'Live' }).waitFor();
  log('back online: the snapshot brought the conversation written meanwhile');
  await context.close();
});

test('narrow screen: the inbox, then the conversation alone with a way back', async () => {
  const token = await agentToken(ALICE);
  const context = await suite.browser.newContext({ viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await guestWrites('Nora Narrow', 'Hello from a small screen');
  await signIn(page, token);
  const item = page.locator('.inbox-list a', { hasText: 'Hello from a small screen' });
  await item.waitFor();
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.equal(await overflow(), 0, 'no horizontal scrolling');
  await shot(page, 'console-narrow');
  await item.click();
  await page.locator('.db-msg', { hasText: 'Hello from a small screen' }).waitFor();
  assert.ok(await page.locator('.inbox').isHidden(), 'the inbox makes room for the conversation');
  assert.equal(await overflow(), 0);
  await shot(page, 'console-narrow-conversation');
  await page.getByRole('button', { name: 'Back to the inbox' }).click();
  await item.waitFor();
  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.getByRole('heading', { name: 'Book for a guest' }).waitFor();
  assert.equal(await overflow(), 0);
  await context.close();
});

test('the calendar settings show how the busy calendar was fetched, and refuse a private address', async () => {
  const token = await agentToken(ALICE);
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, token);
  await page.getByRole('tab', { name: 'Calendar' }).click();
  const settings = page.getByRole('form', { name: 'Availability' });
  const url = settings.getByLabel('Busy calendar (ICS URL)');
  const save = () => settings.getByRole('button', { name: 'Save settings' }).click();
  const status = page.locator('#busy-feed-status');
  await page.waitForFunction(() => document.querySelector('input[name=timeZone]')?.value === 'Europe/Paris');

  await url.fill('http://10.0.0.1/busy.ics');
  await save();
  await settings.getByRole('alert').filter({ hasText: /10\.0\.0\.1 is not a public host/ }).waitFor();
  assert.equal((await api('GET', '/api/calendar', token)).body.busyFeed, null, 'nothing was saved');

  await url.fill(`${suite.HOST}/busy.ics`);
  await save();
  await status.filter({ hasText: /^Fetched .*: 1 busy time\. Next attempt/ }).waitFor();
  log(`busy feed shown: ${await status.textContent()}`);

  await url.fill(`${suite.HOST}/missing.ics`);
  await save();
  await status.filter({ hasText: /^Last fetch failed .*HTTP 404.*No copy yet/ }).waitFor();
  log(`failing busy feed shown: ${await status.textContent()}`);

  await url.fill('');
  await save();
  await settings.getByText('Settings saved.').waitFor();
  await context.close();
});
