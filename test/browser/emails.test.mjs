// Every kind of email Doorbell sends, rendered as a mail client would show it: a guest in Los
// Angeles books Alice (Europe/Paris), Alice moves the meeting, a reminder falls due, the guest
// cancels; a guest who left a Sales conversation gets a continuity digest, and its resolution a
// transcript, whose unsubscribe page (a page: axe runs there) is followed. Each email's HTML from the development outbox is set into a page of its own
// (emails are not pages: no axe), screenshotted to test-results/screenshots/email-<kind>.png,
// and checked for what a reader needs: the meeting card with both zones and the duration, and
// buttons that say what they do and link where they should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { adminToken } from '../support/dev-server.mjs';
import { agentToken, expectAccessible, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('emails', () => ({}), { DIGEST_GATHER_SECONDS: '3' });
const GUEST = 'lou.emails@example.com';
const GUEST_ZONE = 'America/Los_Angeles';
const root = new URL('../..', import.meta.url).pathname;

async function api(method, path, { body, token } = {}) {
  const res = await fetch(`${suite.BASE}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The newest email to `to` whose subject is `subject`, once the jobs that send it have run. */
async function mailTo(to, subject, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { emails } = await api('GET', `/dev/outbox.json?to=${encodeURIComponent(to)}`);
    const found = emails.find((e) => e.subject === subject);
    if (found) return found;
    assert.ok(Date.now() < deadline, `no "${subject}" to ${to} within ${timeoutMs / 1000} s: ${emails.map((e) => e.subject).join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Shows the email as a client would (its HTML in a page at a reading width, no network), keeps
 * the screenshot, and answers the page for the checks. A phone width must not scroll sideways.
 */
async function render(kind, email) {
  const context = await suite.browser.newContext({ viewport: { width: 680, height: 900 }, offline: true });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.setContent(email.html, { waitUntil: 'load' });
  assert.deepEqual(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank'), [], `${kind}: the email loads nothing remote`);
  assert.equal(await page.locator('script, link[rel=stylesheet], style').count(), 0, `${kind}: no script or style sheet`);
  const path = `${root}test-results/screenshots/email-${kind}.png`;
  await page.screenshot({ path, fullPage: true });
  mkdirSync(`${root}docs/screenshots`, { recursive: true });
  copyFileSync(path, `${root}docs/screenshots/email-${kind}.png`);
  await page.setViewportSize({ width: 360, height: 800 });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, `${kind}: no sideways scrolling on a phone`);
  await page.setViewportSize({ width: 680, height: 900 });
  log(`email-${kind}: "${email.subject}"`);
  return { page, close: () => context.close() };
}

/** A button is a visible link with these words, going to a URL that starts with `target`. */
async function assertButton(page, words, target) {
  const link = page.getByRole('link', { name: words, exact: true });
  assert.equal(await link.count() >= 1, true, `a "${words}" button`);
  assert.equal(await link.first().isVisible(), true, `"${words}" is visible`);
  const href = await link.first().getAttribute('href');
  assert.ok(href.startsWith(target), `"${words}" goes to ${href}, expected ${target}…`);
}

/** The meeting card: both zones' times, and the duration. */
async function assertCard(page, minutes) {
  for (const text of ['Your time', 'America/Los_Angeles', 'Europe/Paris', `${minutes} minutes`]) {
    assert.ok((await page.getByText(text).filter({ visible: true }).count()) >= 1, `the meeting card shows "${text}"`);
  }
}

let alice;
let meeting;
let meetingLink;

test('meeting emails: booked, moved, reminder and cancelled, for the guest and the agent', async () => {
  alice = await agentToken('alice@doorbell.example');
  const from = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const { slots } = await api('GET', `/api/agents/alice/slots?timeZone=${GUEST_ZONE}&from=${from}&days=7&duration=30`);
  assert.ok(slots.length >= 3, 'Alice has free times');
  const booked = await api('POST', '/api/agents/alice/bookings', { body: { start: slots[0].start, durationMinutes: 30, name: 'Lou Guest', email: GUEST, timeZone: GUEST_ZONE } });
  meeting = booked.meeting;
  meetingLink = new URL(booked.guestLink).hash.slice(1);

  const confirmation = await mailTo(GUEST, 'Meeting booked with Alice Martin');
  const shown = await render('booked', confirmation);
  await shown.page.getByRole('heading', { name: 'Meeting booked with Alice Martin' }).waitFor();
  await assertCard(shown.page, 30);
  await assertButton(shown.page, 'Reschedule', `${suite.BASE}/meeting#`);
  await assertButton(shown.page, 'Cancel', `${suite.BASE}/meeting#`);
  // Add to calendar, besides the attached invite: the event prefilled at Google's and Outlook's.
  await assertButton(shown.page, 'Add to Google Calendar', 'https://calendar.google.com/calendar/render?action=TEMPLATE&text=');
  await assertButton(shown.page, 'Add to Outlook', 'https://outlook.live.com/calendar/0/deeplink/compose?');
  const google = new URL(await shown.page.getByRole('link', { name: 'Add to Google Calendar' }).getAttribute('href'));
  assert.equal(google.searchParams.get('dates'), `${meeting.start.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}/${meeting.end.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}`);
  assert.match(await shown.page.getByText('Alice Martin', { exact: true }).first().textContent(), /Alice Martin/);
  await shown.close();
  assert.equal(confirmation.attachments[0].filename, 'invite.ics');
  assert.match(confirmation.text, /^Reschedule: https?:\/\/\S+\/meeting#\S+$/m);
  assert.match(confirmation.text, /^Add to Google Calendar: https:\/\/calendar\.google\.com\/\S+$/m);
  assert.doesNotMatch(confirmation.text, /<[a-z]/i);

  const forAlice = await mailTo('alice@doorbell.example', 'Meeting booked with Lou Guest');
  const agentView = await render('booked-agent', forAlice);
  await assertButton(agentView.page, 'Open in the console', `${suite.BASE}/console#/c/${meeting.conversationId}`);
  assert.equal(await agentView.page.getByText(`Guest: Lou Guest <${GUEST}>`).isVisible(), true);
  await agentView.close();

  // Alice moves it to her next free time, an hour long: both get "moved".
  await api('PATCH', `/api/calendar/meetings/${meeting.id}`, { token: alice, body: { start: slots[1].start, durationMinutes: 60 } });
  const moved = await mailTo(GUEST, 'Meeting with Alice Martin moved');
  const movedView = await render('rescheduled', moved);
  await assertCard(movedView.page, 60);
  await assertButton(movedView.page, 'Reschedule', `${suite.BASE}/meeting#`);
  await movedView.close();

  // A reminder: Alice's reminder offset is set so that one for a new booking falls due in seconds.
  const soon = slots.at(-1).start;
  const minutes = Math.floor((Date.parse(soon) - Date.now()) / 60_000 - 0.1);
  const settings = await api('GET', '/api/calendar', { token: alice });
  await api('PATCH', '/api/calendar/settings', { token: alice, body: { reminderMinutes: [minutes] } });
  await api('POST', '/api/agents/alice/bookings', { body: { start: soon, durationMinutes: 30, name: 'Lou Guest', email: GUEST, timeZone: GUEST_ZONE } });
  const reminder = await mailTo(GUEST, 'Reminder: meeting with Alice Martin', 120_000);
  await api('PATCH', '/api/calendar/settings', { token: alice, body: { reminderMinutes: settings.settings.reminderMinutes } });
  const reminderView = await render('reminder', reminder);
  await assertCard(reminderView.page, 30);
  await assertButton(reminderView.page, 'Cancel', `${suite.BASE}/meeting#`);
  await reminderView.close();
  assert.deepEqual(reminder.attachments, [], 'a reminder carries no invite');

  // The guest cancels through the signed link: the email offers to book again.
  await api('POST', `/api/meetings/${meetingLink}/cancel`, { body: {} });
  const cancelled = await mailTo(GUEST, 'Meeting with Alice Martin cancelled');
  const cancelledView = await render('cancelled', cancelled);
  await assertButton(cancelledView.page, 'Book another time', `${suite.BASE}/u/alice/meet`);
  assert.equal(await cancelledView.page.getByRole('link', { name: 'Reschedule' }).count(), 0, 'nothing to reschedule any more');
  await cancelledView.close();
  assert.equal(cancelled.attachments[0].filename, 'cancel.ics');
});

test('continuity emails: a digest with Reply, Open and Unsubscribe, and a transcript', async () => {
  alice ??= await agentToken('alice@doorbell.example');
  const email = 'rae.emails@example.com';
  const guest = await api('POST', '/api/guests', { body: { name: 'Rae "<b>" O’Brien', email } });
  const started = await api('POST', '/api/conversations', {
    token: guest.token,
    body: { target: { kind: 'service', slug: 'sales' }, clientId: 'c1', text: 'Hello, can I get a quote for 12 seats?' },
  });
  const id = started.conversation.id;
  for (const [n, text] of ['Hi Rae, thanks for asking!', 'For 12 seats the Team plan is €10 a seat per month.\nI attach nothing yet: tell me if you need an invoice.'].entries()) {
    await api('POST', `/api/conversations/${id}/messages`, { token: alice, body: { clientId: `a${n}`, text } });
  }
  const digest = await mailTo(email, '2 new messages — Sales', 60_000);
  assert.match(digest.headers['List-Unsubscribe'], /^<https?:\/\/\S+\/api\/unsubscribe\/\S+>$/);
  assert.equal(digest.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  const digestView = await render('digest', digest);
  await assertButton(digestView.page, 'Reply', 'mailto:reply+');
  await assertButton(digestView.page, 'Open the conversation', `${suite.BASE}/s/sales`);
  await assertButton(digestView.page, 'Unsubscribe from these emails', `${suite.BASE}/api/unsubscribe/`);
  assert.equal(await digestView.page.getByText('For 12 seats the Team plan is €10 a seat per month.').filter({ visible: true }).count(), 1, 'the message is shown');
  assert.equal(await digestView.page.locator('b').count(), 0, 'the guest’s name stays text');
  await digestView.close();

  await api('PATCH', '/api/admin/services/sales', { token: adminToken(), body: { transcripts: true } });
  await api('PATCH', `/api/conversations/${id}`, { token: alice, body: { status: 'resolved' } });
  const transcript = await mailTo(email, 'Transcript — Sales');
  const transcriptView = await render('transcript', transcript);
  await transcriptView.page.getByRole('heading', { name: 'Sales' }).waitFor();
  await assertButton(transcriptView.page, 'Reply', 'mailto:reply+');
  assert.equal(await transcriptView.page.getByText('Hello, can I get a quote for 12 seats?').filter({ visible: true }).count(), 1, 'the guest’s own message is in the transcript');
  await transcriptView.close();
  assert.equal(transcript.headers['List-Unsubscribe'], undefined, 'a transcript is not a digest');

  // The unsubscribe page passes axe (injected past the page's own CSP, which forbids every script)…
  const link = /^<(.+)>$/.exec(digest.headers['List-Unsubscribe'])[1];
  const axeContext = await suite.browser.newContext({ bypassCSP: true });
  const axePage = await axeContext.newPage();
  await axePage.goto(link);
  await expectAccessible(axePage);
  await axeContext.close();
  // …and under that CSP the guest follows the link: a page asks, the button confirms.
  const context = await suite.browser.newContext({ viewport: { width: 680, height: 700 } });
  const page = await context.newPage();
  await page.goto(link);
  await page.getByRole('heading', { name: 'Stop these emails?' }).waitFor();
  await shot(page, 'unsubscribe-page');
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
  await shot(page, 'unsubscribe-done');
  await context.close();
});
