/**
 * The vars of wrangler.toml [vars] that name one of a few values, and their parsing. A value
 * outside its list is logged (once per isolate and value) with the var, the value and the
 * allowed values; what then happens is the caller's choice (README "Configuration").
 * Bottom layer: imports nothing from the project.
 */
/** What a key set published at a JWKS URL may sign with: asymmetric algorithms only. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const ENUMERATED_VARS = {
  ENVIRONMENT: ['development', 'production'],
  EMAIL_TRANSPORT: ['outbox', 'send_email', 'http'],
  // Read only with AGENT_JWKS_URL set: what an identity provider signs with (without one, tokens are HS256).
  AGENT_JWT_ALGORITHM: JWKS_ALGORITHMS,
  // Read only with IDENTITY_JWKS_URL set: what the organisation signs its visitors' user tokens with.
  IDENTITY_JWT_ALGORITHM: JWKS_ALGORITHMS,
} as const;

export type EnumeratedVar = keyof typeof ENUMERATED_VARS;
export type VarValue<K extends EnumeratedVar> = (typeof ENUMERATED_VARS)[K][number];
export type Environment = VarValue<'ENVIRONMENT'>;
export type EmailTransport = VarValue<'EMAIL_TRANSPORT'>;
export type AgentJwtAlgorithm = VarValue<'AGENT_JWT_ALGORITHM'>;

const parsed = new Map<string, string | null>();

/** The var's value, or null when it is missing or not one of its allowed values. */
export function enumeratedVar<K extends EnumeratedVar>(env: { readonly [P in K]?: string | undefined }, name: K): VarValue<K> | null {
  const value = env[name] ?? '';
  const key = `${name}=${value}`;
  let result = parsed.get(key);
  if (result === undefined) {
    const allowed: readonly string[] = ENUMERATED_VARS[name];
    result = allowed.includes(value) ? value : null;
    if (result === null) console.error(misconfigured(name, value));
    parsed.set(key, result);
  }
  return result as VarValue<K> | null;
}

/** What is wrong with a var, for the log and for the error a request then gets. */
export const misconfigured = (name: EnumeratedVar, value: string | undefined): string =>
  `${name} is "${value ?? ''}" in wrangler.toml [vars]; set it to one of ${ENUMERATED_VARS[name].join(', ')}.`;

/** ATTACHMENT_MAX_BYTES's value when it is unset: 10 MiB. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
const badSizes = new Set<string>();

/**
 * The largest file a message may carry (docs/attachments.md). A value that is not a positive
 * whole number of bytes is logged once and the default holds: a typo must not lift the limit.
 */
export function attachmentMaxBytes(env: { readonly ATTACHMENT_MAX_BYTES?: string | undefined }): number {
  const value = env.ATTACHMENT_MAX_BYTES ?? '';
  if (value === '') return DEFAULT_ATTACHMENT_MAX_BYTES;
  if (/^[1-9][0-9]{0,15}$/.test(value)) return Number(value);
  if (!badSizes.has(value)) {
    badSizes.add(value);
    console.error(`ATTACHMENT_MAX_BYTES is "${value}" in wrangler.toml [vars]; set it to a number of bytes. Using ${DEFAULT_ATTACHMENT_MAX_BYTES}.`);
  }
  return DEFAULT_ATTACHMENT_MAX_BYTES;
}
