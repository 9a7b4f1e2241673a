import { importJWK, type JWK } from 'jose';
import { constantTimeEqualString } from '../passwords/encodings.js';
import { nodeCrypto } from '../runtime.js';
import { ALGORITHMS, HMAC_ALGORITHMS, MIN_RSA_BITS, type AlgorithmInfo, type TokenAlgorithm } from './algorithms.js';
import { decodeBase64Url, encodeBase64Url, isBase64Url, utf8 } from './encoding.js';
import { TokenKeyError } from './errors.js';

/**
 * One piece of key material and what it may do. A slot signs with one algorithm and verifies with
 * the algorithms of its key type that it `supports`; the verify allowlist is decided by its TokenKey.
 */
export interface KeySlot {
  readonly kid: string | undefined;
  /** The algorithm it signs with; undefined for verify-only material. */
  readonly signAlg: TokenAlgorithm | undefined;
  readonly canVerify: boolean;
  /** The algorithm it was declared or inferred for (a key set's default allowlist is built from these). */
  readonly alg: TokenAlgorithm;
  supports(info: AlgorithmInfo): boolean;
  /** The base64url signature of an ASCII signing input. */
  sign(input: string): string | Promise<string>;
  /** Constant-time; false for any mismatch (malformed signatures included), never throws for one. */
  verify(info: AlgorithmInfo, input: string, signature: string): boolean | Promise<boolean>;
}

/**
 * Signatures must be canonical base64url: the unused low bits of the last character are zero.
 * Otherwise four strings would carry the same signature (harmless, but a needless malleability).
 */
export function isCanonicalSignature(text: string): boolean {
  if (!isBase64Url(text)) return false;
  const rest = text.length % 4;
  if (rest === 0) return true;
  const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(text[text.length - 1]!);
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

// ---- HMAC ----

/** HS algorithms a secret of this length may serve: RFC 7518 3.2, key size >= hash size. */
function hmacAlgorithms(length: number, allowShort: boolean): TokenAlgorithm[] {
  return HMAC_ALGORITHMS.filter((alg) => allowShort || length >= ALGORITHMS[alg].hashBytes!);
}

/**
 * HMAC key. On runtimes with node:crypto the secret lives in a KeyObject and createHmac runs
 * synchronously (far cheaper than an async Web Crypto call); elsewhere one non-extractable CryptoKey
 * per usable hash. Both paths compare the expected base64url tag with the presented one in constant
 * time, so they accept and reject exactly the same strings.
 */
export async function createHmacSlot(
  secret: Uint8Array,
  options: { alg: TokenAlgorithm; declared: boolean; kid: string | undefined; allowShortSecret: boolean },
): Promise<KeySlot> {
  if (secret.length === 0) throw new TokenKeyError('an HMAC secret cannot be empty');
  const usable = hmacAlgorithms(secret.length, options.allowShortSecret);
  if (!usable.includes(options.alg)) {
    throw new TokenKeyError(
      `${options.alg} needs a secret of at least ${ALGORITHMS[options.alg].hashBytes} bytes (RFC 7518 section 3.2); ` +
        'use a longer random secret or pass allowShortSecret to importTokenKey',
    );
  }
  const algorithms = new Set<TokenAlgorithm>(options.declared ? [options.alg] : usable);
  const signInfo = ALGORITHMS[options.alg];
  const node = nodeCrypto();
  let mac: (info: AlgorithmInfo, input: string) => string | Promise<string>;
  if (node) {
    const keyObject = node.createSecretKey(secret);
    mac = (info, input) => node.createHmac(info.nodeHash!, keyObject).update(input, 'latin1').digest('base64url');
  } else {
    const keys = new Map<TokenAlgorithm, CryptoKey>();
    const copy = new Uint8Array(secret);
    try {
      for (const alg of algorithms) {
        keys.set(alg, await crypto.subtle.importKey('raw', copy, ALGORITHMS[alg].importParams, false, ['sign']));
      }
    } finally {
      copy.fill(0);
    }
    mac = async (info, input) =>
      encodeBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', keys.get(info.alg)!, utf8(input))));
  }
  const tagLength = (info: AlgorithmInfo) => Math.ceil((info.hashBytes! * 4) / 3);
  return {
    kid: options.kid,
    signAlg: options.alg,
    canVerify: true,
    alg: options.alg,
    supports: (info) => algorithms.has(info.alg),
    sign: (input) => mac(signInfo, input),
    verify(info, input, signature) {
      // The length of a tag is public (fixed per algorithm); only its content is compared in constant time.
      if (signature.length !== tagLength(info)) return false;
      const expected = mac(info, input);
      return typeof expected === 'string'
        ? constantTimeEqualString(expected, signature)
        : expected.then((tag) => constantTimeEqualString(tag, signature));
    },
  };
}

// ---- RSA, ECDSA, EdDSA ----

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
    supports,
    async sign(input) {
      if (!privateKey) throw new TokenKeyError('this key can only verify; signing needs the private key');
      const signature = await crypto.subtle.sign(own.signParams, privateKey, utf8(input));
      return encodeBase64Url(new Uint8Array(signature));
    },
    async verify(info, input, signature) {
      if (!supports(info) || !isCanonicalSignature(signature)) return false;
      const bytes = decodeBase64Url(signature);
      if (!bytes) return false;
      const key = await publicKeyFor(info);
      try {
        return await crypto.subtle.verify(info.signParams, key, bytes, utf8(input));
      } catch {
        return false; // e.g. an ECDSA signature of the wrong length on some runtimes
      }
    },
  };
}
