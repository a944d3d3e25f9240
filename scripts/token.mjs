// Prints a development JWT for a demo agent: `npm run token -- alice [hours]`.
import { SignJWT } from 'jose';
import { devVars, wranglerVars } from './dev-env.mjs';

const agents = { alice: 'alice@doorbell.example', bob: 'bob@doorbell.example', carol: 'carol@doorbell.example' };
const [who = '', hours = '12'] = process.argv.slice(2);
const email = who.includes('@') ? who : agents[who];
if (!email) {
  console.error(`usage: npm run token -- <${Object.keys(agents).join('|')}|email> [hours]`);
  process.exit(2);
}
const { AGENT_JWT_SECRET } = devVars();
const { issuer, audience } = wranglerVars();
const token = await new SignJWT({ email })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(email)
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime(`${Number(hours)}h`)
  .sign(new TextEncoder().encode(AGENT_JWT_SECRET));
console.log(token);
