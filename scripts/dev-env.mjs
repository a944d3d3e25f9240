// The development environment of this checkout, for the scripts, the Node-side tests and the
// benchmarks: the secrets in .dev.vars (made from .dev.vars.example), the JWT settings in
// wrangler.toml, and development agent tokens signed with them. Paths are the project's, not
// the working directory's.
import { appendFileSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { SignJWT } from 'jose';

const root = new URL('..', import.meta.url).pathname;
const parse = (file) =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line))
      .filter(Boolean)
      .map((m) => [m[1], m[2].replace(/^"(.*)"$/, '$1')]),
  );

/**
 * Makes .dev.vars from the example when it is missing, and adds to an existing one the
 * names the example gained since (a checkout made before REPLY_SECRET existed would
 * otherwise fail every email reply; one made before ENVIRONMENT moved here would run as
 * production). Values already there are never changed.
 */
export function ensureDevVars(log = () => {}) {
  const file = `${root}.dev.vars`;
  const example = `${root}.dev.vars.example`;
  if (!existsSync(file)) {
    copyFileSync(example, file);
    log('created .dev.vars from .dev.vars.example (development secrets)');
    return;
  }
  const have = parse(file);
  const missing = Object.entries(parse(example)).filter(([name]) => !(name in have));
  if (missing.length === 0) return;
  appendFileSync(file, `\n# added from .dev.vars.example\n${missing.map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  log(`added ${missing.map(([k]) => k).join(', ')} to .dev.vars from .dev.vars.example`);
}

/**
 * The vars that make a run development rather than production (wrangler.toml holds the
 * production values), as the example sets them: for the tests and benchmarks, which must not
 * depend on what a developer changed in their own .dev.vars.
 */
export function developmentVars() {
  const { ENVIRONMENT, EMAIL_TRANSPORT, PUBLIC_BASE_URL } = parse(`${root}.dev.vars.example`);
  return { ENVIRONMENT, EMAIL_TRANSPORT, PUBLIC_BASE_URL };
}

/**
 * The origin `npm start` puts in every link it makes (emails, invites, meeting pages, the
 * console): a PUBLIC_BASE_URL of the developer's own in .dev.vars (a tunnel, a LAN name) wins;
 * the example's value, which only names the default port, follows the port served instead.
 */
export function devBaseUrl(port, vars = devVars()) {
  const own = vars.PUBLIC_BASE_URL;
  return own && own !== developmentVars().PUBLIC_BASE_URL ? own : `http://127.0.0.1:${port}`;
}

/** The development secrets: .dev.vars when present, else the example. */
export function devVars() {
  return parse(existsSync(`${root}.dev.vars`) ? `${root}.dev.vars` : `${root}.dev.vars.example`);
}

export function wranglerVars() {
  const toml = readFileSync(`${root}wrangler.toml`, 'utf8');
  const get = (name) => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(toml)?.[1] ?? '';
  return { issuer: get('AGENT_JWT_ISSUER'), audience: get('AGENT_JWT_AUDIENCE') };
}

/** A development agent JWT (HS256 with AGENT_JWT_SECRET), as an identity provider would issue. */
export function agentToken(email, expiresIn = '1h') {
  const { issuer, audience } = wranglerVars();
  return new SignJWT({ email })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(email)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(devVars().AGENT_JWT_SECRET));
}
