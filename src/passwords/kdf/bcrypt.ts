/**
 * bcrypt's key derivation (EksBlowfishSetup, then 64 encryptions of "OrpheanBeholderScryDoubt"),
 * asynchronous: the 2^cost key-schedule rounds run in slices of a few milliseconds with a yield
 * to the event loop between them, so a cost-12 hash never holds up other requests for long.
 *
 * The rounds run in WebAssembly (wasm/eksblowfish.c, ~1.05x native bcrypt's time on V8) where the
 * runtime lets us compile it, else in TypeScript (blowfish.ts, ~1.2-1.3x): Cloudflare Workers and pages
 * whose CSP lacks 'wasm-unsafe-eval' refuse to compile WebAssembly from bytes at run time.
 */
import { runOnHashingPool } from '../pool/hashing-pool.js';
import { yieldToEventLoop } from '../../platform/runtime.js';
import { monotonicNow } from '../../internal/clock.js';
import { B64_STANDARD, decodeBase64 } from '../encodings.js';
import { EKSBLOWFISH_WASM_BASE64 } from './bcrypt-wasm.js';
import { cycleWords, expandKey, expandZero, newState, orpheanDigest, STATE_WORDS } from './blowfish.js';

/** bcrypt's log2 cost bounds (OpenBSD: 4..31). */
export const BCRYPT_MIN_COST = 4;
export const BCRYPT_MAX_COST = 31;

/** Which implementation runs the expensive rounds. */
export type BcryptCore = 'wasm' | 'js';

/** Work per slice: stop and yield once this much time has passed (checked after every round). */
const SLICE_MS = 6;
/**
 * Rounds per slice whatever the clock says: runtimes that freeze the clock during synchronous
 * work (Cloudflare Workers) still yield every ~10 ms (a round takes ~70-90 us on a server core).
 */
const MAX_ROUNDS_PER_SLICE = 128;


// ---- WebAssembly core ----

interface WasmExports {
  memory: WebAssembly.Memory;
  /** Address of the state block: S (1024 words), P (18), key words (18), salt words (18). */
  state(): number;
  /** Run `count` rounds of ExpandKey(key) + ExpandKey(salt) on the state block. */
  rounds(count: number): void;
}

const WASM_P = 1024;
const WASM_KEY = STATE_WORDS;
const WASM_SALT = STATE_WORDS + 18;
const WASM_WORDS = STATE_WORDS + 36;

let wasmLoad: Promise<WasmExports | null> | undefined;

/** Compile and instantiate the WebAssembly core once; null where the runtime refuses. */
function loadWasm(): Promise<WasmExports | null> {
  wasmLoad ??= (async () => {
    const wasm = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
    if (typeof wasm?.instantiate !== 'function') return null;
    try {
      const bytes = decodeBase64(EKSBLOWFISH_WASM_BASE64, B64_STANDARD, 'require')!;
      const { instance } = await wasm.instantiate(bytes as Uint8Array<ArrayBuffer>);
      const exports = instance.exports as unknown as WasmExports;
      if (!(exports.memory instanceof wasm.Memory) || typeof exports.rounds !== 'function') return null;
      return exports;
    } catch {
      return null; // "Wasm code generation disallowed by embedder" and the like
    }
  })();
  return wasmLoad;
}

/** The core that bcryptDigest uses on this runtime. */
export async function bcryptCore(): Promise<BcryptCore> {
  return (await loadWasm()) ? 'wasm' : 'js';
}

/** For tests: forget the WebAssembly probe so that the next hash probes again. */
export function resetBcryptCoreForTesting(): void {
  wasmLoad = undefined;
}

// ---- slices ----

/** Up to `budget` rounds, stopping once SLICE_MS have passed since `start`. Returns rounds done. */
type Slice = (
  P: Int32Array,
  S: Int32Array,
  keyWords: Int32Array,
  saltWords: Int32Array,
  budget: number,
  start: number,
) => number;

const jsSlice: Slice = (P, S, keyWords, saltWords, budget, start) => {
  let done = 0;
  do {
    expandZero(P, S, keyWords);
    expandZero(P, S, saltWords);
    done++;
  } while (done < budget && monotonicNow() - start < SLICE_MS);
  return done;
};

/** The same in WebAssembly: the state is copied in and out (the instance is shared by all hashes). */
function wasmSlice(wasm: WasmExports): Slice {
  return (P, S, keyWords, saltWords, budget, start) => {
    const memory = new Int32Array(wasm.memory.buffer, wasm.state(), WASM_WORDS);
    memory.set(S, 0);
    memory.set(P, WASM_P);
    memory.set(keyWords, WASM_KEY);
    memory.set(saltWords, WASM_SALT);
    let done = 0;
    do {
      wasm.rounds(1);
      done++;
    } while (done < budget && monotonicNow() - start < SLICE_MS);
    S.set(memory.subarray(0, WASM_P));
    P.set(memory.subarray(WASM_P, STATE_WORDS));
    memory.fill(0);
    return done;
  };
}

/**
 * The 24 output bytes of bcrypt (a hash string shows the first 23).
 * @param key the key stream: password bytes as the caller wants them read (normally the password,
 *   NUL-terminated, at most 72 bytes), cycled to fill 72 bytes; at least one byte
 * @param salt 16 bytes
 * @param cost log2 of the number of key-schedule rounds, 4..31
 * @param options.core force a core on this thread (tests, benchmarks); default: a hashing-pool
 *   worker where there is one, else WebAssembly where available, else TypeScript
 * @param options.inWorker set by the hashing-pool worker: compute here
 */
export async function bcryptDigest(
  key: Uint8Array,
  salt: Uint8Array,
  cost: number,
  options: { core?: BcryptCore; inWorker?: boolean } = {},
): Promise<Uint8Array> {
  if (!(key instanceof Uint8Array) || key.length === 0) throw new TypeError('bcrypt key must be a non-empty Uint8Array');
  if (!(salt instanceof Uint8Array) || salt.length !== 16) throw new TypeError('bcrypt salt must be 16 bytes');
  if (!Number.isInteger(cost) || cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
    throw new RangeError(`bcrypt cost must be an integer in ${BCRYPT_MIN_COST}..${BCRYPT_MAX_COST}`);
  }
  if (!options.core && !options.inWorker) {
    const pooled = runOnHashingPool<Uint8Array>('bcrypt', [key, salt, cost]);
    if (pooled) return pooled;
  }
  const wasm = options.core === 'js' ? null : await loadWasm();
  if (options.core === 'wasm' && !wasm) throw new Error('the WebAssembly bcrypt core is not available here');
  const slice = wasm ? wasmSlice(wasm) : jsSlice;

  // Start on a fresh turn, so that whatever synchronous work led here and the first slice do not add up.
  await yieldToEventLoop();

  const keyWords = cycleWords(key);
  const saltWords = cycleWords(salt);
  const state = newState();
  const { P, S } = state;
  try {
    let sliceStart = monotonicNow(); // the setup counts towards the first slice
    expandKey(state, keyWords, saltWords);
    let remaining = 2 ** cost;
    while (remaining > 0) {
      remaining -= slice(P, S, keyWords, saltWords, Math.min(remaining, MAX_ROUNDS_PER_SLICE), sliceStart);
      await yieldToEventLoop(); // after the last slice too: the output step is a slice of its own
      sliceStart = monotonicNow();
    }
    return orpheanDigest(state);
  } finally {
    P.fill(0);
    S.fill(0);
    keyWords.fill(0);
  }
}
