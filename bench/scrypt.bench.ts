/**
 * scrypt and PBKDF2 key derivation: gatehouse vs its peers, side by side in one run.
 *   npx tsx bench/scrypt.bench.ts            (or: npm run bench:scrypt)
 * Candidates are interleaved round by round (so drift in CPU clock or load hits all alike) and
 * the median and best times of single operations are reported. One operation at a time: latency.
 */
import { pbkdf2 as nodePbkdf2, scrypt as nodeScrypt } from 'node:crypto';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { pbkdf2 } from '../src/passwords/kdf/pbkdf2.js';
import { scryptKdf } from '../src/passwords/kdf/scrypt.js';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const password = new TextEncoder().encode('correct horse battery staple');
const salt = new TextEncoder().encode('0123456789abcdef');

interface Candidate {
  name: string;
  /** Operations per round (fewer for slow candidates). */
  ops: number;
  run: () => Promise<unknown>;
}

/** Median and best single-operation times: the best is the least disturbed by other load. */
interface Stats {
  median: number;
  min: number;
}

async function measure(candidates: Candidate[]): Promise<Map<string, Stats>> {
  for (const c of candidates) await c.run(); // warm-up: JIT, thread pool, allocator
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first, and time each operation alone: the median then shrugs off the
    // load spikes of a shared machine instead of smearing them over a block.
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[(round + k) % candidates.length]!;
      for (let i = 0; i < c.ops; i++) {
        const start = performance.now();
        await c.run();
        samples.get(c.name)!.push(performance.now() - start);
      }
    }
  }
  const stats = new Map<string, Stats>();
  for (const [name, times] of samples) {
    times.sort((a, b) => a - b);
    stats.set(name, { median: times[Math.floor(times.length / 2)]!, min: times[0]! });
  }
  return stats;
}

function report(title: string, stats: Map<string, Stats>, baseline: string): void {
  const base = stats.get(baseline)!;
  console.log(`\n${title}`);
  console.log(`  ${''.padEnd(34)} ${'median'.padStart(9)}            ${'min'.padStart(9)}`);
  for (const [name, { median, min }] of stats) {
    const ratios = `${(median / base.median).toFixed(3)}x   ${min.toFixed(2).padStart(9)} ms/op   ${(min / base.min).toFixed(3)}x`;
    console.log(`  ${name.padEnd(34)} ${median.toFixed(2).padStart(9)} ms/op   ${ratios}${name === baseline ? '   (baseline)' : ''}`);
  }
}

const N = 2 ** 15;
const r = 8;
const p = 1;
const dkLen = 32;
const maxmem = 64 * 1024 * 1024;

const scryptResults = await measure([
  {
    name: 'node:crypto scrypt (direct)',
    ops: 3,
    run: () =>
      new Promise((resolve, reject) =>
        nodeScrypt(password, salt, dkLen, { N, r, p, maxmem }, (e, key) => (e ? reject(e) : resolve(key))),
      ),
  },
  { name: 'gatehouse scryptKdf', ops: 3, run: () => scryptKdf(password, salt, { N, r, p, dkLen }) },
  { name: '@noble/hashes scryptAsync', ops: 1, run: () => scryptAsync(password, salt, { N, r, p, dkLen, maxmem }) },
]);
report(`scrypt N=2^15 r=8 p=1 dkLen=32 (Node ${process.version}, single ops, ${ROUNDS} rounds)`, scryptResults, 'node:crypto scrypt (direct)');
const gatehouseVsNode = scryptResults.get('gatehouse scryptKdf')!.median / scryptResults.get('node:crypto scrypt (direct)')!.median;
const nobleVsGatehouse = scryptResults.get('@noble/hashes scryptAsync')!.median / scryptResults.get('gatehouse scryptKdf')!.median;
console.log(`  => medians: gatehouse / node:crypto = ${gatehouseVsNode.toFixed(3)}x (target <= 1.05x); @noble/hashes / gatehouse = ${nobleVsGatehouse.toFixed(2)}x`);

const iterations = 600_000;
const pbkdf2Results = await measure([
  {
    name: 'node:crypto pbkdf2 (direct)',
    ops: 2,
    run: () =>
      new Promise((resolve, reject) =>
        nodePbkdf2(password, salt, iterations, 32, 'sha256', (e, key) => (e ? reject(e) : resolve(key))),
      ),
  },
  { name: 'gatehouse pbkdf2 (Web Crypto)', ops: 2, run: () => pbkdf2('SHA-256', password, salt, iterations, 32) },
]);
report(`PBKDF2-HMAC-SHA256 600,000 iterations, dkLen=32 (single ops, ${ROUNDS} rounds)`, pbkdf2Results, 'node:crypto pbkdf2 (direct)');
