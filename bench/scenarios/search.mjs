// 7. Search: GET /api/search over 100,000 messages in 1,000 conversations. The messages are
// written straight into the index's D1 tables (migrations/0008_search.sql: the rows the
// conversations' search jobs write, the FTS5 trigger indexing each), by one generated SQL
// statement through `wrangler d1 execute --local` while the server is stopped; then 200
// queries of the kinds agents type (a common word, a rare one, two words, a 3-letter prefix)
// go through HTTP as an agent who is in some of the private conversations. And a message
// posted through the API, how long until it is found.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { root } from '../../test/support/dev-server.mjs';
import { doorbell, newGuest } from '../lib/doorbell.mjs';
import { log } from '../lib/progress.mjs';
import { summarize } from '../lib/stats.mjs';
import { work } from '../lib/servers.mjs';

const MESSAGES = 100_000;
const CONVERSATIONS = 1_000;
const WORDS_PER_MESSAGE = 12;
const VOCABULARY = 3_000;
const QUERIES = 200;

/** Pronounceable made-up words, the same every run (a small LCG, not Math.random). */
function vocabulary(size) {
  const consonants = 'bcdfghjklmnprstvz';
  const vowels = 'aeiou';
  // Park–Miller: the products stay below 2^53, so the sequence is exact in a double.
  let seed = 7;
  const next = (m) => ((seed = (seed * 48271) % 2147483647), seed % m);
  const words = new Set();
  while (words.size < size) {
    let w = '';
    for (let s = 0, syllables = 2 + next(3); s < syllables; s++) w += consonants[next(consonants.length)] + vowels[next(vowels.length)];
    words.add(w);
  }
  return [...words];
}

/**
 * One statement for all the messages: word k of a message is drawn with a skew toward the
 * start of the vocabulary (the product of two uniform draws), so some words are common and
 * most are rare, as in real text. Referencing n.i keeps each draw per row.
 */
function seedSql(words, agentId) {
  const pick = `(SELECT w FROM bench_words WHERE id = ((abs(random()) % ${VOCABULARY}) * (abs(random()) % ${VOCABULARY}) / ${VOCABULARY}) + 0 * n.i)`;
  const text = Array.from({ length: WORDS_PER_MESSAGE }, () => pick).join(" || ' ' || ");
  const base = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000);
  return `CREATE TABLE bench_words (id INTEGER PRIMARY KEY, w TEXT NOT NULL);
INSERT INTO bench_words (id, w) VALUES ${words.map((w, i) => `(${i}, '${w}')`).join(', ')};
INSERT INTO search_conversations (conversation_id, title, service_slug, visibility, indexed_seq)
  WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ${CONVERSATIONS - 1})
  SELECT printf('cv_bench%04d', i), printf('Guest %d', i), CASE i % 3 WHEN 0 THEN 'sales' WHEN 1 THEN 'support' ELSE 'billing' END,
         CASE WHEN i % 10 = 0 THEN 'private' ELSE 'public' END, ${MESSAGES / CONVERSATIONS} FROM c;
INSERT INTO search_participants (conversation_id, agent_id, agent_slug)
  WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 5 FROM c WHERE i < ${CONVERSATIONS - 5})
  SELECT printf('cv_bench%04d', i), '${agentId}', 'searcher' FROM c;
INSERT INTO search_entries (conversation_id, seq, author_kind, author_name, at, text)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${MESSAGES - 1})
  SELECT printf('cv_bench%04d', i % ${CONVERSATIONS}), i / ${CONVERSATIONS} + 2, CASE i % 2 WHEN 0 THEN 'guest' ELSE 'agent' END,
         CASE i % 2 WHEN 0 THEN 'Guest' ELSE 'Agent' END, strftime('%Y-%m-%dT%H:%M:%SZ', ${base} + i * 60, 'unixepoch'), ${text} FROM n;
DROP TABLE bench_words;`;
}

/** The queries, the same every run: a quarter of each kind. */
function queries(words) {
  return Array.from({ length: QUERIES }, (_, i) => {
    const common = words[i % 20];
    const rare = words[VOCABULARY - 1 - ((i * 7) % 500)];
    switch (i % 4) {
      case 0: return common;
      case 1: return rare;
      case 2: return `${words[(i * 3) % 100]} ${words[(i * 5) % 300]}`;
      default: return words[(i * 11) % 200].slice(0, 3);
    }
  });
}

export default {
  name: 'search',
  title: 'Search',
  // Seeding is one SQL statement of seconds: --quick measures the same 100,000 messages.
  sameWhenQuick: true,
  async run(ctx) {
    const server = await ctx.product();
    const api = doorbell(server);
    const searcher = await api.agent('searcher');
    const words = vocabulary(VOCABULARY);
    const file = `${work}/search-seed.sql`;
    writeFileSync(file, seedSql(words, searcher.id));
    log(`search: seeding ${MESSAGES.toLocaleString('en-US')} messages into D1 (server stopped meanwhile)`);
    await server.stop();
    const t0 = performance.now();
    const r = spawnSync(`${root}node_modules/.bin/wrangler`, ['d1', 'execute', 'DB', '--local', '--persist-to', server.state, '--file', file], {
      cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
    });
    if (r.status !== 0) throw new Error(`seeding failed:\n${r.stdout}\n${r.stderr}`);
    const seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
    await server.restart();

    const times = [];
    let found = 0;
    const list = queries(words);
    // A few unmeasured queries first: the first ones also pay for warming the isolate and SQLite's page cache.
    for (const q of list.slice(0, 5)) await api.call('GET', `/api/search?q=${encodeURIComponent(q)}`, { headers: searcher.headers });
    for (const q of list) {
      const t = performance.now();
      const res = await api.call('GET', `/api/search?q=${encodeURIComponent(q)}`, { headers: searcher.headers });
      times.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`search ${q}: ${res.status} ${JSON.stringify(res.body)}`);
      found += res.body.results.length;
    }

    // Through the whole path: a guest's message, then searching until it is found.
    const guest = await newGuest(api.call, 'Sam Search');
    const lag = [];
    let conversationId = null;
    for (let k = 0; k < 10; k++) {
      const marker = `zqx${words[k]}marker`;
      const body = { clientId: `s-${k}`, text: `Looking for ${marker} please` };
      const t = performance.now();
      const posted = conversationId
        ? await api.call('POST', `/api/conversations/${conversationId}/messages`, { headers: guest.headers, body })
        : await api.call('POST', '/api/conversations', { headers: guest.headers, body: { ...body, target: { kind: 'service', slug: 'sales' } } });
      if (posted.status !== 200 && posted.status !== 201) throw new Error(`post: ${posted.status} ${JSON.stringify(posted.body)}`);
      conversationId ??= posted.body.conversation.id;
      for (;;) {
        const res = await api.call('GET', `/api/search?q=${marker}`, { headers: searcher.headers });
        if (res.body?.results?.length) break;
        if (performance.now() - t > 30_000) throw new Error(`${marker} not searchable after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      lag.push(performance.now() - t);
    }
    return {
      params: { messages: MESSAGES, conversations: CONVERSATIONS, wordsPerMessage: WORDS_PER_MESSAGE, vocabulary: VOCABULARY, queries: QUERIES },
      figures: { query: summarize(times), meanResults: Math.round((found / QUERIES) * 10) / 10, seedSeconds, searchableAfter: summarize(lag) },
    };
  },
  print({ params, figures: f }) {
    return [
      `search over ${params.messages.toLocaleString('en-US')} messages: median ${f.query.p50} ms, p95 ${f.query.p95} ms, p99 ${f.query.p99} ms, max ${f.query.max} ms over ${params.queries} queries (${f.meanResults} results on average)`,
      `a new message is found after: median ${f.searchableAfter.p50} ms, max ${f.searchableAfter.max} ms; seeding took ${f.seedSeconds} s`,
    ];
  },
};
