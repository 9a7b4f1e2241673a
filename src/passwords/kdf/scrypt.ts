/**
 * scrypt (RFC 7914): on a hashing-pool worker (Node, Deno, Bun: OpenSSL's, on the worker's own
 * thread), else through the platform: node:crypto's async scrypt (on libuv's thread pool, all but
 * one of its threads at most) or @noble/hashes' scryptAsync, which yields to the event loop between
 * slices of work. All give the same bytes; the parameters are checked here.
 * The pool before libuv: libuv's few threads also serve the app's fs, dns and zlib, and a scrypt
 * holds one for as long as it runs; the pool's workers do nothing else.
 */
import { isInteger } from '../../internal/assert.js';
import { runOnHashingPool } from '../pool/hashing-pool.js';
import type { ScryptJob } from '../../platform/platform.js';
import { hashingPlatform } from '../../platform/runtime.js';
import { scryptParamsProblem } from './scrypt-params.js';

export interface ScryptParams {
  /** CPU/memory cost: a power of two, 2 <= N < 2^(16 r). */
  N: number;
  /** Block size (memory per lane is 128 * N * r bytes). */
  r: number;
  /** Parallelism; r * p < 2^30. */
  p: number;
  /** Output length in bytes. */
  dkLen: number;
  /**
   * Refuse (RangeError, before any work) when the derivation needs more than this many bytes.
   * Default: whatever N, r and p need (callers bound the parameters themselves).
   */
  maxmem?: number;
}

/** Bytes both implementations allocate: the V table (128 r N) plus the B and scratch blocks. */
function scryptMemoryBytes(N: number, r: number, p: number): number {
  return 128 * r * (N + p + 2);
}

// Headroom over the exact requirement: OpenSSL and noble account for a block or two differently.
const MAXMEM_MARGIN = 64 * 1024;
// No JS engine allocates more than this in one typed array; refuse early with a clear error.
const MAX_DK_LEN = 2 ** 30;

/** RFC 7914's constraints, checked here so both implementations refuse the same inputs. */
function checkParams({ N, r, p, dkLen, maxmem }: ScryptParams): number {
  const problem = scryptParamsProblem(N, r, p);
  if (problem) throw new RangeError(`scrypt: ${problem}`);
  if (!isInteger(dkLen, 1, MAX_DK_LEN)) throw new RangeError('scrypt: dkLen out of range');
  const needed = scryptMemoryBytes(N, r, p);
  if (maxmem !== undefined && !(needed <= maxmem)) {
    throw new RangeError('scrypt: parameters need more memory than maxmem allows');
  }
  return needed;
}

/** Derive `dkLen` bytes with scrypt. Throws RangeError for parameters RFC 7914 forbids. */
export async function scryptKdf(password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const needed = checkParams(params);
  const { N, r, p, dkLen } = params;
  const job: ScryptJob = { N, r, p, dkLen, maxmem: needed + MAXMEM_MARGIN };
  return runOnHashingPool<Uint8Array>('scrypt', [password, salt, job]) ?? hashingPlatform().scrypt(password, salt, job);
}
