// `PORT=… npm start` (issue #15, README "Configuration"): the port served is the one every
// link names, unless the developer's .dev.vars sets a PUBLIC_BASE_URL of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { devBaseUrl, developmentVars, devVars } from '../../scripts/dev-env.mjs';
import { bearer, httpClient, newGuest } from '../support/client.mjs';
import { agentToken, freePort, root } from '../support/dev-server.mjs';

test('the links follow the port served; a PUBLIC_BASE_URL of the developer’s own in .dev.vars wins', () => {
  assert.equal(devBaseUrl('8790', developmentVars()), 'http://127.0.0.1:8790');
  assert.equal(devBaseUrl('8790', {}), 'http://127.0.0.1:8790');
  assert.equal(devBaseUrl('8790', { PUBLIC_BASE_URL: 'https://doorbell.trycloudflare.com' }), 'https://doorbell.trycloudflare.com');
});

const ownBaseUrl = devVars().PUBLIC_BASE_URL !== developmentVars().PUBLIC_BASE_URL;

test('PORT=… npm start serves on that port, and the invite and calendar feed links it makes point there', { skip: ownBaseUrl && '.dev.vars sets its own PUBLIC_BASE_URL' }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const state = `${root}test-results/port/state`;
  rmSync(state, { recursive: true, force: true });
  const args = ['start', '--', '--persist-to', state, '--inspector-port', String(await freePort()), '--show-interactive-dev-session=false'];
  // Its own process group, so that stopping it stops wrangler and workerd too.
  const child = spawn('npm', args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), CI: 'true', WRANGLER_SEND_METRICS: 'false' },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 90_000;
    while (!(await fetch(`${base}/healthz`).then((r) => r.ok, () => false))) {
      assert.equal(child.exitCode, null, `npm start exited:\n${output}`);
      assert.ok(Date.now() < deadline, `npm start did not answer /healthz on ${base} within 90 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const call = httpClient(base);
    const alice = bearer(await agentToken('alice@doorbell.example'));
    const calendar = await call('GET', '/api/calendar', { headers: alice });
    assert.equal(calendar.status, 200, JSON.stringify(calendar.body));
    assert.equal(new URL(calendar.body.feedUrl).origin, base);

    const guest = await newGuest(call, 'Pia Port');
    const opened = await call('POST', '/api/conversations', { headers: guest.headers, body: { target: { kind: 'agent', slug: 'alice' }, clientId: 'port', text: 'hi' } });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const invite = await call('POST', `/api/conversations/${opened.body.conversation.id}/invites`, { headers: alice });
    assert.equal(invite.status, 201, JSON.stringify(invite.body));
    assert.equal(new URL(invite.body.url).origin, base);
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    // Whatever of the group outlived npm (or a shutdown slower than 5 s).
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
});
