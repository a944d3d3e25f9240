import type { D1Migration } from 'cloudflare:test';
import type { Env as WorkerEnv } from '../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      TEST_DEMO_DIRECTORY: string;
    }
  }
}

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../src/index');
      durableNamespaces: 'ConversationActor' | 'CalendarActor' | 'InboxActor' | 'WebhookActor' | 'CrmActor';
    }
  }
}

// Vite's ?raw imports: a file's text (e.g. the committed wrangler.toml).
declare module '*?raw' {
  const text: string;
  export default text;
}
