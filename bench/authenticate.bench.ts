/**
 * authenticateUser timing: an unknown username must cost what a wrong password costs, or login
 * timing tells which usernames exist. Measured for a bcrypt cost-10 context and a scrypt ln=14
 * context. Cases run interleaved, their order rotating each round, so that load hits all alike. The
 * ratio is the median of per-round ratios (each round's unknown-user time over the same round's
 * wrong-password time), which cancels drift in machine load; target between 0.9 and 1.1. The ratio
 * of the fastest times (the least disturbed runs) is printed beside it.
 *
 *   npm run bench:auth [-- --rounds 21]
 */
import { CryptContext } from '../src/passwords/index.js';
import { MemoryUserStore, authenticateUser } from '../src/users.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const ROUNDS = option('rounds', 21);

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
for (const [name, context] of contexts) {
  const store = new MemoryUserStore({
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
