/** The portable hashing platform: @noble/hashes digests and scrypt, Web Crypto PBKDF2. */
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { Digest, DigestName, HashingPlatform, Pbkdf2Hash } from './platform.js';

/** @noble/hashes' digests by name. */
export const NOBLE_DIGESTS: Readonly<Record<DigestName, Digest>> = {
  md5: (data) => md5(data),
  sha1: (data) => sha1(data),
  sha256: (data) => sha256(data),
  sha384: (data) => sha384(data),
  sha512: (data) => sha512(data),
};

// An HMAC key shorter than the hash's block is zero-padded to the block (RFC 2104), so the empty
// password and a single NUL byte are the same key. Some Web Crypto builds refuse to import an
// empty PBKDF2 key; the one-byte form is accepted everywhere and derives identical bits.
const EMPTY_PASSWORD_KEY = new Uint8Array(1);

// TypeScript's DOM types want an ArrayBuffer-backed view; a SharedArrayBuffer-backed one is
// copied (Web Crypto refuses shared memory), any other is passed as is.
function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** PBKDF2 through Web Crypto, which every supported runtime has (and which Node runs off the main thread). */
export async function subtlePbkdf2(hash: Pbkdf2Hash, password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const keyBytes = password.length === 0 ? EMPTY_PASSWORD_KEY : password;
  const key = await subtle.importKey('raw', asBufferSource(keyBytes), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'PBKDF2', hash, salt: asBufferSource(salt), iterations }, key, dkLen * 8);
  return new Uint8Array(bits);
}

/**
 * The portable implementation of the hashing platform.
 *
 * @example
 * webHashing.digest('sha256')(new Uint8Array()); // SHA-256 of nothing
 */
export const webHashing: HashingPlatform = {
  digest: (name) => NOBLE_DIGESTS[name],
  // asyncTick: at most ~10 ms of work between yields, noble's recommended balance of
  // responsiveness against the cost of each yield (a macrotask hop).
  scrypt: (password, salt, job) => scryptAsync(password, salt, { ...job, asyncTick: 10 }),
  pbkdf2: subtlePbkdf2,
  argon2: null,
  nativeArgon2: () => null,
  hasNativeArgon2: () => false,
};
