// Reads the development secrets: .dev.vars when present, else .dev.vars.example.
import { existsSync, readFileSync } from 'node:fs';

export function devVars() {
  const file = existsSync('.dev.vars') ? '.dev.vars' : '.dev.vars.example';
  const vars = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return vars;
}

export function wranglerVars() {
  const toml = readFileSync('wrangler.toml', 'utf8');
  const get = (name) => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(toml)?.[1] ?? '';
  return { issuer: get('AGENT_JWT_ISSUER'), audience: get('AGENT_JWT_AUDIENCE') };
}
