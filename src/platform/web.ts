/**
 * The portable platform of tokens: Web Crypto and @noble/hashes, on every runtime (browsers,
 * Workers, and Node when the node:crypto path is forced off for tests).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BASE64URL_ALPHABET, decodeBase64, encodeBase64, isBase64Url } from '../internal/base64.js';
import { utf8DecodeStrict, utf8Encode } from '../internal/bytes.js';
import type { HmacHash, HmacSigner, Platform } from './platform.js';

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

  hmacSha256Base64: (key, data) => encodeBase64(hmac(sha256, key, typeof data === 'string' ? utf8Encode(data) : data)),

  encodeBase64Url,
  decodeBase64Url: (text) => (isBase64Url(text) ? decodeBase64(text, BASE64URL_ALPHABET) : null),
  base64UrlOfText: (text) => encodeBase64Url(utf8Encode(text)),
  utf8DecodeStrict,
};
