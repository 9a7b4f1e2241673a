/** RSA, ECDSA and EdDSA key slots, on Web Crypto (every runtime has it; jose imports the keys). */
import { importJWK, type JWK } from 'jose';
import { isCanonicalBase64Url } from '../../internal/base64.js';
import { utf8Encode } from '../../internal/bytes.js';
import { ALGORITHMS, MIN_RSA_BITS, type AlgorithmInfo, type TokenAlgorithm } from '../algorithms.js';
import { decodeBase64Url, encodeBase64Url } from '../encoding.js';
import { TokenKeyError, TokenSigningError } from '../errors.js';
import type { KeySlot } from './slot.js';

/** The algorithm a Web Crypto key is bound to, or undefined. */
export function algorithmOfCryptoKey(key: CryptoKey): TokenAlgorithm | undefined {
  const algorithm = key.algorithm as { name: string; hash?: { name?: string }; namedCurve?: string };
  const bits = algorithm.hash?.name?.replace('SHA-', '');
  switch (algorithm.name) {
    case 'HMAC':
      return bits === '256' || bits === '384' || bits === '512' ? (`HS${bits}` as const) : undefined;
    case 'RSASSA-PKCS1-v1_5':
      return bits === '256' || bits === '384' || bits === '512' ? (`RS${bits}` as const) : undefined;
    case 'RSA-PSS':
      return bits === '256' || bits === '384' || bits === '512' ? (`PS${bits}` as const) : undefined;
    case 'ECDSA':
      return ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as const)[algorithm.namedCurve as 'P-256'];
    case 'Ed25519':
      return 'EdDSA';
    default:
      return undefined;
  }
}

/** TokenKeyError for RSA keys below MIN_RSA_BITS. */
export function checkRsaSize(key: CryptoKey): void {
  const { modulusLength } = key.algorithm as { modulusLength?: number };
  if (typeof modulusLength === 'number' && modulusLength < MIN_RSA_BITS) {
    throw new TokenKeyError(`RSA keys must have at least ${MIN_RSA_BITS} bits (RFC 7518 section 3.3)`);
  }
}

/** Only the public members of a JWK: a verifying slot never holds private material. */
export function publicJwk(jwk: JWK): JWK {
  switch (jwk.kty) {
    case 'RSA':
      return { kty: 'RSA', n: jwk.n, e: jwk.e };
    case 'EC':
      return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    case 'OKP':
      return { kty: 'OKP', crv: jwk.crv, x: jwk.x };
    default:
      throw new TokenKeyError('unsupported JWK key type');
  }
}

async function importPublic(jwk: JWK, info: AlgorithmInfo): Promise<CryptoKey> {
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK(jwk, info.alg, { extractable: false });
  } catch (cause) {
    throw new TokenKeyError(`the public key cannot be imported for ${info.alg}`, { cause });
  }
  if (key instanceof Uint8Array) throw new TokenKeyError('expected an asymmetric key');
  checkRsaSize(key);
  return key;
}

export interface AsymmetricSlotOptions {
  alg: TokenAlgorithm;
  /** True when the source named its algorithm (JWK `alg`, a CryptoKey): then only that one verifies. */
  declared: boolean;
  kid: string | undefined;
  privateKey?: CryptoKey;
  /** The public key as a JWK, to import for other algorithms of the same key type on demand. */
  publicJwk?: JWK;
  publicKey?: CryptoKey;
}

/** The slot of an RSA, ECDSA or EdDSA key pair (or of either half). */
export function createAsymmetricSlot(options: AsymmetricSlotOptions): KeySlot {
  const own = ALGORITHMS[options.alg];
  const publicKeys = new Map<TokenAlgorithm, CryptoKey | Promise<CryptoKey>>();
  if (options.publicKey) publicKeys.set(options.alg, options.publicKey);
  const canVerify = options.publicKey !== undefined || options.publicJwk !== undefined;
  const supports = (info: AlgorithmInfo): boolean => {
    if (!canVerify) return false;
    if (info.alg === options.alg) return true;
    // Other algorithms of the key type (RS* and PS* for one RSA key) only when none was declared
    // and the public JWK is at hand to import the key for them.
    return !options.declared && options.publicJwk !== undefined && info.kty === own.kty && info.crv === own.crv;
  };
  const publicKeyFor = (info: AlgorithmInfo): CryptoKey | Promise<CryptoKey> => {
    let key = publicKeys.get(info.alg);
    if (key === undefined) {
      const pending = importPublic(options.publicJwk!, info);
      key = pending;
      publicKeys.set(info.alg, pending);
      pending.then(
        (imported) => publicKeys.set(info.alg, imported),
        () => publicKeys.delete(info.alg),
      );
    }
    return key;
  };
  const { privateKey } = options;
  return {
    kid: options.kid,
    signAlg: privateKey ? options.alg : undefined,
    canVerify,
    alg: options.alg,
    ...(options.publicJwk && { publicJwk: Object.freeze(publicJwk(options.publicJwk)) }),
    supports,
    async sign(input) {
      if (!privateKey) throw new TokenSigningError('this key can only verify; signing needs the private key');
      const signature = await crypto.subtle.sign(own.signParams, privateKey, utf8Encode(input));
      return encodeBase64Url(new Uint8Array(signature));
    },
    async verify(info, input, signature) {
      if (!supports(info) || !isCanonicalBase64Url(signature)) return false;
      const bytes = decodeBase64Url(signature);
      if (!bytes) return false;
      const key = await publicKeyFor(info);
      try {
        return await crypto.subtle.verify(info.signParams, key, bytes, utf8Encode(input));
      } catch {
        return false; // e.g. an ECDSA signature of the wrong length on some runtimes
      }
    },
  };
}
