import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { checkIdentityClaims, verifyIdentityToken, type IdentityKeys } from '../../src/identity/verify';

const NOW = 1_800_000_000;
const SECRET = 'a-service-identity-secret-0123456789abcdef';
const secretKeys: IdentityKeys = { secret: new TextEncoder().encode(SECRET), jwks: null };

const sign = (claims: JWTPayload, key: Uint8Array | CryptoKey = secretKeys.secret!, alg = 'HS256') =>
  new SignJWT(claims).setProtectedHeader({ alg, kid: 'k1' }).sign(key);

const good = (over: JWTPayload = {}): JWTPayload => ({ sub: 'user-42', name: 'Ann Lee', email: 'Ann@Example.com', aud: 'sales', iat: NOW - 10, exp: NOW + 600, ...over });

async function refusal(token: string, keys = secretKeys, audience = 'sales') {
  const err = await verifyIdentityToken(token, keys, audience, NOW).then(
    () => null,
    (e) => e,
  );
  expect(err, 'the token was accepted').not.toBeNull();
  return { status: err.status, code: err.code, reason: err.details?.reason, claim: err.details?.claim };
}

describe('user token claims', () => {
  it('a good token gives the user: sub, name, email (lowercased)', async () => {
    expect(await verifyIdentityToken(await sign(good()), secretKeys, 'sales', NOW)).toEqual({ sub: 'user-42', name: 'Ann Lee', email: 'ann@example.com', via: 'secret' });
    expect(checkIdentityClaims({ sub: 'u1', iat: NOW, exp: NOW + 3600 }, NOW)).toEqual({ sub: 'u1', name: null, email: null });
  });

  it('refuses an expired token as identity_expired, within a 30 s skew only', async () => {
    expect(await refusal(await sign(good({ iat: NOW - 700, exp: NOW - 31 })))).toEqual({ status: 401, code: 'identity_expired', reason: 'expired', claim: undefined });
    expect((await verifyIdentityToken(await sign(good({ iat: NOW - 700, exp: NOW - 20 })), secretKeys, 'sales', NOW)).sub).toBe('user-42');
  });

  it('refuses a token not yet valid (nbf) and one issued in the future', async () => {
    expect(await refusal(await sign(good({ nbf: NOW + 120 })))).toMatchObject({ code: 'identity_invalid', reason: 'claim', claim: 'nbf' });
    expect(await refusal(await sign(good({ iat: NOW + 120, exp: NOW + 600 })))).toMatchObject({ code: 'identity_invalid', reason: 'claim', claim: 'iat' });
  });

  it('refuses a missing or unusable sub, a missing iat or exp', async () => {
    for (const sub of [undefined, '', 'has space', 'x'.repeat(256), 'line\nbreak']) {
      expect(await refusal(await sign(good({ sub })))).toMatchObject({ code: 'identity_invalid', claim: 'sub' });
    }
    expect(await refusal(await sign(good({ iat: undefined })))).toMatchObject({ code: 'identity_invalid', claim: 'iat' });
    expect(await refusal(await sign(good({ exp: undefined })))).toMatchObject({ code: 'identity_invalid', claim: 'exp' });
  });

  it('refuses an exp more than an hour after iat', async () => {
    expect(await refusal(await sign(good({ iat: NOW, exp: NOW + 3601 })))).toMatchObject({ code: 'identity_invalid', reason: 'claim', claim: 'exp' });
  });

  it('refuses a token for another service (aud) and a token without aud', async () => {
    expect(await refusal(await sign(good({ aud: 'support' })))).toMatchObject({ code: 'identity_invalid', claim: 'aud' });
    expect(await refusal(await sign(good({ aud: undefined })))).toMatchObject({ code: 'identity_invalid', claim: 'aud' });
  });

  it('refuses a name or email the directory would not take', async () => {
    expect(await refusal(await sign(good({ name: 'x'.repeat(121) })))).toMatchObject({ claim: 'name' });
    expect(await refusal(await sign(good({ name: 'Ann\u202eLee' })))).toMatchObject({ claim: 'name' });
    expect(await refusal(await sign(good({ email: 'not-an-address' })))).toMatchObject({ claim: 'email' });
  });

  it('refuses a wrong signature, alg none and garbage', async () => {
    expect(await refusal(await sign(good(), new TextEncoder().encode('another-secret-of-another-service-0000')))).toMatchObject({ code: 'identity_invalid', reason: 'signature' });
    expect(await refusal(new UnsecuredJWT(good()).encode())).toMatchObject({ code: 'identity_invalid', reason: 'algorithm' });
    expect(await refusal('not.a.jwt')).toMatchObject({ code: 'identity_invalid', reason: 'malformed' });
    expect(await refusal('x'.repeat(5000))).toMatchObject({ code: 'identity_invalid', reason: 'malformed' });
  });
});

describe('user tokens signed with the organisation keys (JWKS)', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks: IdentityKeys['jwks'] = { keys: createLocalJWKSet({ keys: [jwk] }), algorithm: 'RS256', issuer: 'https://login.shop.example' };

  it('accepts the pinned algorithm with the issuer, and says it came through the JWKS', async () => {
    const token = await sign(good({ iss: 'https://login.shop.example' }), privateKey, 'RS256');
    expect(await verifyIdentityToken(token, { secret: null, jwks }, 'sales', NOW)).toMatchObject({ sub: 'user-42', via: 'jwks' });
    expect(await refusal(await sign(good({ iss: 'https://evil.example' }), privateKey, 'RS256'), { secret: null, jwks })).toMatchObject({ claim: 'iss' });
  });

  it('refuses an HS256 token when only the JWKS is configured, whatever it was signed with', async () => {
    // The RS/HS confusion: an HMAC over the token with the public key's bytes as the secret.
    const publicBytes = new TextEncoder().encode(JSON.stringify(jwk));
    const confused = await sign(good({ iss: 'https://login.shop.example' }), publicBytes);
    expect(await refusal(confused, { secret: null, jwks })).toMatchObject({ code: 'identity_invalid', reason: 'algorithm' });
  });

  it('refuses an RS256 token when only the service secret is configured, and another algorithm than the pinned one', async () => {
    expect(await refusal(await sign(good({ iss: 'https://login.shop.example' }), privateKey, 'RS256'))).toMatchObject({ reason: 'algorithm' });
    const other = await generateKeyPair('ES256');
    const es256 = await sign(good({ iss: 'https://login.shop.example' }), other.privateKey, 'ES256');
    expect(await refusal(es256, { secret: null, jwks })).toMatchObject({ reason: 'algorithm' });
  });
});
