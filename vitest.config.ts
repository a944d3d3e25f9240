import { readFileSync } from 'node:fs';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { developmentVars } from './scripts/dev-env.mjs';

export const TEST_SECRETS = {
  ADMIN_TOKEN: 'test-admin-token',
  AGENT_JWT_SECRET: 'test-agent-jwt-secret-0123456789abcdef',
  GUEST_TOKEN_SECRET: 'test-guest-token-secret-0123456789abcdef',
  REPLY_SECRET: 'test-reply-secret-0123456789abcdef',
  // CRM credentials for the local fakes (test/fakes); the hosts are the real ones, intercepted.
  HUBSPOT_TOKEN: 'test-hubspot-private-app-token',
  SALESFORCE_INSTANCE_URL: 'https://doorbell-test.my.salesforce.com',
  SALESFORCE_ACCESS_TOKEN: 'test-salesforce-expired-access-token',
  SALESFORCE_REFRESH_TOKEN: 'test-salesforce-refresh-token',
  SALESFORCE_CLIENT_ID: 'test-salesforce-consumer-key',
  SALESFORCE_CLIENT_SECRET: 'test-salesforce-consumer-secret',
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            // wrangler.toml's [vars] are the production values; the tests run as development.
            ...developmentVars(),
            // The limits are off for the suite; test/api/limits.test.ts turns them on per request.
            RATE_LIMITS: 'off',
            ...TEST_SECRETS,
            TEST_MIGRATIONS: migrations,
            TEST_DEMO_DIRECTORY: readFileSync('scripts/demo-directory.sql', 'utf8'),
          },
        },
      }),
    ],
    test: {
      include: ['test/unit/**/*.test.ts', 'test/api/**/*.test.ts'],
      setupFiles: ['./test/setup.ts'],
      // Tests assert what happens, not how fast: on a loaded 2-core machine a test driving many
      // actor calls can pass 5 s (the default) without anything being wrong.
      testTimeout: 20_000,
    },
  };
});
