// The pre-chat form (docs/widget.md "Pre-chat form"): Sales asks a phone number and a plan
// before the first message. The widget on a host page shows the fields with hints as the guest
// types, shows the server's refusal beside the field it names (the form changed since the page
// loaded), starts the conversation once the answers are right, and Alice reads them, labelled,
// in her console's details panel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminToken } from '../support/dev-server.mjs';
import { consoleSignedIn, expectAccessible, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('prechat', (BASE) => ({
  '/shop.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Shop</h1><script src="${BASE}/widget.js" data-service="sales" data-lang="en" async></script></body></html>`,
}));

const FORM = {
  email: 'required',
  fields: [
    { key: 'company', label: 'Company', type: 'text' },
    { key: 'phone', label: 'Phone number', type: 'phone', required: true },
    { key: 'plan', label: 'Your plan', type: 'select', options: ['Free', 'Team', 'Enterprise'], required: true },
  ],
};

const setForm = async (prechat, slug = 'sales') => {
  const res = await fetch(`${suite.BASE}/api/admin/services/${slug}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prechat }),
  });
  assert.equal(res.status, 200, await res.text());
};

test('the widget asks Sales’ pre-chat form, hints, shows the server’s refusal, and Alice reads the answers in the details panel', async () => {
  await setForm(FORM);
  const guestContext = await suite.browser.newContext({ viewport: { width: 1000, height: 800 } });
  const guest = await guestContext.newPage();
  guest.on('pageerror', (e) => log(`guest page error: ${e.message}`));
  await guest.goto(`${suite.HOST}/shop.html`);
  await guest.locator('doorbell-widget .l').click();
  const widget = guest.locator('doorbell-widget');
  const phone = widget.getByLabel('Phone number');
  const plan = widget.getByLabel('Your plan');
  await phone.waitFor();
  assert.equal(await phone.getAttribute('type'), 'tel');
  assert.deepEqual(await plan.locator('option').allTextContents(), ['Choose…', 'Free', 'Team', 'Enterprise']);
  assert.match(await widget.locator('.db-field', { hasText: 'Company' }).textContent(), /\(optional\)/);

  // Nothing answered: the widget says what is missing and sends nothing.
  await widget.getByLabel('Your name').fill('Gina Park');
  await widget.getByLabel('Your email').fill('gina@example.com');
  await widget.locator('textarea').fill('Do you ship to Oslo?');
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-alert', { hasText: 'Please check the fields marked below.' }).waitFor();
  assert.equal(await widget.locator('#db-pre-1-hint').textContent(), 'Please fill in Phone number.');
  assert.equal(await widget.locator('#db-pre-2-hint').textContent(), 'Please fill in Your plan.');
  assert.equal(await phone.getAttribute('aria-invalid'), 'true');
  assert.equal(await phone.evaluate((el) => el.getRootNode().activeElement === el), true, 'the first field to fix has the focus');
  // A phone that is not one is told as soon as the guest leaves the field, and cleared once right.
  await phone.fill('12');
  await plan.focus();
  assert.match(await widget.locator('#db-pre-1-hint').textContent(), /6 to 15 digits/);
  await expectAccessible(guest, { context: 'doorbell-widget', where: 'widget with the pre-chat form and its hints' });
  await shot(guest, 'widget-prechat');
  await phone.fill('+47 912 34 567');
  assert.equal(await widget.locator('#db-pre-1-hint').textContent(), '');
  await plan.selectOption('Team');
  await widget.getByLabel('Company').fill('Fjord AS');
  log('client-side hints: required fields and a malformed phone');

  // The team dropped the Team plan since the page loaded: the server refuses, beside the field.
  await setForm({ ...FORM, fields: FORM.fields.map((f) => (f.key === 'plan' ? { ...f, options: ['Free', 'Enterprise'] } : f)) });
  await widget.locator('textarea').press('Enter');
  await widget.locator('#db-pre-2-hint', { hasText: 'Your plan must be one of: Free, Enterprise.' }).waitFor();
  assert.equal(await widget.locator('.db-alert').textContent(), 'Please check the fields marked below.');
  assert.equal(await widget.locator('textarea').inputValue(), 'Do you ship to Oslo?', 'the message is kept to send again');
  assert.equal(await widget.locator('.db-msg').count(), 0);
  await shot(guest, 'widget-prechat-refused');
  log('the server’s refusal is shown beside the plan');

  await setForm(FORM);
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: 'Oslo' }).waitFor();
  assert.equal(await widget.locator('.db-prechat').isHidden(), true, 'the form is gone once the conversation exists');
  const conversationId = await guest.evaluate((base) => JSON.parse(localStorage.getItem(`doorbell:${base}:conversation:service:sales`)), suite.BASE);

  // The service page asks the same form.
  const pageGuest = await guestContext.browser().newContext();
  const servicePage = await pageGuest.newPage();
  await servicePage.goto(`${suite.BASE}/s/sales`);
  await servicePage.getByLabel('Phone number').waitFor();
  await servicePage.getByLabel('Your plan').waitFor();
  log('the service page shows the same fields');

  const { context: aliceContext, page, errors } = await consoleSignedIn('alice@doorbell.example', { width: 1280, height: 900 });
  await page.goto(`${suite.BASE}/console#/c/${conversationId}`);
  const about = page.getByRole('complementary', { name: 'Conversation details' }).locator('dl.about');
  const field = (label) => about.locator(`dd[data-field="${label}"]`);
  await field('Phone number').waitFor();
  assert.equal(await field('Phone number').textContent(), '+47 912 34 567');
  assert.equal(await field('Your plan').textContent(), 'Team');
  assert.equal(await field('Company').textContent(), 'Fjord AS');
  assert.equal(await about.locator('dd[data-field="phone"]').count(), 0, 'labels, not keys');
  await page.getByRole('complementary', { name: 'Conversation details' }).screenshot({ path: 'test-results/screenshots/console-prechat-details.png' });
  log('Alice reads the answers by their labels');
  assert.deepEqual(errors, []);
  await setForm({});
  await Promise.all([guestContext.close(), pageGuest.close(), aliceContext.close()]);
});

test('a form that hides name and email: the service page asks neither, and the guest writes as a visitor', async () => {
  await setForm({ name: 'hidden', email: 'hidden' }, 'support');
  const context = await suite.browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${suite.BASE}/s/support`);
  await page.getByLabel('Message', { exact: true }).first().waitFor();
  // The page draws the chat at once and applies the service's form when its card comes.
  await page.locator('.db-intro input[name=name]').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('.db-intro input[name=name]').isHidden(), true);
  assert.equal(await page.locator('.db-intro input[name=email]').isHidden(), true);
  await page.locator('textarea').fill('Just a quick question');
  await page.locator('textarea').press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'quick question' }).waitFor();
  const me = await page.evaluate((base) => JSON.parse(localStorage.getItem(`doorbell:${base}:guest`)).guest, suite.BASE);
  assert.equal(me.name, 'Visitor');
  log('name and email hidden: the guest wrote as "Visitor"');
  await context.close();
});
