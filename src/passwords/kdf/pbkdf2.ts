/**
 * PBKDF2-HMAC (RFC 8018): on a hashing-pool worker (Node, Deno, Bun), else through the platform
 * (Web Crypto, which every supported runtime has and which runs on libuv's thread pool on Node,
 * all but one of its threads at most). The pool first for the reason kdf/scrypt.ts gives.
 * The arguments are checked here.
 */
import { isInteger } from '../../internal/assert.js';
import { runOnHashingPool } from '../pool/hashing-pool.js';
import type { Pbkdf2Hash } from '../../platform/platform.js';
import { hashingPlatform } from '../../platform/runtime.js';

/** The HMAC digest of PBKDF2, by its Web Crypto name. */
export type Pbkdf2Digest = Pbkdf2Hash;

const DIGESTS: ReadonlySet<string> = new Set<Pbkdf2Digest>(['SHA-1', 'SHA-256', 'SHA-512']);
// Far above any real hash's output; keeps a bad argument from asking for gigabytes.
const MAX_DK_LEN = 1024 * 1024;

/** Derive `dkLen` bytes with PBKDF2-HMAC-`digest`. Throws RangeError for invalid arguments. */
export async function pbkdf2(
  digest: Pbkdf2Digest,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  dkLen: number,
): Promise<Uint8Array> {
  if (!DIGESTS.has(digest)) throw new RangeError('pbkdf2: digest must be SHA-1, SHA-256 or SHA-512');
  if (!isInteger(iterations, 1, 0xffffffff)) {
    throw new RangeError('pbkdf2: iterations must be an integer in [1, 2^32)');
  }
  if (!isInteger(dkLen, 1, MAX_DK_LEN)) {
    throw new RangeError('pbkdf2: dkLen out of range');
  }
  return (
    runOnHashingPool<Uint8Array>('pbkdf2', [digest, password, salt, iterations, dkLen]) ??
    hashingPlatform().pbkdf2(digest, password, salt, iterations, dkLen)
  );
}
