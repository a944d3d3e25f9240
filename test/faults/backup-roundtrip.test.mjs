// Backups round-trip (docs/backups.md), as a user runs them: a seeded deployment (conversations
// with messages, a private note, a file, a label, a meeting, a contact, a webhook, a canned
// reply) is exported with `npm run export`, imported with `npm run import` into a second
// `wrangler dev` on an empty state, and compared: every message at its seq, every directory row
// and actor row the same, a restored snooze still wakes (its job re-armed), and a second
// import is refused because the deployment is no longer empty.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { adminToken, agentToken, root, startDevServer } from '../support/dev-server.mjs';
import { bearer, httpClient, newGuest } from '../support/client.mjs';
import { log, timeline } from './fixtures.mjs';

const servers = {};
const dirs = mkdtempSync(`${tmpdir()}/doorbell-backup-`);
before(async () => {
  [servers.source, servers.target] = await Promise.all([
    startDevServer({ work: `${root}test-results/faults/backup-source`, log }),
    startDevServer({ work: `${root}test-results/faults/backup-target`, log, seeded: false }),
  ]);
});
after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  rmSync(dirs, { recursive: true, force: true });
});

/** Runs one of the npm scripts; resolves with its exit code and output. */
const script = (name, args) =>
  new Promise((resolve) => {
    execFile(process.execPath, [`${root}scripts/backup-${name}.mjs`, ...args, '--token', adminToken()], { cwd: root }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, output: `${stdout}${stderr}` }),
    );
  });

const ok = (r, what) => {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
const dayFromNow = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** What the seeded deployment holds, for the comparison. */
async function seed(call) {
  const admin = bearer(adminToken());
  const alice = bearer(await agentToken('alice@doorbell.example'));
  const label = ok(await call('POST', '/api/admin/labels', { headers: admin, body: { name: 'Backed up', color: '#123456' } }), 'label');
  ok(await call('POST', '/api/admin/canned-replies', { headers: admin, body: { shortcut: 'thanks', text: 'Thank you, {{guest.name}}!' } }), 'canned reply');
  ok(await call('POST', '/api/admin/webhooks', { headers: admin, body: { url: 'https://hooks.example.com/doorbell', events: ['meeting.booked'] } }), 'webhook');
  const conversations = [];
  for (const [i, target] of [{ kind: 'service', slug: 'sales' }, { kind: 'agent', slug: 'alice' }, { kind: 'service', slug: 'sales' }].entries()) {
    const guest = await newGuest(call, `Guest ${i}`, `guest${i}@example.com`);
    const id = ok(await call('POST', '/api/conversations', { headers: guest.headers, body: { target, clientId: 'first', text: `Hello ${i}` } }), 'start').conversation.id;
    for (let m = 0; m < 4; m++) {
      ok(await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: `g${m}`, text: `guest line ${i}.${m}` } }), 'guest message');
      ok(await call('POST', `/api/conversations/${id}/messages`, { headers: alice, body: { clientId: `a${m}`, text: `alice line ${i}.${m}` } }), 'agent message');
    }
    conversations.push({ id, guest });
  }
  const [first, second, third] = conversations;
  ok(await call('POST', `/api/conversations/${first.id}/messages`, { headers: alice, body: { clientId: 'note', text: 'agents only: backed up', note: true } }), 'note');
  const up = ok(await call('POST', `/api/conversations/${first.id}/attachments?${new URLSearchParams({ clientId: 'file', name: 'dot.png' })}`, { headers: first.guest.headers, raw: PNG }), 'upload');
  ok(await call('POST', `/api/conversations/${first.id}/messages`, { headers: first.guest.headers, body: { clientId: 'file', attachments: [up.id] } }), 'file message');
  ok(await call('PUT', `/api/conversations/${first.id}/labels/${label.id}`, { headers: alice }), 'labelled');
  ok(await call('POST', '/api/contacts', { headers: alice, body: { name: 'Cy Contact', email: 'cy@example.com' } }), 'contact');
  const slot = ok(await call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(10)}&days=7&duration=30`), 'slots').slots[0].start;
  const booked = ok(await call('POST', '/api/agents/alice/bookings', { body: { start: slot, durationMinutes: 30, name: 'Mo Meeting', email: 'mo@example.com', timeZone: 'UTC' } }), 'booking');
  ok(await call('PATCH', `/api/conversations/${second.id}`, { headers: alice, body: { status: 'resolved' } }), 'resolved');
  // Wakes a minute from now: on the restored deployment only if its job was re-armed.
  const wakeAt = Date.now() + 60_000;
  ok(await call('PATCH', `/api/conversations/${third.id}`, { headers: alice, body: { status: 'snoozed', until: new Date(wakeAt).toISOString() } }), 'snoozed');
  const carol = bearer(await agentToken('carol@doorbell.example'));
  await handedOver(call, { alice, carol }, second.id, third.id);
  return { alice, admin, conversations, meetingToken: decodeURIComponent(booked.guestLink.split('#')[1]), wakeAt, snoozed: third.id };
}

/**
 * Waits until the last two changes reached the inboxes and the views summary (their hand-overs
 * follow 100 ms later): an export taken before that holds the older rows, while the restore runs
 * the pending hand-overs, and the comparison would find rows the source was about to write.
 */
async function handedOver(call, { alice, carol }, resolvedId, snoozedId) {
  const items = async (headers, query = '') => ok(await call('GET', `/api/inbox${query}`, { headers }), 'inbox').items;
  const has = (list, id, status) => list.some((item) => item.conversationId === id && item.status === status);
  for (let i = 0; i < 100; i++) {
    const [own, carols, snoozed, resolved] = await Promise.all([items(alice), items(carol), items(alice, '?view=all&status=snoozed'), items(alice, '?view=resolved')]);
    if (has(own, resolvedId, 'resolved') && has(own, snoozedId, 'snoozed') && has(carols, snoozedId, 'snoozed') && has(snoozed, snoozedId, 'snoozed') && has(resolved, resolvedId, 'resolved')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the resolution and the snooze never reached the inboxes and the views summary');
}

const readLines = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/**
 * A backup's rows by file, sorted, with what legitimately differs between two deployments
 * left out: the audit log gains the target's own entries (the source's must all be there),
 * and `jobs` rows are leases whose due times move as they run.
 */
function contents(dir) {
  const out = {};
  for (const sub of ['directory', 'actors']) {
    for (const f of readdirSync(`${dir}/${sub}`)) {
      const rows = readLines(`${dir}/${sub}/${f}`).filter((r) => r.table !== 'jobs');
      out[`${sub}/${f}`] = rows.map((r) => JSON.stringify(r)).sort();
    }
  }
  return out;
}

test('an export restored into an empty deployment holds every message at its seq and every row', async (t) => {
  const source = httpClient(servers.source.base);
  const target = httpClient(servers.target.base);
  const seeded = await seed(source);
  const before = {};
  for (const { id } of seeded.conversations) before[id] = await timeline({ call: source }, id, seeded.alice);

  const exported = await script('export', ['--out', `${dirs}/one`, '--url', servers.source.base]);
  assert.equal(exported.code, 0, exported.output);
  assert.match(exported.output, /\[directory agents\] 3\/3 rows/);
  assert.match(exported.output, /\[actors conversation\] 4\/4 actors/);
  const manifest = JSON.parse(readFileSync(`${dirs}/one/manifest.json`, 'utf8'));
  assert.equal(manifest.format, 1);
  assert.ok(Date.parse(manifest.exportedAt) <= Date.parse(manifest.finishedAt));
  for (const table of ['agents', 'services', 'guests', 'contacts', 'labels', 'canned_replies', 'webhook_endpoints', 'conversations', 'search_entries', 'audit_log']) {
    assert.ok(manifest.tables.find((x) => x.name === table)?.rows > 0, `${table} is in the backup with its rows`);
  }
  assert.equal(manifest.tables.findIndex((x) => x.name === 'memberships') > manifest.tables.findIndex((x) => x.name === 'agents'), true, 'memberships come after the agents they reference');
  assert.equal(manifest.actors.find((a) => a.kind === 'conversation')?.actors, 4, 'the three chats and the meeting’s conversation');
  assert.equal(manifest.files.count, 1, 'the R2 file is listed');
  assert.match(readFileSync(`${dirs}/one/files.jsonl`, 'utf8'), /conversations\//);

  const imported = await script('import', [`${dirs}/one`, '--url', servers.target.base]);
  assert.equal(imported.code, 0, imported.output);
  assert.match(imported.output, /\[actors conversation\] 4\/4 actors/);
  t.diagnostic(`cases: ${Object.values(before).reduce((s, e) => s + e.length, 0)}`);

  // The same timelines, entry for entry, read through the restored deployment's API.
  for (const { id, guest } of seeded.conversations) {
    const restored = await timeline({ call: target }, id, seeded.alice);
    assert.deepEqual(restored, before[id], `conversation ${id}: every entry at its seq`);
    assert.deepEqual(await timeline({ call: target }, id, guest.headers), await timeline({ call: source }, id, guest.headers), 'the guest’s token and view still work');
  }
  // Everything else, row for row: a second export of the restored deployment is the first.
  const again = await script('export', ['--out', `${dirs}/two`, '--url', servers.target.base]);
  assert.equal(again.code, 0, again.output);
  const [one, two] = [contents(`${dirs}/one`), contents(`${dirs}/two`)];
  const audit = 'directory/audit_log.jsonl';
  assert.deepEqual(one[audit].filter((r) => !two[audit].includes(r)), [], 'every audit entry is restored');
  assert.ok(readLines(`${dirs}/two/${audit}`).some((r) => r.entity === 'backup' && r.action === 'restore'), 'the restore is in the audit log');
  delete one[audit];
  delete two[audit];
  assert.deepEqual(two, one);

  // The restored deployment works on: the meeting link, search, and the next message's seq.
  ok(await target('GET', `/api/meetings/${encodeURIComponent(seeded.meetingToken)}`), 'meeting link');
  const hits = ok(await target('GET', '/api/search?q=alice%20line', { headers: seeded.alice }), 'search');
  assert.ok(hits.results.length >= 3, JSON.stringify(hits));
  const [first] = seeded.conversations;
  const sent = ok(await target('POST', `/api/conversations/${first.id}/messages`, { headers: first.guest.headers, body: { clientId: 'after-restore', text: 'after the restore' } }), 'new message');
  assert.equal(sent.seq, before[first.id].at(-1).seq + 1);

  // A second import is refused: the deployment is no longer empty.
  const twice = await script('import', [`${dirs}/one`, '--url', servers.target.base]);
  assert.equal(twice.code, 1);
  assert.match(twice.output, /is not empty/);

  // The snooze's wake job was restored and armed: the conversation opens on its own.
  const status = async () => ok(await target('GET', `/api/conversations/${seeded.snoozed}`, { headers: seeded.alice }), 'conversation').status;
  assert.equal(await status(), 'snoozed');
  const deadline = seeded.wakeAt + 30_000;
  while (Date.now() < deadline && (await status()) !== 'open') await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await status(), 'open', 'the restored snooze woke');
});
