#!/usr/bin/env node
// Checks that README.md and docs/*.md stand on their own: every relative link (and image)
// names a file inside the repository, every #anchor names a heading (or an explicit
// <a id>) of the page it points to, and no page sends the reader to a document a clone does
// not have (the team's SPEC). Exits 1 with one line per problem.
//
// Code paths written in backticks (`src/calendar/actor.ts`) are checked too, but only as
// warnings: the docs name files of the layout being refactored, and a stale path misleads
// less than a broken link. Build outputs (git-ignored, such as static/widget.js) count as
// present. `--strict` makes the warnings errors.
//
// Usage: node scripts/check-docs.mjs [--strict] [file.md …]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const strict = args.includes('--strict');
const named = args.filter((a) => !a.startsWith('--'));
const pages = named.length > 0
  ? named.map((f) => resolve(f))
  : [join(root, 'README.md'), ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(root, 'docs', f))];

/** The page's lines without fenced code blocks and (unless keepCode) inline code, line numbers kept. */
function prose(text, keepCode = false) {
  let fenced = null;
  return text.split('\n').map((line) => {
    const fence = /^\s*(```+|~~~+)/.exec(line);
    if (fence) {
      if (fenced === null) fenced = fence[1][0];
      else if (fence[1][0] === fenced) fenced = null;
      return '';
    }
    if (fenced !== null) return '';
    return keepCode ? line : line.replace(/(`+)[^`]*?\1/g, (code) => ' '.repeat(code.length));
  });
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(file) {
  const anchors = new Set();
  const seen = new Map();
  for (const line of prose(readFileSync(file, 'utf8'), true)) {
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/`/g, '')
      .replace(/[*_~]{2,}|(?<![\p{L}\p{N}])[*_]|[*_](?![\p{L}\p{N}])/gu, '');
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

// The backticked text of the page (prose() blanks it out), for the code-path warnings.
const codeSpans = (text) => [...text.replace(/^\s*(```+|~~~+)[\s\S]*?^\s*\1/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);

/** A build output: git ignores it, so a clean clone has it after the build. */
function ignored(path) {
  try {
    execFileSync('git', ['check-ignore', '-q', path], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const errors = [];
const warnings = [];
const anchorCache = new Map();
const anchors = (file) => {
  if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(file));
  return anchorCache.get(file);
};

for (const page of pages) {
  const shown = relative(root, page);
  const text = readFileSync(page, 'utf8');
  prose(text).forEach((line, index) => {
    const where = `${shown}:${index + 1}`;
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...line.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((m) => m[1]),
      ...[...line.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // http:, mailto:, …
      const [path, fragment] = target.split('#', 2);
      const file = path === '' ? page : resolve(dirname(page), decodeURIComponent(path));
      if (file !== root && !file.startsWith(root + sep)) {
        errors.push(`${where}: ${target} points outside the repository`);
        continue;
      }
      if (!existsSync(file)) {
        errors.push(`${where}: ${target}: no such file`);
        continue;
      }
      if (fragment !== undefined) {
        if (statSync(file).isDirectory() || !file.endsWith('.md')) errors.push(`${where}: ${target}: an anchor into something that is not a page`);
        else if (!anchors(file).has(fragment)) errors.push(`${where}: ${target}: ${relative(root, file)} has no heading #${fragment}`);
      }
    }
    if (/\bSPEC\b|shared\/SPEC/.test(line)) errors.push(`${where}: names the SPEC, which a clone does not have; link to docs/rules.md instead`);
  });
  for (const span of codeSpans(text)) {
    const path = /^(?:src|static|test|scripts|migrations|bench|docs|\.ci)\/[\w./-]*$/.test(span) ? span : null;
    if (path && !existsSync(join(root, path)) && !ignored(path)) warnings.push(`${shown}: \`${path}\` does not exist`);
  }
}

for (const w of new Set(warnings)) console.log(`${strict ? 'error' : 'warning'}: ${w}`);
for (const e of errors) console.log(`error: ${e}`);
const failed = errors.length + (strict ? new Set(warnings).size : 0);
console.log(`docs: ${pages.length} pages checked, ${errors.length} broken links or references, ${new Set(warnings).size} code paths not found`);
process.exit(failed > 0 ? 1 : 0);
