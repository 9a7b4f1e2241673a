/**
 * PBKDF2-HMAC (RFC 8018) through the platform (Web Crypto, which every supported runtime has and
 * which runs off the main thread on Node). The arguments are checked here.
 */
import type { Pbkdf2Hash } from '../../platform/platform.js';
import { hashingPlatform } from '../../platform/runtime.js';

export type { Pbkdf2Hash };

const HASHES: ReadonlySet<string> = new Set<Pbkdf2Hash>(['SHA-1', 'SHA-256', 'SHA-512']);
// Far above any real hash's output; keeps a bad argument from asking for gigabytes.
const MAX_DK_LEN = 1024 * 1024;

/** Derive `dkLen` bytes with PBKDF2-HMAC-`hash`. Throws RangeError for invalid arguments. */
export async function pbkdf2(
  hash: Pbkdf2Hash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  dkLen: number,
): Promise<Uint8Array> {
  if (!HASHES.has(hash)) throw new RangeError('pbkdf2: hash must be SHA-1, SHA-256 or SHA-512');
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 0xffffffff) {
    throw new RangeError('pbkdf2: iterations must be an integer in [1, 2^32)');
  }
  if (!Number.isSafeInteger(dkLen) || dkLen < 1 || dkLen > MAX_DK_LEN) {
    throw new RangeError('pbkdf2: dkLen out of range');
  }
  return hashingPlatform().pbkdf2(hash, password, salt, iterations, dkLen);
}
