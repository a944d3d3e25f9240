import type { CalendarActor } from './calendar/actor';
import type { ConversationActor } from './conversation/actor';
import type { EmailEnv } from './email/mailer';
import type { InboxActor } from './inbox/actor';
import type { RateLimitEnv } from './http/limits';
import type { RetentionActor } from './retention/actor';
import type { IntegrationsEnv } from './integrations/env';
import { enumeratedVar } from './vars';

/** Bindings, vars and secrets of the Worker (see wrangler.toml and README "Configuration"). */
export interface Env extends EmailEnv, IntegrationsEnv, RateLimitEnv {
  DB: D1Database;
  ASSETS: Fetcher;
  CONVERSATIONS: DurableObjectNamespace<ConversationActor>;
  CALENDARS: DurableObjectNamespace<CalendarActor>;
  INBOXES: DurableObjectNamespace<InboxActor>;
  /** The retention sweep, one object (src/retention/actor.ts). */
  RETENTION: DurableObjectNamespace<RetentionActor>;
  /** Files attached to messages (docs/attachments.md). */
  FILES: R2Bucket;
  /** The largest file a message may carry, in bytes (src/attachments/limits.ts). */
  ATTACHMENT_MAX_BYTES?: string;

  /** Comma-separated organisation-wide origins whose pages may embed every service and agent (src/http/embed.ts). */
  GUEST_ORIGINS: string;
  /** One of ENUMERATED_VARS.EMAIL_TRANSPORT (src/vars.ts), parsed where used. */
  EMAIL_TRANSPORT: string;
  EMAIL_FROM: string;
  /** Domain of the signed reply addresses of continuity emails (C12); EMAIL_FROM's domain when empty. */
  REPLY_DOMAIN: string;

  /** `development` or `production` (src/vars.ts). */
  ENVIRONMENT: string;
  /** Development only: the email digests' gathering pause in seconds (src/continuity/email-digest.ts). */
  DIGEST_GATHER_SECONDS?: string;
  PUBLIC_BASE_URL: string;
  /** Where generated video rooms of meeting types live (docs/meetings.md); https://meet.jit.si when unset. */
  JITSI_BASE_URL?: string;
  AGENT_JWT_ISSUER: string;
  AGENT_JWT_AUDIENCE: string;
  AGENT_JWKS_URL: string;
  /** One of ENUMERATED_VARS.AGENT_JWT_ALGORITHM (src/vars.ts); read only with AGENT_JWKS_URL. */
  AGENT_JWT_ALGORITHM: string;
  /** The organisation's JWKS for visitors' user tokens (docs/widget.md "Identified visitors"); empty: only per-service secrets. */
  IDENTITY_JWKS_URL?: string;
  /** Required `iss` of user tokens verified with IDENTITY_JWKS_URL. */
  IDENTITY_ISSUER?: string;
  /** One of ENUMERATED_VARS.IDENTITY_JWT_ALGORITHM (src/vars.ts); read only with IDENTITY_JWKS_URL. */
  IDENTITY_JWT_ALGORITHM?: string;

  // Secrets.
  ADMIN_TOKEN: string;
  AGENT_JWT_SECRET: string;
  GUEST_TOKEN_SECRET: string;
  /** HMAC key of the reply addresses of continuity emails. */
  REPLY_SECRET: string;
}

/** Development-only behaviour needs ENVIRONMENT exactly `development`: a wrong value is logged and counts as production. */
export const isDevelopment = (env: Pick<Partial<Env>, 'ENVIRONMENT'>): boolean => enumeratedVar(env, 'ENVIRONMENT') === 'development';
