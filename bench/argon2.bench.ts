/**
 * argon2 verify time and event-loop stalls: gatehouse against @node-rs/argon2 (Rust, native,
 * on the libuv pool) and hash-wasm (WebAssembly), side by side in one process, interleaved round
 * by round so that the machine's noise hits every contender alike. Two hashes: FastAPI's tutorial
 * (pwdlib's argon2id m=65536, t=3, p=4) and OWASP's argon2id (m=19456, t=2, p=1).
 * gatehouse runs three ways: through the hashing pool (the default on Node), on the main thread
 * in ~5 ms slices (pool off), and the scalar WebAssembly build. Targets: the tutorial hash at most
 * 3x @node-rs/argon2, OWASP at most 2x, the longest stall during a verify at most 10 ms.
 *
 *   npm run bench:argon2      node --import tsx bench/argon2.bench.ts [--rounds 7]
 */
import { verify as rsVerify } from '@node-rs/argon2';
import { argon2Verify as hashWasmVerify } from 'hash-wasm';
import { utf8 } from '../src/passwords/encodings.js';
import { argon2Derive, type Argon2Params } from '../src/passwords/kdf/argon2.js';
import { parseArgon2, argon2 } from '../src/passwords/schemes/argon2.js';
import { configureHashingPool, warmHashingPool } from '../src/passwords/pool/hashing-pool.js';
import { measureStalls, median, option } from './stalls.js';

const rounds = option('rounds', 7);
const PASSWORD = 'secret';
const HASHES = {
  'FastAPI tutorial (m=65536,t=3,p=4)': '$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc',
  'OWASP (m=19456,t=2,p=1)': '',
};
// The OWASP hash is made here (by @node-rs/argon2, so the peer's own format is what we read).
const { hash: rsHash } = await import('@node-rs/argon2');
HASHES['OWASP (m=19456,t=2,p=1)'] = await rsHash(PASSWORD, { memoryCost: 19456, timeCost: 2, parallelism: 1 });

const settings = argon2.defaults;
const pw = utf8(PASSWORD);

function params(hash: string): { salt: Uint8Array; p: Argon2Params } {
  const h = parseArgon2(hash);
  return { salt: h.salt, p: { type: h.type, version: h.version, m: h.m, t: h.t, p: h.p, dkLen: h.hash.length } };
}

type Contender = { name: string; run: (hash: string) => Promise<unknown>; pool?: boolean };
const contenders: Contender[] = [
  { name: '@node-rs/argon2 verify (native)', run: (hash) => rsVerify(hash, PASSWORD) },
  { name: 'hash-wasm argon2Verify', run: (hash) => hashWasmVerify({ password: PASSWORD, hash }) },
  { name: 'gatehouse verify, hashing pool', run: (hash) => argon2.verify(pw, hash, settings), pool: true },
  { name: 'gatehouse verify, main thread (SIMD)', run: (hash) => argon2.verify(pw, hash, settings), pool: false },
  {
    name: 'gatehouse, main thread, scalar build',
    run: (hash) => argon2Derive(pw, params(hash).salt, params(hash).p, { path: 'wasm-scalar' }),
    pool: false,
  },
];

async function usePool(on: boolean | undefined): Promise<void> {
  if (on === undefined) return;
  configureHashingPool(on ? {} : false);
  // Turning the pool back on starts new workers; warm resolves with the first one ready. Let the
  // others finish booting too, or their start-up competes with the measured verify for the 2 cores
  // (a server's pool is started once). Turning it off ends the workers: let them go first.
  if (on) await warmHashingPool();
  await new Promise((resolve) => setTimeout(resolve, 500));
}

// Same answers first: a benchmark of wrong code is worthless.
for (const hash of Object.values(HASHES)) {
  for (const c of contenders) {
    await usePool(c.pool);
    const ok = await c.run(hash);
    if (ok !== true && !(ok instanceof Uint8Array)) throw new Error(`${c.name} does not verify ${hash}`);
  }
}

console.log(`argon2 verify, node ${process.version}, ${rounds} interleaved rounds; median ms, longest event-loop stall ms`);
for (const [label, hash] of Object.entries(HASHES)) {
  const samples = new Map(contenders.map((c) => [c.name, { ms: [] as number[], stall: [] as number[] }]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      await usePool(c.pool);
      const s = await measureStalls(() => c.run(hash));
      samples.get(c.name)!.ms.push(s.totalMs);
      samples.get(c.name)!.stall.push(s.gapMs);
    }
  }
  const idle = await measureStalls(() => new Promise((resolve) => setTimeout(resolve, 200)));
  const native = median(samples.get(contenders[0]!.name)!.ms);
  console.log(`\n${label}`);
  console.log('contender'.padEnd(40) + 'ms'.padStart(8) + 'x native'.padStart(10) + 'stall med'.padStart(11) + 'stall max'.padStart(11));
  for (const c of contenders) {
    const { ms, stall } = samples.get(c.name)!;
    const m = median(ms);
    console.log(
      c.name.padEnd(40) + m.toFixed(1).padStart(8) + (m / native).toFixed(2).padStart(10) +
        median(stall).toFixed(1).padStart(11) + Math.max(...stall).toFixed(1).padStart(11),
    );
  }
  console.log(`idle loop over 200 ms (noise floor): longest gap ${idle.gapMs.toFixed(1)} ms`);
}
configureHashingPool(false);
