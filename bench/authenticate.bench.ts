/**
 * authenticateUser timing: an unknown username must cost what a wrong password costs, or login
 * timing tells which usernames exist. Measured for a bcrypt cost-10 context and a scrypt ln=14
 * context. Cases run interleaved, their order rotating each round, so that load hits all alike. The
 * ratio is the median of per-round ratios (each round's unknown-user time over the same round's
 * wrong-password time), which cancels drift in machine load; target between 0.9 and 1.1. The ratio
 * of the fastest times (the least disturbed runs) is printed beside it.
 *
 * Then every scheme of the default context (scrypt ln=17 the default; issue 7, part 5): a wrong
 * password on a user with a hash of that scheme (made with the context's settings, or a vector from
 * test/fixtures/hashes-all-systems.json for the verify-only legacy schemes) against an unknown user, per-round
 * ratio wrong/unknown, target 0.9-1.1. Hashes cheaper than the default are padded (hardenRuntime);
 * costlier ones cannot be, and are marked so.
 *
 *   npm run bench:auth [-- --rounds 21 --default-rounds 5 --only contexts|default]
 */
import { readFileSync } from 'node:fs';
import { getDefaultContext } from '../src/passwords/index.js';
import { CryptContext } from '../src/passwords/registry.js';
import { lookupScheme } from '../src/passwords/registry.js';
import { authenticateUser, createMemoryUserStore } from '../src/users/index.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const ROUNDS = option('rounds', 21);
const DEFAULT_ROUNDS = option('default-rounds', 5);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const contexts: Array<[string, CryptContext]> = [
  ['bcrypt cost 10', new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 10 } } })],
  ['scrypt ln=14, r=8, p=1', new CryptContext({ schemes: ['scrypt'], settings: { scrypt: { ln: 14, r: 8, p: 1 } } })],
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

console.log(`node ${process.version}, ${ROUNDS} rounds, median ms per call`);
console.log(`${'context'.padEnd(26)}${'unknown user'.padStart(14)}${'no hash'.padStart(10)}${'wrong pw'.padStart(10)}${'right pw'.padStart(10)}${'unknown/wrong'.padStart(15)}${'best/best'.padStart(11)}`);
const verdicts: string[] = [];
for (const [name, context] of only === 'default' ? [] : contexts) {
  const store = createMemoryUserStore({
    alice: { username: 'alice', hashed_password: await context.hash('correct horse battery staple') },
    nohash: { username: 'nohash', hashed_password: null },
  });
  const cases = {
    unknown: () => authenticateUser(store, 'mallory', 'correct horse battery staple', { context }),
    nohash: () => authenticateUser(store, 'nohash', 'correct horse battery staple', { context }),
    wrong: () => authenticateUser(store, 'alice', 'correct horse battery stapler', { context }),
    right: () => authenticateUser(store, 'alice', 'correct horse battery staple', { context }),
  };
  // Sanity first, which also warms up (and creates the context's dummy hash).
  if ((await cases.unknown()) !== null || (await cases.wrong()) !== null || (await cases.nohash()) !== null) {
    throw new Error('a bad login succeeded');
  }
  if ((await cases.right())?.username !== 'alice') throw new Error('the good login failed');
  const samples = { unknown: [] as number[], nohash: [] as number[], wrong: [] as number[], right: [] as number[] };
  const order = Object.keys(cases) as Array<keyof typeof cases>;
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round, so no case always runs first (after a pause, a GC, ...).
    for (let i = 0; i < order.length; i++) {
      const key = order[(round + i) % order.length]!;
      samples[key].push(await time(cases[key]));
    }
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof cases, number>;
  const ratio = median(samples.unknown.map((t, i) => t / samples.wrong[i]!));
  const best = Math.min(...samples.unknown) / Math.min(...samples.wrong);
  console.log(
    `${name.padEnd(26)}${m.unknown.toFixed(1).padStart(14)}${m.nohash.toFixed(1).padStart(10)}${m.wrong.toFixed(1).padStart(10)}${m.right.toFixed(1).padStart(10)}${ratio.toFixed(3).padStart(15)}${best.toFixed(3).padStart(11)}`,
  );
  verdicts.push(`${ratio >= 0.9 && ratio <= 1.1 ? 'met ' : 'MISS'}  ${name}: unknown/wrong = ${ratio.toFixed(3)} (target 0.9-1.1)`);
}
console.log(`\ntargets\n${verdicts.join('\n')}`);

// ---- every scheme of the default context ----

if (only !== 'contexts') {
  const context = getDefaultContext();
  const PASSWORD = 'secret';
  const vectorsPath = new URL('../test/fixtures/hashes-all-systems.json', import.meta.url);
  const vectors: Array<{ password: string; hash: string }> = JSON.parse(readFileSync(vectorsPath, 'utf8')).vectors;
  const users: Record<string, { username: string; hashed_password: string }> = {};
  const passwords: Record<string, string> = {};
  const skipped: string[] = [];
  for (const scheme of context.schemes) {
    let hash: string | undefined;
    let password = PASSWORD;
    if (typeof lookupScheme(scheme)?.hash === 'function') hash = await context.hash(PASSWORD, { scheme });
    else {
      const vector = vectors.find((v) => context.identify(v.hash) === scheme);
      if (vector) ({ hash, password } = vector);
    }
    if (hash === undefined) skipped.push(scheme);
    else {
      users[scheme] = { username: scheme, hashed_password: hash };
      passwords[scheme] = password;
    }
  }
  const store = createMemoryUserStore(users);
  for (const scheme of Object.keys(users)) {
    // Sanity and warm-up: the right password works, a wrong one does not.
    if ((await authenticateUser(store, scheme, passwords[scheme]!, { context }))?.username !== scheme) throw new Error(`${scheme}: login failed`);
  }
  await authenticateUser(store, 'nobody', 'x', { context }); // measures the dummy verify
  console.log(`\ndefault context (default ${context.defaultScheme}), ${DEFAULT_ROUNDS} rounds, median ms per call`);
  console.log(`${'scheme'.padEnd(24)}${'unknown user'.padStart(14)}${'wrong pw'.padStart(10)}${'wrong/unknown'.padStart(15)}${'bare verify'.padStart(13)}`);
  const rows: string[] = [];
  for (const scheme of Object.keys(users)) {
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let round = 0; round < DEFAULT_ROUNDS; round++) {
      const pair = [
        async () => unknown.push(await time(() => authenticateUser(store, `ghost-${round}`, passwords[scheme]!, { context }))),
        async () => wrong.push(await time(() => authenticateUser(store, scheme, `${passwords[scheme]}x`, { context }))),
      ];
      if (round % 2) pair.reverse();
      for (const run of pair) await run();
    }
    const bareTimes: number[] = [];
    for (let i = 0; i < 3; i++) bareTimes.push(await time(() => context.verify(`${passwords[scheme]}x`, users[scheme]!.hashed_password)));
    const bare = median(bareTimes);
    const ratio = median(wrong.map((t, i) => t / unknown[i]!));
    console.log(`${scheme.padEnd(24)}${median(unknown).toFixed(1).padStart(14)}${median(wrong).toFixed(1).padStart(10)}${ratio.toFixed(3).padStart(15)}${bare.toFixed(1).padStart(13)}`);
    const costlier = bare > median(unknown) * 1.1;
    rows.push(
      `${ratio >= 0.9 && ratio <= 1.1 ? 'met ' : costlier ? 'COST' : 'MISS'}  ${scheme}: wrong/unknown = ${ratio.toFixed(3)}${costlier ? ' (its hash costs more than the default: not padded)' : ''}`,
    );
  }
  console.log(`\ntargets (default context)\n${rows.join('\n')}`);
  if (skipped.length) console.log(`skipped (no hash to test with): ${skipped.join(', ')}`);
}
