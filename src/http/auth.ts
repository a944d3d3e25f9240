import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Env } from '../env';
import { enumeratedVar, misconfigured } from '../vars';
import { HttpError } from './errors';

/** Tokens older than this many seconds past `exp` (or before `nbf`) are refused. */
export const CLOCK_SKEW_SECONDS = 30;
const GUEST_ISSUER = 'doorbell';
const GUEST_AUDIENCE = 'doorbell-guest';
const GUEST_TOKEN_LIFETIME = '365d';
const INVITE_AUDIENCE = 'doorbell-invite';

const unauthorized = (message: string): HttpError => new HttpError(401, 'unauthorized', message);

/**
 * The bearer token of a request. Browsers cannot set headers on a WebSocket upgrade, so
 * an upgrade may carry it as `?token=` instead (and only an upgrade).
 */
export function bearerToken(request: Request): string {
  const header = request.headers.get('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (match?.[1]) return match[1];
  if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
    const token = new URL(request.url).searchParams.get('token');
    if (token) return token;
  }
  throw unauthorized('An "Authorization: Bearer <token>" header is required.');
}

/** Tells the two kinds of bearer apart before verifying; the verification decides. */
export function isGuestToken(token: string): boolean {
  try {
    return decodeJwt(token).aud === GUEST_AUDIENCE;
  } catch {
    return false;
  }
}

/** Seconds-since-epoch expiry of a token already verified. */
export const tokenExpiry = (token: string): number => (decodeJwt(token).exp ?? 0) * 1000;

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
}

/** Compares digests so that the time taken says nothing about the secret. */
export async function requireAdmin(request: Request, env: Env): Promise<void> {
  const token = bearerToken(request);
  if (!env.ADMIN_TOKEN) throw new HttpError(503, 'admin_disabled', 'No ADMIN_TOKEN secret is configured.');
  const [given, expected] = await Promise.all([sha256(token), sha256(env.ADMIN_TOKEN)]);
  if (!crypto.subtle.timingSafeEqual(given, expected)) throw unauthorized('The admin token is not valid.');
}

// One key set per JWKS URL for the life of the isolate: jose caches the keys and refetches
// them when it meets an unknown key id, so rotation at the identity provider just works.
const keySets = new Map<string, JWTVerifyGetKey>();

export function remoteKeySet(url: string): JWTVerifyGetKey {
  let keySet = keySets.get(url);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(url));
    keySets.set(url, keySet);
  }
  return keySet;
}

function agentKey(env: Env): JWTVerifyGetKey | Promise<CryptoKey> {
  if (env.AGENT_JWKS_URL) return remoteKeySet(env.AGENT_JWKS_URL);
  if (!env.AGENT_JWT_SECRET) throw new HttpError(503, 'auth_not_configured', 'No agent JWT secret is configured.');
  return hmacKey(env.AGENT_JWT_SECRET);
}

// Given the raw secret, jose imports it as a key on every signature and check; each secret is
// imported once per isolate instead (keyed by the secret itself, so a new one gets its own).
const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    hmacKeys.set(secret, key);
  }
  return key;
}

export interface AgentClaims {
  email: string;
}

/**
 * Verifies an agent JWT: signature, pinned algorithm, issuer, audience, expiry (bounded
 * skew). The agent is identified by the token's `email` claim (see docs/api.md).
 */
export async function verifyAgentToken(token: string, env: Env): Promise<AgentClaims> {
  const key = agentKey(env);
  const algorithm = env.AGENT_JWKS_URL ? enumeratedVar(env, 'AGENT_JWT_ALGORITHM') : 'HS256';
  // Refused before any token is read: every agent would otherwise get a 401 that blames their token.
  if (!algorithm) throw new HttpError(503, 'auth_not_configured', misconfigured('AGENT_JWT_ALGORITHM', env.AGENT_JWT_ALGORITHM));
  try {
    const options = {
      algorithms: [algorithm],
      issuer: env.AGENT_JWT_ISSUER,
      audience: env.AGENT_JWT_AUDIENCE,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp', 'email'],
    };
    const { payload } =
      typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, await key, options);
    if (typeof payload.email !== 'string' || payload.email === '') throw new Error('email claim is not a string');
    return { email: payload.email.toLowerCase() };
  } catch (err) {
    throw refusedToken('agent token', err);
  }
}

export interface GuestClaims {
  guestId: string;
}

/**
 * Tokens the server issues to people without an account: guest tokens, invite links,
 * meeting links and file links. One HS256 key, told apart by audience and `typ`, so none can stand in
 * for another.
 */
export interface ServerToken {
  typ: 'guest' | 'invite' | 'meeting' | 'file' | 'unsubscribe' | 'export';
  audience: string;
  subject: string;
  /** A jose duration such as '7d', or seconds since the epoch. */
  expires: string | number;
  claims?: Record<string, string>;
}

export async function signServerToken(env: Env, token: ServerToken): Promise<string> {
  return new SignJWT({ ...token.claims, typ: token.typ })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(token.subject)
    .setIssuer(GUEST_ISSUER)
    .setAudience(token.audience)
    .setIssuedAt()
    .setExpirationTime(token.expires)
    .sign(await guestSecret(env));
}

/** Verifies a server token of one kind; throws jose's error (see describeJoseError) when it is not one. */
export async function verifyServerToken(env: Env, token: string, typ: ServerToken['typ'], audience: string): Promise<JWTPayload & { sub: string }> {
  const { payload } = await jwtVerify(token, await guestSecret(env), {
    algorithms: ['HS256'],
    issuer: GUEST_ISSUER,
    audience,
    clockTolerance: CLOCK_SKEW_SECONDS,
    requiredClaims: ['sub', 'exp'],
  });
  if (payload.typ !== typ || !payload.sub) throw new Error(`not a ${typ} token`);
  return payload as JWTPayload & { sub: string };
}

/** A signed link's token (meeting, file): past its expiry `410 link_expired`, anything else wrong `401 invalid_link`. */
export async function verifyLinkToken(env: Env, token: string, typ: ServerToken['typ'], audience: string, what: string): Promise<JWTPayload & { sub: string }> {
  try {
    return await verifyServerToken(env, token, typ, audience);
  } catch (err) {
    const expired = err && typeof err === 'object' && 'code' in err && err.code === 'ERR_JWT_EXPIRED';
    throw expired ? new HttpError(410, 'link_expired', `This ${what} link has expired.`) : new HttpError(401, 'invalid_link', `This ${what} link is not valid.`);
  }
}

export const issueGuestToken = (guestId: string, env: Env): Promise<string> =>
  signServerToken(env, { typ: 'guest', audience: GUEST_AUDIENCE, subject: guestId, expires: GUEST_TOKEN_LIFETIME });

export async function verifyGuestToken(token: string, env: Env): Promise<GuestClaims> {
  try {
    return { guestId: (await verifyServerToken(env, token, 'guest', GUEST_AUDIENCE)).sub };
  } catch (err) {
    throw refusedToken('guest token', err);
  }
}

function guestSecret(env: Env): Promise<CryptoKey> {
  if (!env.GUEST_TOKEN_SECRET) throw new HttpError(503, 'auth_not_configured', 'No guest token secret is configured.');
  return hmacKey(env.GUEST_TOKEN_SECRET);
}

/**
 * Why a token was refused, in words and as a stable `details.reason` (docs/api.md). jose's own
 * codes are its internals: they would change under a client that branched on them.
 */
export interface TokenProblem {
  reason: 'expired' | 'claim' | 'signature' | 'algorithm' | 'malformed' | 'keys' | 'invalid';
  claim?: string;
  words: string;
}

export function describeJoseError(err: unknown): TokenProblem {
  const code = err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : '';
  const claim = err && typeof err === 'object' && 'claim' in err && typeof err.claim === 'string' ? err.claim : undefined;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return { reason: 'expired', words: 'it has expired' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return { reason: 'claim', claim, words: `its "${claim ?? 'unknown'}" claim is not the expected one` };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { reason: 'signature', words: 'its signature does not verify' };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return { reason: 'algorithm', words: 'its algorithm is not the one accepted' };
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { reason: 'malformed', words: 'it is not a well-formed signed JWT' };
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return { reason: 'keys', words: "no key of the identity provider's key set verifies it" };
    default:
      return { reason: 'invalid', words: err instanceof Error && !code ? err.message : 'it is not a valid token' };
  }
}

const refusedToken = (what: string, err: unknown): HttpError => {
  const { words, ...details } = describeJoseError(err);
  return new HttpError(401, 'unauthorized', `The ${what} is not valid: ${words}.`, details);
};

/**
 * C7: a link that lets guests into a conversation; signed so it cannot be made up. It names the
 * invite the conversation recorded (its uses and revocation are checked there) and expires with it.
 */
export const issueInvite = (conversationId: string, invite: { id: string; expiresAt: string }, env: Env): Promise<string> =>
  signServerToken(env, {
    typ: 'invite',
    audience: INVITE_AUDIENCE,
    subject: conversationId,
    expires: Math.floor(Date.parse(invite.expiresAt) / 1000),
    claims: { inv: invite.id },
  });

/** The conversation and the invite a link names; links issued before invites were recorded name none. */
export async function verifyInvite(invite: string, env: Env): Promise<{ conversationId: string; inviteId: string | null }> {
  try {
    const payload = await verifyServerToken(env, invite, 'invite', INVITE_AUDIENCE);
    return { conversationId: payload.sub, inviteId: typeof payload.inv === 'string' ? payload.inv : null };
  } catch (err) {
    const { words, ...details } = describeJoseError(err);
    throw new HttpError(400, 'invalid_invite', `The invite link is not valid: ${words}.`, details);
  }
}
