/**
 * The portable platform: Web Crypto and @noble/hashes, on every runtime (browsers, Workers, and
 * Node when the node:crypto path is forced off for tests).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { BASE64URL_ALPHABET, decodeBase64, encodeBase64, isBase64Url } from '../internal/base64.js';
import { utf8DecodeStrict, utf8Encode } from '../internal/bytes.js';
import type { Digest, DigestName, HmacHash, HmacSigner, Pbkdf2Hash, Platform } from './platform.js';

/** @noble/hashes' digests by name. */
export const NOBLE_DIGESTS: Readonly<Record<DigestName, Digest>> = {
  md5: (data) => md5(data),
  sha1: (data) => sha1(data),
  sha256: (data) => sha256(data),
  sha384: (data) => sha384(data),
  sha512: (data) => sha512(data),
};

const WEB_HASH = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' } as const;

/**
 * The base64url HMAC tag of `input` under a Web Crypto HMAC key (the key fixes the hash).
 *
 * @example
 * const tag = await subtleHmacSign(key, 'header.payload');
 */
export async function subtleHmacSign(key: CryptoKey, input: string): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8Encode(input))));
}

/**
 * Web Crypto's own HMAC check of a decoded tag (constant time inside Web Crypto).
 *
 * @example
 * const ok = await subtleHmacVerify(key, tagBytes, 'header.payload');
 */
export function subtleHmacVerify(key: CryptoKey, tag: Uint8Array<ArrayBuffer>, input: string): Promise<boolean> {
  return crypto.subtle.verify('HMAC', key, tag, utf8Encode(input));
}

function encodeBase64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes, BASE64URL_ALPHABET);
}

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
export async function subtlePbkdf2(
  hash: Pbkdf2Hash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  dkLen: number,
): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const keyBytes = password.length === 0 ? EMPTY_PASSWORD_KEY : password;
  const key = await subtle.importKey('raw', asBufferSource(keyBytes), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'PBKDF2', hash, salt: asBufferSource(salt), iterations }, key, dkLen * 8);
  return new Uint8Array(bits);
}

/**
 * The portable implementation of the platform interface.
 *
 * @example
 * webPlatform.encodeBase64Url(new Uint8Array([0xfb])); // '-w'
 */
export const webPlatform: Platform = {
  name: 'web',

  async hmacSigner(secret, hashes) {
    const keys = new Map<HmacHash, CryptoKey>();
    const copy = new Uint8Array(secret);
    try {
      for (const hash of hashes) {
        keys.set(hash, await crypto.subtle.importKey('raw', copy, { name: 'HMAC', hash: WEB_HASH[hash] }, false, ['sign']));
      }
    } finally {
      copy.fill(0);
    }
    const sign: HmacSigner = (hash, input) => subtleHmacSign(keys.get(hash)!, input);
    return sign;
  },

  hmacSha256: (key, data) => hmac(sha256, key, data),

  digest: (name) => NOBLE_DIGESTS[name],

  // asyncTick: at most ~10 ms of work between yields, noble's recommended balance of
  // responsiveness against the cost of each yield (a macrotask hop).
  scrypt: (password, salt, job) => scryptAsync(password, salt, { ...job, asyncTick: 10 }),

  pbkdf2: subtlePbkdf2,

  argon2: null,
  verifyPhc: null,

  encodeBase64Url,
  decodeBase64Url: (text) => (isBase64Url(text) ? decodeBase64(text, BASE64URL_ALPHABET) : null),
  base64UrlOfText: (text) => encodeBase64Url(utf8Encode(text)),
  utf8DecodeStrict,
};
