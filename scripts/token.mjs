// Prints a development JWT for a demo agent: `npm run token -- alice [hours]`.
import { agentToken } from './dev-env.mjs';

const agents = { alice: 'alice@doorbell.example', bob: 'bob@doorbell.example', carol: 'carol@doorbell.example' };
const [who = '', hours = '12'] = process.argv.slice(2);
const email = who.includes('@') ? who : agents[who];
if (!email) {
  console.error(`usage: npm run token -- <${Object.keys(agents).join('|')}|email> [hours]`);
  process.exit(2);
}
console.log(await agentToken(email, `${Number(hours)}h`));
