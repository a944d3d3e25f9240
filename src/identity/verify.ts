// User tokens of identified visitors (docs/widget.md "Identified visitors"): a site whose
// visitors are logged in signs a short-lived JWT naming its user, and Doorbell trusts the
// name and email in it only once the signature, the algorithm, the audience and the times
// all check out. Each algorithm has exactly one key: HS256 only the service's secret, the
// JWKS algorithm only the organisation's key set, so no token can pass with the other's key.
import { decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { DisplayName, Email } from '../directory/schemas';
import type { Env } from '../env';
import { CLOCK_SKEW_SECONDS, describeJoseError, remoteKeySet, type TokenProblem } from '../http/auth';
import { HttpError } from '../http/errors';
import { enumeratedVar, misconfigured } from '../vars';

/** A user token may live at most this long (`exp` − `iat`), as Intercom's identity JWTs. */
export const IDENTITY_MAX_LIFETIME_SECONDS = 3600;
/** Longer strings are refused before any parsing. */
export const IDENTITY_TOKEN_MAX_LENGTH = 4096;
/** A `sub` longer than this is refused: it is an id, not a document. */
export const EXTERNAL_ID_MAX_LENGTH = 255;
// Printable ASCII covers the ids sites use (numbers, UUIDs, `auth0|…`, emails) and is safe to show agents as is.
const EXTERNAL_ID = new RegExp(`^[\\x21-\\x7e]{1,${EXTERNAL_ID_MAX_LENGTH}}$`);

/** What a verified token says about the user. */
export interface IdentityClaims {
  sub: string;
  name: string | null;
  email: string | null;
}

/** The keys a service's user tokens may be signed with; at least one is set. */
export interface IdentityKeys {
  /** The service's HS256 secret (admin API). */
  secret: Uint8Array | null;
  /** The organisation's key set (IDENTITY_JWKS_URL), its one algorithm and its `iss`. */
  jwks: { keys: JWTVerifyGetKey; algorithm: string; issuer: string } | null;
}

const refused = (problem: TokenProblem): HttpError => {
  const { words, ...details } = problem;
  return problem.reason === 'expired'
    ? new HttpError(401, 'identity_expired', 'The user token has expired: sign a fresh one for each page.', details)
    : new HttpError(401, 'identity_invalid', `The user token is not valid: ${words}.`, details);
};

const badClaim = (claim: string, words: string): HttpError => refused({ reason: 'claim', claim, words });

/**
 * The checks jose does not make, on the payload of a token whose signature, algorithm,
 * audience, issuer, `exp` and `nbf` already verified: `sub` a non-empty id, `iat` not in the
 * future, a lifetime of at most an hour, and a name and email that are what the directory
 * takes. Pure: `now` is seconds since the epoch.
 */
export function checkIdentityClaims(payload: JWTPayload, now: number): IdentityClaims {
  const { sub, iat, exp, name, email } = payload;
  if (typeof sub !== 'string' || !EXTERNAL_ID.test(sub)) {
    throw badClaim('sub', `its "sub" claim must be the user's id: 1 to ${EXTERNAL_ID_MAX_LENGTH} printable ASCII characters without spaces`);
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw badClaim('iat', 'its "iat" claim is missing');
  if (iat > now + CLOCK_SKEW_SECONDS) throw badClaim('iat', 'its "iat" claim is in the future');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw badClaim('exp', 'its "exp" claim is missing');
  if (exp - iat > IDENTITY_MAX_LIFETIME_SECONDS) throw badClaim('exp', `its "exp" is more than ${IDENTITY_MAX_LIFETIME_SECONDS} seconds after its "iat"`);
  const parsedName = name === undefined || name === null ? null : DisplayName.safeParse(name);
  if (parsedName && !parsedName.success) throw badClaim('name', 'its "name" claim must be a name of 1 to 120 characters');
  const parsedEmail = email === undefined || email === null ? null : Email.safeParse(email);
  if (parsedEmail && !parsedEmail.success) throw badClaim('email', 'its "email" claim must be an email address');
  return { sub, name: parsedName?.data ?? null, email: parsedEmail?.data ?? null };
}

/** Verifies a user token for the service `audience` (its slug) with the keys the service has. */
export async function verifyIdentityToken(token: string, keys: IdentityKeys, audience: string, now = Math.floor(Date.now() / 1000)): Promise<IdentityClaims & { via: 'secret' | 'jwks' }> {
  if (token.length > IDENTITY_TOKEN_MAX_LENGTH) throw refused({ reason: 'malformed', words: `it is longer than ${IDENTITY_TOKEN_MAX_LENGTH} characters` });
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw refused({ reason: 'malformed', words: 'it is not a well-formed signed JWT' });
  }
  const via = alg === 'HS256' ? 'secret' : 'jwks';
  const options = { audience, clockTolerance: CLOCK_SKEW_SECONDS, currentDate: new Date(now * 1000), requiredClaims: ['sub', 'exp', 'iat'] };
  try {
    let payload: JWTPayload;
    if (via === 'secret') {
      if (!keys.secret) throw refused({ reason: 'algorithm', words: 'it is HS256 and this service has no identity secret' });
      ({ payload } = await jwtVerify(token, keys.secret, { ...options, algorithms: ['HS256'] }));
    } else {
      if (!keys.jwks) throw refused({ reason: 'algorithm', words: 'only HS256 with the service’s identity secret is accepted' });
      ({ payload } = await jwtVerify(token, keys.jwks.keys, { ...options, algorithms: [keys.jwks.algorithm], issuer: keys.jwks.issuer }));
    }
    return { ...checkIdentityClaims(payload, now), via };
  } catch (err) {
    throw err instanceof HttpError ? err : refused(describeJoseError(err));
  }
}

/** The organisation's key set, when IDENTITY_JWKS_URL is set; a half-done configuration is the server's fault (503). */
export function organisationKeys(env: Env): IdentityKeys['jwks'] {
  if (!env.IDENTITY_JWKS_URL) return null;
  const algorithm = enumeratedVar(env, 'IDENTITY_JWT_ALGORITHM');
  if (!algorithm) throw new HttpError(503, 'auth_not_configured', misconfigured('IDENTITY_JWT_ALGORITHM', env.IDENTITY_JWT_ALGORITHM));
  if (!env.IDENTITY_ISSUER) throw new HttpError(503, 'auth_not_configured', 'IDENTITY_JWKS_URL is set but IDENTITY_ISSUER is empty: set the `iss` your user tokens carry.');
  return { keys: remoteKeySet(env.IDENTITY_JWKS_URL), algorithm, issuer: env.IDENTITY_ISSUER };
}
