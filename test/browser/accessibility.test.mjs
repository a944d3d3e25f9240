// Accessibility of the main screens (SPEC: browser tests check it with axe-core injected into the
// page): axe's WCAG 2 A/AA rules on the site root, a service page and Alice's page with a live
// conversation and the rating prompt, the widget on another site, the booking page, the meeting
// page, an invite page, and the console (sign-in, inbox, a conversation with its panels, its
// menu and dialogs, search, a phone-sized screen, the notifications dialog, the calendar).
// Each test lists every screen's violations at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, chooseDay, expectAccessible, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('accessibility', (BASE) => ({
  '/shop.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><main><h1>Acme shop</h1></main><script src="${BASE}/widget.js" data-service="sales" async></script></body></html>`,
}));

/** Checks each screen in turn and fails once at the end with all of their violations. */
function screens() {
  const problems = [];
  return {
    check: (page, where, options) => expectAccessible(page, { where, ...options }).catch((e) => problems.push(e.message)),
    done: () => assert.deepEqual(problems, [], problems.join('\n')),
  };
}

const newContext = (options = {}) => suite.browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });

async function signIn(page) {
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox .live[data-state=online]').waitFor();
}

test('the guest pages: the site root, a service page, Alice’s page with a conversation, the rating prompt', async () => {
  const { check, done } = screens();
  const context = await newContext();
  const page = await context.newPage();
  // There is no directory page: the site's root is the not-found page, which links nowhere.
  await page.goto(`${suite.BASE}/`);
  await page.getByText('This page does not exist.').waitFor();
  await check(page, 'the site root (not found)');

  await page.goto(`${suite.BASE}/u/alice`);
  await page.getByRole('heading', { name: 'Alice Martin' }).waitFor();
  await check(page, 'Alice’s page');
  await page.getByRole('button', { name: 'Start a conversation' }).click();
  await page.getByLabel('Your name').fill('Ada Access');
  await check(page, 'Alice’s page, chat panel before the first message');
  await page.getByLabel('Message').last().fill('Hello Alice');
  await page.keyboard.press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'Hello Alice' }).waitFor();
  await page.locator('.db-status[data-state=online]').waitFor({ state: 'attached' });
  await page.getByRole('button', { name: /attach/i }).waitFor();
  await check(page, 'Alice’s page, conversation with the attachment button');

  await page.goto(`${suite.BASE}/s/sales`);
  await page.getByLabel('Message').last().fill('A question for Sales');
  await page.keyboard.press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'A question for Sales' }).waitFor();
  await check(page, 'Sales service page with a conversation');

  // Alice resolves it in the console; the guest is asked to rate.
  const agent = await (await newContext()).newPage();
  await signIn(agent);
  await agent.getByRole('group', { name: 'Views' }).getByRole('button', { name: /^All open/ }).click();
  await agent.locator('.inbox-list a', { hasText: 'Ada Access' }).filter({ hasText: 'A question for Sales' }).click();
  await agent.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Resolve' }).click();
  await page.locator('form.db-rate').waitFor();
  await check(page, 'Sales service page, rating prompt');
  await shot(page, 'a11y-rating');
  await agent.context().close();
  await context.close();
  done();
});

test('the widget open on another site', async () => {
  const { check, done } = screens();
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${suite.HOST}/shop.html`);
  await page.locator('doorbell-widget .l').click();
  await page.locator('doorbell-widget').getByLabel('Your name').waitFor();
  await check(page, 'widget open, before the first message');
  await page.locator('doorbell-widget').getByLabel('Your name').fill('Wim Widget');
  await page.locator('doorbell-widget textarea').fill('Hello from the shop');
  await page.locator('doorbell-widget textarea').press('Enter');
  await page.locator('doorbell-widget .db-msg.db-mine[data-seq]', { hasText: 'Hello from the shop' }).waitFor();
  await check(page, 'widget with a conversation');
  await shot(page, 'a11y-widget');
  await context.close();
  done();
});

test('the booking page, its form and confirmation, the meeting page and an invite page', async () => {
  const { check, done } = screens();
  const context = await newContext({ timezoneId: 'America/Los_Angeles', locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${suite.BASE}/u/alice/meet`);
  await page.getByRole('heading', { name: 'Book a meeting with Alice Martin' }).waitFor();
  await page.locator('.days button:not([aria-disabled])').first().waitFor();
  await check(page, 'booking page, slot picker');
  await chooseDay(page, 1);
  await page.getByRole('list', { name: 'Available times' }).getByRole('button').first().click();
  await page.getByRole('heading', { name: 'Your choice' }).waitFor();
  await page.getByRole('button', { name: 'Book this time' }).click();
  await page.getByText('Please enter your name.').waitFor();
  await check(page, 'booking form with errors');
  await page.getByLabel('Your name').fill('Bea Booker');
  await page.getByLabel('Email').fill('bea@example.com');
  await page.getByRole('button', { name: 'Book this time' }).click();
  await page.getByRole('heading', { name: 'Your meeting is booked' }).waitFor();
  await check(page, 'booking confirmed');
  const link = await page.getByRole('link', { name: 'See, reschedule or cancel your meeting' }).getAttribute('href');
  await page.goto(link);
  await page.getByRole('heading', { name: 'Your meeting with Alice Martin' }).waitFor();
  await check(page, 'meeting page');
  await page.getByRole('button', { name: 'Cancel meeting' }).click();
  await page.getByRole('dialog').waitFor();
  await check(page, 'meeting page, cancel dialog');

  const meeting = (await (await fetch(`${suite.BASE}/api/calendar`, { headers: { authorization: `Bearer ${await agentToken('alice@doorbell.example')}` } })).json()).meetings[0];
  const invite = await (await fetch(`${suite.BASE}/api/conversations/${meeting.conversationId}/invites`, { method: 'POST', headers: { authorization: `Bearer ${await agentToken('alice@doorbell.example')}` } })).json();
  await page.goto(invite.url);
  await page.getByRole('heading', { name: 'You are invited to a conversation' }).waitFor();
  await check(page, 'invite page');
  await context.close();
  done();
});

test('the console: sign-in, inbox with views and filters, a conversation with its panels, notifications, calendar', async () => {
  const { check, done } = screens();
  const made = await (await fetch(`${suite.BASE}/api/guests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Cleo Console', email: 'cleo@example.com' }) })).json();
  const started = await fetch(`${suite.BASE}/api/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${made.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target: { kind: 'service', slug: 'sales' }, clientId: 'a11y-1', text: 'Where is my order?' }),
  });
  assert.equal(started.status, 200);

  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').waitFor();
  await check(page, 'console sign-in');
  await page.getByLabel('Agent token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.signin .error').filter({ hasText: 'not valid' }).waitFor();
  await check(page, 'console sign-in refused');

  await signIn(page);
  await page.getByRole('group', { name: 'Views' }).getByRole('button', { name: /^All open/ }).click();
  const row = page.locator('.inbox-list a', { hasText: 'Cleo Console' });
  await row.waitFor();
  await check(page, 'inbox, All open');
  await page.locator('.inbox-filter').waitFor();
  await check(page, 'inbox filters');

  await row.click();
  await page.locator('.db-log .db-msg', { hasText: 'Where is my order?' }).waitFor();
  await page.getByRole('list', { name: 'Participants' }).waitFor();
  await check(page, 'conversation with participants and details');
  await shot(page, 'a11y-console-conversation');
  const toolbar = page.getByRole('toolbar', { name: 'Conversation actions' });
  await toolbar.getByRole('button', { name: 'Snooze ▾' }).click();
  await page.getByRole('menu', { name: 'Snooze until' }).waitFor();
  await check(page, 'snooze menu');
  await page.keyboard.press('Escape');
  await toolbar.getByRole('button', { name: 'Assign…' }).click();
  const assign = page.getByRole('dialog', { name: 'Assign the conversation' });
  await assign.getByLabel(/Billing/).waitFor();
  await check(page, 'assign dialog');
  await page.keyboard.press('Escape');
  await assign.waitFor({ state: 'detached' });

  await page.getByRole('searchbox', { name: 'Search messages' }).fill('order');
  await page.getByRole('searchbox', { name: 'Search messages' }).press('Enter');
  await page.locator('.search-list li').first().waitFor();
  await check(page, 'search results');

  await page.setViewportSize({ width: 390, height: 844 });
  await check(page, 'console on a phone');
  await page.setViewportSize({ width: 1280, height: 860 });

  await page.getByRole('button', { name: 'Notifications' }).click();
  await page.getByRole('dialog', { name: 'Notifications' }).waitFor();
  await check(page, 'notifications dialog');
  await page.getByRole('dialog', { name: 'Notifications' }).getByRole('button', { name: 'Close' }).click();

  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.locator('#settings-title').waitFor();
  await check(page, 'calendar and its settings');
  await shot(page, 'a11y-console-calendar');
  log('console screens checked');
  await context.close();
  done();
});
