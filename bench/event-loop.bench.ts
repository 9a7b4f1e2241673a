/**
 * How long a bcrypt cost-12 hash holds up the event loop: the longest gap between two turns of
 * a setImmediate loop (and perf_hooks' monitorEventLoopDelay max) while the hash runs. Gaps also
 * count time the OS gave other processes: the idle row shows that floor (run on a quiet machine).
 * gatehouse (WebAssembly core, and the TypeScript core forced) against bcryptjs's async hash and
 * native bcrypt's thread-pool hash, in one process. Target for gatehouse: at most 20 ms.
 *
 *   node --import tsx bench/event-loop.bench.ts [--cost 12 --runs 5]
 */
import nativeBcrypt from 'bcrypt';
import bcryptjs from 'bcryptjs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { utf8 } from '../src/passwords/encodings.js';
import { bcryptCore, bcryptDigest } from '../src/passwords/kdf/bcrypt.js';
import { bcrypt } from '../src/passwords/schemes/bcrypt.js';
import { measureStalls } from './stalls.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const cost = option('cost', 12);
const runs = option('runs', 5);
const password = 'correct horse battery staple';
const salt = nativeBcrypt.genSaltSync(cost);
const settings = { ...bcrypt.defaults, rounds: cost, maxRounds: Math.max(cost, bcrypt.defaults.maxRounds) };

interface Stalls {
  /** Longest gap between two setImmediate turns, ms. */
  gapMs: number;
  /** monitorEventLoopDelay's maximum, ms (1 ms resolution). */
  delayMs: number;
  totalMs: number;
}

async function measure(work: () => Promise<unknown>): Promise<Stalls> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const { gapMs, totalMs } = await measureStalls(work);
  histogram.disable();
  return { gapMs, delayMs: histogram.max / 1e6, totalMs };
}

const contenders: Array<{ name: string; run: () => Promise<unknown> }> = [
  { name: `gatehouse bcrypt.hash (${await bcryptCore()} core)`, run: () => bcrypt.hash!(utf8(password), settings) },
  {
    name: 'gatehouse, TypeScript core forced',
    run: () => bcryptDigest(utf8(password + '\0'), crypto.getRandomValues(new Uint8Array(16)), cost, { core: 'js' }),
  },
  { name: 'bcryptjs hash (async)', run: () => bcryptjs.hash(password, salt) },
  { name: 'native bcrypt hash (thread pool)', run: () => nativeBcrypt.hash(password, salt) },
  // the floor: what the OS and the machine's other load cost an idle loop over the same time
  { name: 'idle loop (no hash), 400 ms', run: () => new Promise((resolve) => setTimeout(resolve, 400)) },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

console.log(`event-loop stalls during one bcrypt cost-${cost} hash, node ${process.version}, ${runs} warm runs each`);
console.log('(gap: longest time between two setImmediate turns; delay: monitorEventLoopDelay max; ms)');
console.log(
  'contender'.padEnd(36) +
    'cold gap'.padStart(10) +
    'gap med'.padStart(10) +
    'gap max'.padStart(10) +
    'delay max'.padStart(11) +
    'hash ms'.padStart(10),
);
const results = new Map<string, { typical: number; worst: number }>();
for (const c of contenders) {
  const cold = await measure(c.run); // first run: includes JIT / WebAssembly tier-up
  const warm: Stalls[] = [];
  for (let i = 0; i < runs; i++) warm.push(await measure(c.run));
  const gaps = warm.map((s) => s.gapMs);
  const typical = median(gaps);
  const worst = Math.max(cold.gapMs, ...gaps);
  results.set(c.name, { typical, worst });
  console.log(
    c.name.padEnd(36) +
      cold.gapMs.toFixed(1).padStart(10) +
      typical.toFixed(1).padStart(10) +
      Math.max(...gaps).toFixed(1).padStart(10) +
      Math.max(...warm.map((s) => s.delayMs)).toFixed(1).padStart(11) +
      median(warm.map((s) => s.totalMs)).toFixed(0).padStart(10),
  );
}
const ours = results.get(contenders[0]!.name)!;
const theirs = results.get('bcryptjs hash (async)')!;
const idle = results.get(contenders[contenders.length - 1]!.name)!;
console.log(
  `\nstall per hash (median of runs / worst incl. cold), gatehouse: ${ours.typical.toFixed(1)} / ${ours.worst.toFixed(1)} ms ` +
    `(target <= 20 ms); bcryptjs: ${theirs.typical.toFixed(1)} / ${theirs.worst.toFixed(1)} ms; ` +
    `idle loop (noise floor): ${idle.typical.toFixed(1)} / ${idle.worst.toFixed(1)} ms`,
);
console.log(`bcryptjs stall / gatehouse stall (medians): ${(theirs.typical / ours.typical).toFixed(1)}x`);
