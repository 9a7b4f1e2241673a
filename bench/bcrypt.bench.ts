/**
 * bcrypt cost-10 hash time: gatehouse against native `bcrypt` (OpenBSD's C code), `@node-rs/bcrypt`
 * (Rust) and `bcryptjs` (pure JS), side by side in one process, interleaved round by round so that
 * machine noise hits every contender alike. Prints the median per hash and ratios to native.
 *
 *   npm run bench:bcrypt (this, then event-loop.bench.ts)
 *   node --import tsx bench/bcrypt.bench.ts [--cost 10 --rounds 15]
 */
import { hash as rsHashAsync, hashSync as rsHashSync } from '@node-rs/bcrypt';
import nativeBcrypt from 'bcrypt';
import bcryptjs from 'bcryptjs';
import { utf8 } from '../src/passwords/encodings.js';
import { bcryptCore, bcryptDigest } from '../src/passwords/kdf/bcrypt.js';
import { bcrypt } from '../src/passwords/schemes/bcrypt.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const cost = option('cost', 10);
const rounds = option('rounds', 15);
const password = 'correct horse battery staple';
const salt = nativeBcrypt.genSaltSync(cost); // one salt for all, so the outputs can be compared

const key = utf8(password + '\0');
const saltBytes = crypto.getRandomValues(new Uint8Array(16));
const ours = { ...bcrypt.defaults, rounds: cost, maxRounds: Math.max(cost, bcrypt.defaults.maxRounds) };

const OURS = `gatehouse bcrypt.hash (${await bcryptCore()} core)`;
const OURS_TS = 'gatehouse, TypeScript core forced';

type Contender = { name: string; run: () => unknown };
const contenders: Contender[] = [
  { name: 'native bcrypt hashSync', run: () => nativeBcrypt.hashSync(password, salt) },
  { name: 'native bcrypt hash (threadpool)', run: () => nativeBcrypt.hash(password, salt) },
  { name: '@node-rs/bcrypt hashSync', run: () => rsHashSync(password, cost) },
  { name: '@node-rs/bcrypt hash (threadpool)', run: () => rsHashAsync(password, cost) },
  { name: 'bcryptjs hashSync', run: () => bcryptjs.hashSync(password, salt) },
  { name: 'bcryptjs hash (async)', run: () => bcryptjs.hash(password, salt) },
  { name: OURS, run: () => bcrypt.hash!(utf8(password), ours) },
  { name: OURS_TS, run: () => bcryptDigest(key, saltBytes, cost, { core: 'js' }) },
];

async function time(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
};

// Same answer from every implementation first: a benchmark of wrong code is worthless.
const reference = nativeBcrypt.hashSync(password, salt);
if (bcryptjs.hashSync(password, salt) !== reference) throw new Error('bcryptjs disagrees with native bcrypt');
const oursHash = await bcrypt.hash!(utf8(password), ours);
if (!(await bcrypt.verify(utf8(password), reference, ours)) || !nativeBcrypt.compareSync(password, oursHash)) {
  throw new Error('gatehouse disagrees with native bcrypt');
}

for (const c of contenders) await time(c.run); // warm up (JIT, thread pool)
const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const c of contenders) samples.get(c.name)!.push(await time(c.run));
}

const nativeMs = median(samples.get('native bcrypt hashSync')!);
console.log(`bcrypt cost ${cost}, ${rounds} rounds, node ${process.version}, median ms per hash`);
console.log('contender'.padEnd(36) + 'ms'.padStart(9) + '  x native');
for (const c of contenders) {
  const ms = median(samples.get(c.name)!);
  console.log(c.name.padEnd(36) + ms.toFixed(1).padStart(9) + (ms / nativeMs).toFixed(3).padStart(10));
}
const oursMs = median(samples.get(OURS)!);
const tsMs = median(samples.get(OURS_TS)!);
const jsMs = median(samples.get('bcryptjs hash (async)')!);
console.log(`\ngatehouse (${await bcryptCore()} core) / native bcrypt: ${(oursMs / nativeMs).toFixed(3)}x (target <= 1.25x)`);
console.log(`gatehouse (TypeScript core) / native bcrypt: ${(tsMs / nativeMs).toFixed(3)}x`);
console.log(`gatehouse / bcryptjs async: ${(oursMs / jsMs).toFixed(3)}x`);
