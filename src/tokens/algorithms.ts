/**
 * The JWS algorithms gatehouse signs and verifies. `none` is not one of them, ever.
 *
 * @example
 * const key = await importTokenKey(privatePem, { algorithm: 'ES256' });
 */
export type TokenAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

export type AlgorithmFamily = 'HMAC' | 'RSA' | 'RSA-PSS' | 'ECDSA' | 'EdDSA';

export interface AlgorithmInfo {
  readonly alg: TokenAlgorithm;
  readonly family: AlgorithmFamily;
  /** JWK key type that serves it. */
  readonly kty: 'oct' | 'RSA' | 'EC' | 'OKP';
  /** Web Crypto hash name (absent for EdDSA). */
  readonly hash?: 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** The platform's digest name (HMAC). */
  readonly digestName?: 'sha256' | 'sha384' | 'sha512';
  /** EC curve / OKP subtype. */
  readonly crv?: 'P-256' | 'P-384' | 'P-521' | 'Ed25519';
  /** Bytes of the hash output: RFC 7518 3.2's minimum HMAC key size; also the HMAC tag size. */
  readonly hashBytes?: number;
  /** Web Crypto algorithm for importKey. */
  readonly importParams: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams | HmacImportParams;
  /** Web Crypto algorithm for sign/verify. */
  readonly signParams: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
}

const sha = (bits: 256 | 384 | 512) => ({
  hash: `SHA-${bits}` as const,
  digestName: `sha${bits}` as const,
  hashBytes: bits / 8,
});

function hmac(alg: TokenAlgorithm, bits: 256 | 384 | 512): AlgorithmInfo {
  const params = { name: 'HMAC', hash: `SHA-${bits}` };
  return { alg, family: 'HMAC', kty: 'oct', ...sha(bits), importParams: params, signParams: params };
}

function rsa(alg: TokenAlgorithm, bits: 256 | 384 | 512, pss: boolean): AlgorithmInfo {
  const name = pss ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
  const importParams = { name, hash: `SHA-${bits}` };
  // RFC 7518 3.5: the PSS salt is as long as the hash.
  const signParams = pss ? { name, saltLength: bits / 8 } : { name };
  return { alg, family: pss ? 'RSA-PSS' : 'RSA', kty: 'RSA', ...sha(bits), importParams, signParams };
}

function ecdsa(alg: TokenAlgorithm, bits: 256 | 384 | 512, crv: 'P-256' | 'P-384' | 'P-521'): AlgorithmInfo {
  return {
    alg,
    family: 'ECDSA',
    kty: 'EC',
    crv,
    ...sha(bits),
    importParams: { name: 'ECDSA', namedCurve: crv },
    signParams: { name: 'ECDSA', hash: `SHA-${bits}` },
  };
}

export const ALGORITHMS: Readonly<Record<TokenAlgorithm, AlgorithmInfo>> = Object.freeze({
  HS256: hmac('HS256', 256),
  HS384: hmac('HS384', 384),
  HS512: hmac('HS512', 512),
  RS256: rsa('RS256', 256, false),
  RS384: rsa('RS384', 384, false),
  RS512: rsa('RS512', 512, false),
  PS256: rsa('PS256', 256, true),
  PS384: rsa('PS384', 384, true),
  PS512: rsa('PS512', 512, true),
  ES256: ecdsa('ES256', 256, 'P-256'),
  ES384: ecdsa('ES384', 384, 'P-384'),
  ES512: ecdsa('ES512', 512, 'P-521'),
  EdDSA: {
    alg: 'EdDSA',
    family: 'EdDSA',
    kty: 'OKP',
    crv: 'Ed25519',
    importParams: { name: 'Ed25519' },
    signParams: { name: 'Ed25519' },
  },
});

/** The entry for a supported algorithm name (exact, case-sensitive), else undefined. */
export function algorithmInfo(alg: unknown): AlgorithmInfo | undefined {
  return typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg as TokenAlgorithm] : undefined;
}

export const HMAC_ALGORITHMS: readonly TokenAlgorithm[] = ['HS256', 'HS384', 'HS512'];
export const ASYMMETRIC_ALGORITHMS: readonly TokenAlgorithm[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
];

/** RFC 7518 3.3 and 3.5: RSA keys of at least 2048 bits. */
export const MIN_RSA_BITS = 2048;
