/**
 * HMAC key slots (HS256, HS384, HS512) over the platform's HMAC: on runtimes with node:crypto the
 * secret lives in a KeyObject and the tag is computed synchronously (far cheaper than an async Web
 * Crypto call); elsewhere one non-extractable CryptoKey per usable hash. Both paths compare the
 * expected base64url tag with the presented one in constant time, so they accept and reject
 * exactly the same strings. A Web Crypto HMAC CryptoKey handed in by the caller is wrapped too.
 */
import { constantTimeEqualString } from '../../internal/bytes.js';
import { isCanonicalBase64Url } from '../../internal/base64.js';
import type { HmacHash } from '../../platform/platform.js';
import { platform } from '../../platform/runtime.js';
import { subtleHmacSign, subtleHmacVerify } from '../../platform/web.js';
import { ALGORITHMS, HMAC_ALGORITHMS, type AlgorithmInfo, type TokenAlgorithm } from '../algorithms.js';
import { decodeBase64Url } from '../encoding.js';
import { TokenKeyError, TokenSigningError } from '../errors.js';
import type { KeySlot } from './slot.js';

/** HS algorithms a secret of this length may serve: RFC 7518 3.2, key size >= hash size. */
function hmacAlgorithms(length: number, allowShort: boolean): TokenAlgorithm[] {
  return HMAC_ALGORITHMS.filter((alg) => allowShort || length >= ALGORITHMS[alg].hashBytes!);
}

/** TokenKeyError unless a secret of `bits` may serve `alg` (RFC 7518 section 3.2). */
export function checkSecretLength(alg: TokenAlgorithm, bytes: number, allowShortSecret: boolean, hint = ''): void {
  const minBytes = ALGORITHMS[alg].hashBytes!;
  if (!allowShortSecret && !(bytes >= minBytes)) {
    throw new TokenKeyError(`${alg} needs a secret of at least ${minBytes} bytes (RFC 7518 section 3.2)${hint}`);
  }
}

/** The slot of a raw HMAC secret. */
export async function createHmacSlot(
  secret: Uint8Array,
  options: { alg: TokenAlgorithm; declared: boolean; kid: string | undefined; allowShortSecret: boolean },
): Promise<KeySlot> {
  if (secret.length === 0) throw new TokenKeyError('an HMAC secret cannot be empty');
  checkSecretLength(options.alg, secret.length, options.allowShortSecret, '; use a longer random secret or pass allowShortSecret to importTokenKey');
  const algorithms = new Set<TokenAlgorithm>(options.declared ? [options.alg] : hmacAlgorithms(secret.length, options.allowShortSecret));
  const hashes = [...algorithms].map((alg) => ALGORITHMS[alg].digestName as HmacHash);
  const mac = await platform().hmacSigner(secret, hashes);
  const signHash = ALGORITHMS[options.alg].digestName as HmacHash;
  const tagLength = (info: AlgorithmInfo) => Math.ceil((info.hashBytes! * 4) / 3);
  return {
    kid: options.kid,
    signAlg: options.alg,
    canVerify: true,
    alg: options.alg,
    supports: (info) => algorithms.has(info.alg),
    sign: (input) => mac(signHash, input),
    verify(info, input, signature) {
      // The length of a tag is public (fixed per algorithm); only its content is compared in constant time.
      if (signature.length !== tagLength(info)) return false;
      const expected = mac(info.digestName as HmacHash, input);
      return typeof expected === 'string'
        ? constantTimeEqualString(expected, signature)
        : expected.then((tag) => constantTimeEqualString(tag, signature));
    },
  };
}

/** The slot of a Web Crypto HMAC key (its usages decide whether it signs and verifies). */
export function createHmacCryptoKeySlot(key: CryptoKey, alg: TokenAlgorithm, kid: string | undefined, allowShortSecret: boolean): KeySlot {
  const { length } = key.algorithm as { length?: number };
  checkSecretLength(alg, typeof length === 'number' ? length / 8 : NaN, allowShortSecret);
  const canSign = key.usages.includes('sign');
  const canVerify = key.usages.includes('verify');
  return {
    kid,
    signAlg: canSign ? alg : undefined,
    canVerify,
    alg,
    supports: (info) => info.alg === alg && canVerify,
    async sign(input) {
      if (!canSign) throw new TokenSigningError('the CryptoKey\'s usages do not include "sign"');
      return subtleHmacSign(key, input);
    },
    async verify(info, input, signature) {
      // Canonical encoding only, as on the other HMAC paths (they compare canonical strings).
      const bytes = info.alg === alg && isCanonicalBase64Url(signature) ? decodeBase64Url(signature) : null;
      return bytes !== null && subtleHmacVerify(key, bytes, input);
    },
  };
}
