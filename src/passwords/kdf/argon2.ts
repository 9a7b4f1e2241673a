/**
 * Argon2 (RFC 9106): argon2d, argon2i, argon2id, versions 0x10 and 0x13, with secret and
 * associated data. One function, several paths that give the same bytes (tested):
 *   0. @node-rs/argon2 on the libuv pool (Node, where that optional peer is installed), for the
 *      parameters it takes (no associated data, at most 255 lanes, at most 1 GiB);
 *   1. a hashing-pool worker (Node, Deno, Bun) running 3 there;
 *   2. node:crypto's argon2 (Node >= 24.7, OpenSSL on the libuv pool), version 0x13, where the
 *      pool is off;
 *   3. the WebAssembly core (SIMD128 or scalar build), on this thread in ~5 ms slices;
 *   4. @noble/hashes, where WebAssembly cannot be compiled at run time (Workers, strict CSP).
 * `argon2Matches` may also use Bun.password, which verifies PHC strings natively.
 * The caller bounds the parameters (the scheme's caps); this module only refuses what RFC 9106 forbids.
 */
import { argon2dAsync, argon2iAsync, argon2idAsync } from '@noble/hashes/argon2.js';
import { bunPassword } from '../../platform/bun.js';
import { runOnHashingPool } from '../pool/hashing-pool.js';
import { hashingPlatform } from '../../platform/runtime.js';
import { nodeRsArgon2Derivations } from '../../platform/node-rs-argon2.js';
import { B64_STANDARD, constantTimeEqual, encodeBase64 } from '../encodings.js';
import { ARGON2_WASM_MAX_KIB, argon2Wasm, type Argon2Job, type Argon2WasmBuild } from './argon2-core.js';
import { isInteger } from '../../internal/assert.js';

export type Argon2Variant = 'argon2d' | 'argon2i' | 'argon2id';

export interface Argon2Params {
  type: Argon2Variant;
  /** 0x13 (19, current) or 0x10 (16, argon2 1.0). */
  version: 0x10 | 0x13;
  /** Memory in KiB, at least 8 * p. */
  m: number;
  /** Passes, at least 1. */
  t: number;
  /** Lanes, 1..2^24-1. */
  p: number;
  /** Tag length in bytes, 4..1024. */
  dkLen: number;
  /** The secret value K (RFC 9106), optional. */
  secret?: Uint8Array;
  /** The associated data X, optional. */
  ad?: Uint8Array;
}

/** Which implementation computed a tag; `auto` picks the fastest this runtime has. */
export type Argon2Path = 'auto' | 'node-rs' | 'node' | 'wasm-simd' | 'wasm-scalar' | 'noble';

export interface Argon2Options {
  /** Force a path (tests, benchmarks). Default 'auto'. */
  path?: Argon2Path;
  /** Inside a hashing-pool worker: no pool, no yields. */
  inWorker?: boolean;
}

const TYPE_CODES = { argon2d: 0, argon2i: 1, argon2id: 2 } as const;
const NOBLE = { argon2d: argon2dAsync, argon2i: argon2iAsync, argon2id: argon2idAsync } as const;
const EMPTY = new Uint8Array(0);
const MAX_INPUT_BYTES = 0xffffffff;

/** RFC 9106 section 3.1's bounds (the tag capped at 1024 bytes, the PHC limit), as RangeError/TypeError. */
function check(password: Uint8Array, salt: Uint8Array, params: Argon2Params): Argon2Job {
  const { type, version, m, t, p, dkLen } = params;
  const secret = params.secret ?? EMPTY;
  const ad = params.ad ?? EMPTY;
  for (const [what, bytes] of [['password', password], ['salt', salt], ['secret', secret], ['ad', ad]] as const) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`argon2: ${what} must be a Uint8Array`);
    if (bytes.length > MAX_INPUT_BYTES) throw new RangeError(`argon2: ${what} is too long`);
  }
  if (!(type in TYPE_CODES)) throw new RangeError('argon2: type must be argon2d, argon2i or argon2id');
  if (version !== 0x10 && version !== 0x13) throw new RangeError('argon2: version must be 0x10 or 0x13');
  if (salt.length < 8) throw new RangeError('argon2: salt must be at least 8 bytes');
  if (!isInteger(p, 1, 0xffffff)) throw new RangeError('argon2: p must be in 1..2^24-1');
  if (!isInteger(m, 8 * p, 0xffffffff)) throw new RangeError('argon2: m must be in 8p..2^32-1');
  if (!isInteger(t, 1, 0xffffffff)) throw new RangeError('argon2: t must be in 1..2^32-1');
  if (!isInteger(dkLen, 4, 1024)) throw new RangeError('argon2: dkLen must be in 4..1024');
  return { typeCode: TYPE_CODES[type], version, m, t, p, dkLen, password, salt, secret, ad };
}

function jobParams(job: Argon2Job, type: Argon2Variant) {
  return { type, version: job.version, m: job.m, t: job.t, p: job.p, dkLen: job.dkLen, secret: job.secret, ad: job.ad };
}

function viaNode(job: Argon2Job, type: Argon2Variant): Promise<Uint8Array> | null {
  const { argon2 } = hashingPlatform();
  if (!argon2 || job.version !== 0x13) return null; // node:crypto computes version 0x13 only
  return new Promise((resolve, reject) => {
    const parameters = { message: job.password, nonce: job.salt, parallelism: job.p, tagLength: job.dkLen, memory: job.m, passes: job.t };
    const extras = { ...(job.secret.length ? { secret: job.secret } : {}), ...(job.ad.length ? { associatedData: job.ad } : {}) };
    argon2(type, { ...parameters, ...extras }, (error, derived) => {
      if (error) reject(error);
      else resolve(new Uint8Array(derived.buffer, derived.byteOffset, derived.byteLength).slice());
    });
  });
}

function viaNoble(job: Argon2Job, type: Argon2Variant): Promise<Uint8Array> {
  return NOBLE[type](job.password, job.salt, {
    m: job.m,
    t: job.t,
    p: job.p,
    version: job.version,
    dkLen: job.dkLen,
    ...(job.secret.length ? { key: job.secret } : {}),
    ...(job.ad.length ? { personalization: job.ad } : {}),
    maxmem: job.m * 1024 + 64 * 1024, // what these parameters need, plus a little
    asyncTick: 5,
  });
}

/** This thread's portable paths: the WebAssembly core, else @noble/hashes. */
async function local(job: Argon2Job, type: Argon2Variant, yielding: boolean): Promise<Uint8Array> {
  if (job.m <= ARGON2_WASM_MAX_KIB) {
    const tag = await argon2Wasm(job, { yielding });
    if (tag) return tag;
  }
  return viaNoble(job, type);
}

/**
 * Derive an Argon2 tag.
 * @example
 *   const tag = await argon2Derive(utf8('secret'), salt, { type: 'argon2id', version: 0x13, m: 19456, t: 2, p: 1, dkLen: 32 });
 */
export async function argon2Derive(
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2Params,
  options: Argon2Options = {},
): Promise<Uint8Array> {
  const job = check(password, salt, params);
  const type = params.type;
  const path = options.path ?? 'auto';
  if (path === 'noble') return viaNoble(job, type);
  if (path === 'wasm-simd' || path === 'wasm-scalar') {
    const build: Argon2WasmBuild = path === 'wasm-simd' ? 'simd' : 'scalar';
    return (await argon2Wasm(job, { build, yielding: !options.inWorker }))!;
  }
  if (path === 'node-rs') {
    const native = hashingPlatform().nativeArgon2(job);
    if (!native) throw new Error('@node-rs/argon2 is not available here, or does not take these parameters');
    return native;
  }
  if (path === 'node') {
    const native = viaNode(job, type);
    if (!native) throw new Error('node:crypto argon2 (Node >= 24.7, version 0x13) is not available here');
    return native;
  }
  if (!options.inWorker) {
    // @node-rs/argon2 before the pool: native code (about 1.5x the WebAssembly core's speed here)
    // on libuv's threads, within the libuv slots. A fault there is answered by the paths below.
    const nodeRs = hashingPlatform().nativeArgon2(job);
    if (nodeRs) return nodeRs.catch(() => local(job, type, true));
    // The pool before node:crypto: OpenSSL's argon2 took 1.4-1.7x the CPU of the WebAssembly core
    // per FastAPI hash here (Node 24.22), so a busy server logs fewer users in with it.
    const pooled = runOnHashingPool<Uint8Array>('argon2', [password, salt, jobParams(job, type)]);
    if (pooled) return pooled;
    const native = viaNode(job, type);
    if (native) return native; // off this thread, where there is no pool
  }
  return local(job, type, !options.inWorker);
}

/**
 * True when the tag of `password` under these parameters equals `expected`, compared in constant
 * time. On Bun (version 0x13, no secret or associated data) Bun.password verifies the PHC string
 * natively; elsewhere this is argon2Derive and a comparison.
 */
export async function argon2Matches(
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2Params,
  expected: Uint8Array,
): Promise<boolean> {
  const job = check(password, salt, { ...params, dkLen: expected.length });
  const bun = bunPassword();
  if (bun && job.version === 0x13 && !job.secret.length && !job.ad.length && !hashingPlatform().argon2) {
    const phc =
      `$${params.type}$v=19$m=${job.m},t=${job.t},p=${job.p}$` +
      `${encodeBase64(salt, B64_STANDARD)}$${encodeBase64(expected, B64_STANDARD)}`;
    return (await bun.verify(password, phc)) === true;
  }
  return constantTimeEqual(await argon2Derive(password, salt, { ...params, dkLen: expected.length }), expected);
}

/**
 * What `argon2NativeStatus()` reports.
 *
 * @example
 * const { available, derivations }: Argon2NativeStatus = argon2NativeStatus();
 */
export interface Argon2NativeStatus {
  /** True where @node-rs/argon2 is installed and loads (Node): argon2 hashes and verifies run on it. */
  available: boolean;
  /** Derivations (hashes and verifies) @node-rs/argon2 has answered in this thread so far. */
  derivations: number;
}

/**
 * Whether argon2 runs natively here (the optional peer @node-rs/argon2, Node only), and how many
 * derivations it has answered: a check for deployments (`derivations` grows with each argon2 login).
 * Parameters it does not take (associated data, more than 255 lanes, more than 1 GiB) and other
 * runtimes use the WebAssembly core, with the same bytes.
 *
 * @example
 * import { argon2NativeStatus } from 'gatehouse/passwords';
 * console.log(argon2NativeStatus()); // { available: true, derivations: 0 } with @node-rs/argon2 installed
 */
export function argon2NativeStatus(): Argon2NativeStatus {
  return { available: hashingPlatform().hasNativeArgon2(), derivations: nodeRsArgon2Derivations() };
}
