/** A JWK (oct, RSA, EC, OKP) as a key slot. */
import { importJWK, type JWK } from 'jose';
import { ALGORITHMS, type TokenAlgorithm } from '../algorithms.js';
import { decodeBase64Url } from '../encoding.js';
import { TokenKeyError } from '../errors.js';
import { checkAlgorithmOption } from './algorithm-options.js';
import { checkRsaSize, createAsymmetricSlot, publicJwk } from './asymmetric-slot.js';
import { secretSlot } from './import-secret.js';
import type { KeySlot, SlotOptions } from './slot.js';

/** The algorithm a JWK is for when it does not say: RSA -> RS256, EC by curve, Ed25519 -> EdDSA, oct -> HS256. */
export function inferJwkAlgorithm(jwk: JWK): TokenAlgorithm | undefined {
  switch (jwk.kty) {
    case 'oct':
      return 'HS256';
    case 'RSA':
      return 'RS256';
    case 'EC':
      return ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as const)[jwk.crv as 'P-256'];
    case 'OKP':
      return jwk.crv === 'Ed25519' ? 'EdDSA' : undefined;
    default:
      return undefined;
  }
}

/** The slot of a JWK; inside a key set (`inSet`) private members are not kept. */
export async function jwkSlot(jwk: JWK, options: SlotOptions, inSet = false): Promise<KeySlot> {
  if (typeof jwk.kty !== 'string') throw new TokenKeyError('a JWK needs a "kty"');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new TokenKeyError('the JWK is not for signatures ("use")');
  if (jwk.alg !== undefined && options.algorithm !== undefined && jwk.alg !== options.algorithm) {
    throw new TokenKeyError('the algorithm option differs from the JWK\'s "alg"');
  }
  const named = options.algorithm ?? jwk.alg;
  const alg = named === undefined ? inferJwkAlgorithm(jwk) : checkAlgorithmOption(named, 'the JWK\'s "alg"');
  if (!alg) throw new TokenKeyError('unsupported JWK key type or curve');
  const info = ALGORITHMS[alg];
  if (info.kty !== jwk.kty || (info.crv !== undefined && info.crv !== jwk.crv)) {
    throw new TokenKeyError(`the JWK's key type does not fit ${alg}`);
  }
  const kid = options.kid ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined);
  const ops = Array.isArray(jwk.key_ops) ? jwk.key_ops : undefined;
  const declared = jwk.alg !== undefined;

  if (jwk.kty === 'oct') {
    const bytes = typeof jwk.k === 'string' ? decodeBase64Url(jwk.k) : null;
    if (!bytes) throw new TokenKeyError('the JWK\'s "k" is not base64url');
    try {
      return await secretSlot(bytes, { ...options, algorithm: alg, kid }, declared);
    } finally {
      bytes.fill(0); // our decoded copy; the slot holds its own
    }
  }

  const isPrivate = jwk.d !== undefined;
  const pub = publicJwk(jwk);
  let publicKey: CryptoKey;
  let privateKey: CryptoKey | undefined;
  try {
    publicKey = (await importJWK(pub, alg, { extractable: false })) as CryptoKey;
    // Private material is never needed to verify; inside a key set it is not kept at all.
    if (isPrivate && !inSet && (ops === undefined || ops.includes('sign'))) {
      const { alg: _a, use: _u, key_ops: _o, ext: _e, ...material } = jwk;
      privateKey = (await importJWK(material, alg, { extractable: false })) as CryptoKey;
    }
  } catch (cause) {
    if (cause instanceof TokenKeyError) throw cause;
    throw new TokenKeyError(`the JWK cannot be imported for ${alg}`, { cause });
  }
  checkRsaSize(publicKey);
  return createAsymmetricSlot({ alg, declared, kid, publicKey, publicJwk: pub, privateKey });
}
