/** The TokenKey interface, the inputs a key can be made from, and the implementation create and verify use. */
import type { FlattenedJWSInput, JWK, JWSHeaderParameters, RemoteJWKSetOptions } from 'jose';
import type { AlgorithmInfo, TokenAlgorithm } from '../algorithms.js';
import type { VerifiedTokenCache } from '../cache.js';
import { InvalidTokenError, TokenKeyError } from '../errors.js';
import type { KeySlot } from './slot.js';

/**
 * A key resolver such as jose's `createRemoteJWKSet(url)`: returns the key for a token's header.
 *
 * @example
 * import { createRemoteJWKSet } from 'jose';
 * const resolver: TokenKeyResolver = createRemoteJWKSet(new URL('https://issuer.example.com/.well-known/jwks.json'));
 */
export type TokenKeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => PromiseLike<CryptoKey | JWK | Uint8Array> | CryptoKey | JWK | Uint8Array;

/**
 * A JSON Web Key Set: `{ keys: [...] }`.
 *
 * @example
 * const key = await importTokenKey({ keys: [currentJwk, previousJwk] }); // verifies with either, by kid
 */
export interface TokenKeySet {
  keys: JWK[];
}

/**
 * What importTokenKey needs of a node:crypto KeyObject (accepted where the runtime has one): its
 * type and a JWK export.
 *
 * @example
 * import { createPublicKey } from 'node:crypto';
 * const key = await importTokenKey(createPublicKey(process.env.JWT_PUBLIC_KEY_PEM!)); // a NodeKeyObjectLike
 */
export interface NodeKeyObjectLike {
  /** 'secret', 'public' or 'private'. */
  readonly type: string;
  /** The key as a JWK (`{ format: 'jwk' }`), which importTokenKey imports. */
  export(options?: { format: 'jwk' }): unknown;
}

/**
 * What can be used as a key: an HMAC secret (string: its UTF-8 bytes; or bytes), a PEM string
 * (SPKI public key, PKCS#8 private key, X.509 certificate), a JWK, a JWK Set, a CryptoKey, a node
 * KeyObject, a URL of a remote JWK Set, a key resolver function, or an already imported TokenKey (or a
 * promise of one, awaited).
 *
 * @example
 * const key = await importTokenKey(process.env.JWT_PUBLIC_KEY_PEM!); // or a secret, JWK, JWK Set, URL...
 */
export type TokenKeyInput =
  | string
  | Uint8Array
  | CryptoKey
  | JWK
  | TokenKeySet
  | URL
  | TokenKeyResolver
  | NodeKeyObjectLike
  | TokenKey
  | PromiseLike<TokenKey>;

/**
 * Options of importTokenKey.
 *
 * @example
 * const key = await importTokenKey(secret, { algorithm: 'HS512', kid: '2026-01', cache: { maxEntries: 10_000 } });
 */
export interface ImportTokenKeyOptions {
  /**
   * The algorithm the key signs with, and by default the only one it verifies. Default: the JWK's
   * `alg`; else HS256 for secrets, RS256 for RSA keys, ES256/ES384/ES512 by curve, EdDSA for Ed25519.
   */
  algorithm?: TokenAlgorithm;
  /**
   * The algorithms verification accepts by default (verifyAccessToken's `algorithms` overrides).
   * Default: [algorithm] for one key; each member's algorithm for a key set; RS/PS/ES/EdDSA for a
   * resolver or URL.
   */
  algorithms?: readonly TokenAlgorithm[];
  /** `kid` header of tokens this key signs. Default: the JWK's `kid`. */
  kid?: string;
  /** Remember verified tokens (see cache.ts). Default: on, 1000 tokens; always off for resolvers and URLs. */
  cache?: boolean | { maxEntries?: number };
  /**
   * Accept an HMAC secret shorter than the hash (RFC 7518 3.2 says MUST NOT: 32 bytes for HS256,
   * 48 for HS384, 64 for HS512). Only for verifying tokens of an existing system. Default false.
   */
  allowShortSecret?: boolean;
  /** Options for jose's createRemoteJWKSet when the key is a URL. */
  remote?: RemoteJWKSetOptions;
}

/**
 * An imported key, reusable across calls: importing once saves the work jose repeats on every call
 * for a raw secret. Opaque: create it with importTokenKey.
 *
 * @example
 * const key = await importTokenKey(secret); // once, at startup
 * const token = await createAccessToken({ sub: 'johndoe' }, { key });
 */
export interface TokenKey {
  readonly kind: 'secret' | 'private' | 'public' | 'keyset' | 'remote';
  /** The algorithm tokens are signed with (undefined for key sets and resolvers). */
  readonly algorithm: TokenAlgorithm | undefined;
  /** The algorithms verification accepts unless told otherwise. */
  readonly algorithms: readonly TokenAlgorithm[];
  readonly kid: string | undefined;
  readonly canSign: boolean;
  readonly canVerify: boolean;
  /** Forget the tokens this key remembers as verified. */
  clearCache(): void;
}

const created = new WeakSet<object>();

/** @internal The implementation behind TokenKey; its members are for create.ts and verify.ts. */
export class TokenKeyImpl implements TokenKey {
  readonly kind: TokenKey['kind'];
  readonly algorithm: TokenAlgorithm | undefined;
  readonly algorithms: readonly TokenAlgorithm[];
  readonly kid: string | undefined;
  readonly canSign: boolean;
  readonly canVerify: boolean;
  readonly slots: readonly KeySlot[];
  readonly resolver: TokenKeyResolver | undefined;
  readonly cache: VerifiedTokenCache | null;

  constructor(init: {
    kind: TokenKey['kind'];
    slots: readonly KeySlot[];
    algorithms: readonly TokenAlgorithm[];
    resolver?: TokenKeyResolver;
    cache: VerifiedTokenCache | null;
  }) {
    this.kind = init.kind;
    this.slots = init.slots;
    this.resolver = init.resolver;
    this.cache = init.cache;
    const single = init.slots.length === 1 && init.kind !== 'keyset' ? init.slots[0] : undefined;
    this.algorithm = single?.signAlg ?? single?.alg;
    this.kid = single?.kid;
    this.canSign = single?.signAlg !== undefined;
    this.canVerify = init.resolver !== undefined || init.slots.some((slot) => slot.canVerify);
    this.algorithms = Object.freeze([...new Set(init.algorithms)]);
    Object.freeze(this);
    created.add(this);
  }

  clearCache(): void {
    this.cache?.clear();
  }

  /** The slot that verifies a token with this header: by algorithm, then by `kid` in a key set. */
  select(info: AlgorithmInfo, kid: unknown): KeySlot | undefined {
    if (this.kind !== 'keyset') {
      const slot = this.slots[0];
      return slot !== undefined && slot.supports(info) ? slot : undefined;
    }
    let found: KeySlot | undefined;
    for (const slot of this.slots) {
      if (!slot.supports(info) || (kid !== undefined && slot.kid !== kid)) continue;
      // Without a kid, several keys of the algorithm leave the choice open: refuse rather than guess.
      if (found) throw new InvalidTokenError('token names no kid and several keys of the set match');
      found = slot;
    }
    return found;
  }
}

export function isTokenKey(value: unknown): value is TokenKeyImpl {
  return typeof value === 'object' && value !== null && created.has(value);
}

/** An already imported key given with an `algorithm` option: they must agree. */
export function checkImportedAlgorithm(key: TokenKeyImpl, algorithm: TokenAlgorithm | undefined): TokenKeyImpl {
  if (algorithm !== undefined && algorithm !== key.algorithm) {
    throw new TokenKeyError('the algorithm option differs from the imported key\'s algorithm');
  }
  return key;
}

