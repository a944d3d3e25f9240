import { readFileSync } from 'node:fs';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export const TEST_SECRETS = {
  ADMIN_TOKEN: 'test-admin-token',
  AGENT_JWT_SECRET: 'test-agent-jwt-secret-0123456789abcdef',
  GUEST_TOKEN_SECRET: 'test-guest-token-secret-0123456789abcdef',
  REPLY_SECRET: 'test-reply-secret-0123456789abcdef',
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
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
    },
  };
});
