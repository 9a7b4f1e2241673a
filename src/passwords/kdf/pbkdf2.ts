/**
 * PBKDF2-HMAC (RFC 8018) through Web Crypto, which every supported runtime has and which runs
 * off the main thread on Node.
 */
import { isInteger } from '../../internal/assert.js';

/** The HMAC digest of PBKDF2, by its Web Crypto name. */
export type Pbkdf2Digest = 'SHA-1' | 'SHA-256' | 'SHA-512';

const DIGESTS: ReadonlySet<string> = new Set<Pbkdf2Digest>(['SHA-1', 'SHA-256', 'SHA-512']);
// Far above any real hash's output; keeps a bad argument from asking for gigabytes.
const MAX_DK_LEN = 1024 * 1024;
// An HMAC key shorter than the hash's block is zero-padded to the block (RFC 2104), so the empty
// password and a single NUL byte are the same key. Some Web Crypto builds refuse to import an
// empty PBKDF2 key; the one-byte form is accepted everywhere and derives identical bits.
const EMPTY_PASSWORD_KEY = new Uint8Array(1);

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
  const subtle = globalThis.crypto.subtle;
  const keyBytes = password.length === 0 ? EMPTY_PASSWORD_KEY : password;
  const key = await subtle.importKey('raw', asBufferSource(keyBytes), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'PBKDF2', hash: digest, salt: asBufferSource(salt), iterations },
    key,
    dkLen * 8,
  );
  return new Uint8Array(bits);
}

// TypeScript's DOM types want an ArrayBuffer-backed view; a SharedArrayBuffer-backed one is
// copied (Web Crypto refuses shared memory), any other is passed as is.
function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
