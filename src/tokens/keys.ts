import {
  createRemoteJWKSet,
  exportJWK,
  importJWK,
  importPKCS8,
  importSPKI,
  importX509,
  type FlattenedJWSInput,
  type JWK,
  type JWSHeaderParameters,
  type RemoteJWKSetOptions,
} from 'jose';
import { isThenable } from '../internal/await.js';
import { nodeCrypto } from '../runtime.js';
import {
  ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  algorithmInfo,
  type AlgorithmInfo,
  type TokenAlgorithm,
} from './algorithms.js';
import { keyMaterialKind } from './key-material.js';
import { DEFAULT_CACHE_ENTRIES, VerifiedTokenCache } from './cache.js';
import { decodeBase64Url, encodeBase64Url, utf8 } from './encoding.js';
import { InvalidTokenError, TokenKeyError } from './errors.js';
import {
  algorithmOfCryptoKey,
  checkRsaSize,
  createAsymmetricSlot,
  createHmacSlot,
  isCanonicalSignature,
  publicJwk,
  type KeySlot,
} from './slots.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** A key resolver such as jose's `createRemoteJWKSet(url)`: returns the key for a token's header. */
export type TokenKeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => PromiseLike<CryptoKey | JWK | Uint8Array> | CryptoKey | JWK | Uint8Array;

/** A JSON Web Key Set: `{ keys: [...] }`. */
export interface TokenKeySet {
  keys: JWK[];
}

/** node:crypto KeyObject, accepted where the runtime has one. */
export interface NodeKeyObjectLike {
  readonly type: string;
  export(options?: { format: 'jwk' }): unknown;
}

/**
 * What can be used as a key: an HMAC secret (string: its UTF-8 bytes; or bytes), a PEM string
 * (SPKI public key, PKCS#8 private key, X.509 certificate), a JWK, a JWK Set, a CryptoKey, a node
 * KeyObject, a URL of a remote JWK Set, a key resolver function, or an already imported TokenKey (or a
 * promise of one, awaited).
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

// ---- import ----

function checkAlgorithmOption(value: unknown, label: string): TokenAlgorithm | undefined {
  if (value === undefined) return undefined;
  if (!algorithmInfo(value)) throw new TokenKeyError(`${label} is not a supported JWS algorithm`);
  return value as TokenAlgorithm;
}

export function checkAlgorithmList(value: unknown, label: string): TokenAlgorithm[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) throw new TokenKeyError(`${label} must be a non-empty array`);
  return value.map((alg) => checkAlgorithmOption(alg, `every entry of ${label}`)!);
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey === 'function' && value instanceof CryptoKey;
}

function isKeyObject(value: unknown): value is NodeKeyObjectLike {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[Symbol.toStringTag] === 'KeyObject';
}

function makeCache(options: ImportTokenKeyOptions, allowed: boolean): VerifiedTokenCache | null {
  const { cache } = options;
  if (cache === false || !allowed) return null;
  if (cache === undefined || cache === true) return new VerifiedTokenCache(DEFAULT_CACHE_ENTRIES);
  const maxEntries = cache.maxEntries ?? DEFAULT_CACHE_ENTRIES;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
    throw new TokenKeyError('cache.maxEntries must be a non-negative integer');
  }
  return new VerifiedTokenCache(maxEntries);
}

/** The algorithm a JWK is for when it does not say: RSA -> RS256, EC by curve, Ed25519 -> EdDSA, oct -> HS256. */
function inferJwkAlgorithm(jwk: JWK): TokenAlgorithm | undefined {
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

interface SlotOptions {
  algorithm: TokenAlgorithm | undefined;
  kid: string | undefined;
  allowShortSecret: boolean;
}

async function secretSlot(bytes: Uint8Array, options: SlotOptions, declared = false): Promise<KeySlot> {
  // The classic confusion: a public key or certificate (public, so anyone could sign) as a secret.
  const material = keyMaterialKind(bytes);
  if (material !== null) {
    throw new TokenKeyError(`${material} cannot be an HMAC secret; pass a PEM string alone to import the key it holds`);
  }
  const alg = options.algorithm ?? 'HS256';
  if (ALGORITHMS[alg].family !== 'HMAC') throw new TokenKeyError(`a secret cannot be used with ${alg}`);
  return createHmacSlot(bytes, {
    alg,
    declared,
    kid: options.kid,
    allowShortSecret: options.allowShortSecret,
  });
}

async function jwkSlot(jwk: JWK, options: SlotOptions, inSet = false): Promise<KeySlot> {
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

async function pemSlot(pem: string, options: SlotOptions): Promise<KeySlot> {
  const label = PEM.exec(pem)?.[1];
  if (options.algorithm && ALGORITHMS[options.algorithm].family === 'HMAC') {
    throw new TokenKeyError('PEM text cannot be an HMAC secret');
  }
  const candidates: TokenAlgorithm[] = options.algorithm
    ? [options.algorithm]
    : ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'];
  const importAs = async (alg: TokenAlgorithm): Promise<JWK> => {
    switch (label) {
      case 'PUBLIC KEY':
        return exportJWK(await importSPKI(pem, alg, { extractable: true }));
      case 'CERTIFICATE':
        return exportJWK(await importX509(pem, alg, { extractable: true }));
      case 'PRIVATE KEY':
        // Extractable only for this moment: the JWK gives the public half, then the private key
        // is imported again as non-extractable and the JWK dropped.
        return exportJWK(await importPKCS8(pem, alg, { extractable: true }));
      case 'RSA PUBLIC KEY':
      case 'RSA PRIVATE KEY':
      case 'EC PRIVATE KEY':
        throw new TokenKeyError(`"${label}" PEM (PKCS#1/SEC1) is not supported: convert it to SPKI or PKCS#8`);
      case 'ENCRYPTED PRIVATE KEY':
        throw new TokenKeyError('encrypted private keys are not supported: decrypt to PKCS#8 first');
      default:
        throw new TokenKeyError('unsupported PEM block (expected PUBLIC KEY, PRIVATE KEY or CERTIFICATE)');
    }
  };
  let lastError: unknown;
  for (const alg of candidates) {
    let jwk: JWK;
    try {
      jwk = await importAs(alg);
    } catch (error) {
      if (error instanceof TokenKeyError) throw error;
      lastError = error;
      continue;
    }
    // A PEM names no algorithm: an RSA key may verify other RS/PS algorithms when asked explicitly.
    return jwkSlot(jwk, { ...options, algorithm: alg });
  }
  throw new TokenKeyError('the PEM key cannot be imported' + (options.algorithm ? ` for ${options.algorithm}` : ''), {
    cause: lastError,
  });
}

async function cryptoKeySlot(key: CryptoKey, options: SlotOptions): Promise<KeySlot> {
  const alg = algorithmOfCryptoKey(key);
  if (!alg) throw new TokenKeyError('the CryptoKey\'s algorithm is not a supported JWS algorithm');
  if (options.algorithm !== undefined && options.algorithm !== alg) {
    throw new TokenKeyError('the algorithm option differs from the CryptoKey\'s algorithm');
  }
  if (key.type === 'secret') {
    const { length } = key.algorithm as { length?: number };
    const minBytes = ALGORITHMS[alg].hashBytes!;
    if (!options.allowShortSecret && (typeof length !== 'number' || length < minBytes * 8)) {
      throw new TokenKeyError(`${alg} needs a secret of at least ${minBytes} bytes (RFC 7518 section 3.2)`);
    }
    const canSign = key.usages.includes('sign');
    const canVerify = key.usages.includes('verify');
    return {
      kid: options.kid,
      signAlg: canSign ? alg : undefined,
      canVerify,
      alg,
      supports: (info) => info.alg === alg && canVerify,
      async sign(input) {
        if (!canSign) throw new TokenKeyError('the CryptoKey\'s usages do not include "sign"');
        return encodeBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(input))));
      },
      async verify(info, input, signature) {
        // Canonical encoding only, as on the other HMAC paths (they compare canonical strings).
        const bytes = info.alg === alg && isCanonicalSignature(signature) ? decodeBase64Url(signature) : null;
        return bytes !== null && crypto.subtle.verify('HMAC', key, bytes, utf8(input));
      },
    };
  }
  checkRsaSize(key);
  if (key.type === 'public') {
    if (!key.usages.includes('verify')) throw new TokenKeyError('the CryptoKey\'s usages do not include "verify"');
    return createAsymmetricSlot({ alg, declared: true, kid: options.kid, publicKey: key });
  }
  if (!key.usages.includes('sign')) throw new TokenKeyError('the CryptoKey\'s usages do not include "sign"');
  // A private CryptoKey verifies only if its public half can be derived (extractable keys).
  let publicKey: CryptoKey | undefined;
  if (key.extractable) {
    publicKey = (await importJWK(publicJwk(await exportJWK(key)), alg, { extractable: false })) as CryptoKey;
  }
  return createAsymmetricSlot({ alg, declared: true, kid: options.kid, privateKey: key, ...(publicKey && { publicKey }) });
}

async function keySetSlots(set: TokenKeySet, options: SlotOptions): Promise<KeySlot[]> {
  let snapshot: TokenKeySet;
  try {
    snapshot = structuredClone(set);
  } catch (cause) {
    throw new TokenKeyError('the JSON Web Key Set cannot be copied', { cause });
  }
  if (!Array.isArray(snapshot.keys) || !snapshot.keys.every(isPlainObject)) {
    throw new TokenKeyError('a JSON Web Key Set needs a "keys" array of JWK objects');
  }
  const slots: KeySlot[] = [];
  for (const jwk of snapshot.keys) {
    // Members that are not signature keys we know (encryption keys, other algorithms) are skipped,
    // as jose's key sets skip them; a malformed signature key fails the whole import.
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.alg !== undefined ? !algorithmInfo(jwk.alg) : !inferJwkAlgorithm(jwk)) continue;
    const slot = await jwkSlot(jwk, { ...options, algorithm: undefined, kid: undefined }, true);
    if (slots.some((other) => other.kid === slot.kid && other.alg === slot.alg)) {
      throw new TokenKeyError('two keys of the set share a kid and an algorithm');
    }
    slots.push(slot);
  }
  if (slots.length === 0) throw new TokenKeyError('the JSON Web Key Set has no usable signature key');
  return slots;
}

function kindOf(slot: KeySlot, secret: boolean): TokenKey['kind'] {
  return secret ? 'secret' : slot.signAlg !== undefined ? 'private' : 'public';
}

/** Import a key once, for any number of createAccessToken / verifyAccessToken calls. */
export async function importTokenKey(input: TokenKeyInput, options: ImportTokenKeyOptions = {}): Promise<TokenKey> {
  return importKey(input, options);
}

async function importKey(given: TokenKeyInput, options: ImportTokenKeyOptions): Promise<TokenKeyImpl> {
  const input = isThenable(given) ? ((await given) as TokenKeyInput) : given;
  if (options === null || typeof options !== 'object') throw new TokenKeyError('options must be an object');
  const algorithm = checkAlgorithmOption(options.algorithm, 'algorithm');
  const algorithms = checkAlgorithmList(options.algorithms, 'algorithms');
  if (options.kid !== undefined && typeof options.kid !== 'string') throw new TokenKeyError('kid must be a string');
  const slotOptions: SlotOptions = { algorithm, kid: options.kid, allowShortSecret: options.allowShortSecret === true };

  if (isTokenKey(input)) {
    if (algorithm !== undefined && algorithm !== input.algorithm) {
      throw new TokenKeyError('the algorithm option differs from the imported key\'s algorithm');
    }
    return input;
  }

  const single = (slot: KeySlot, secret: boolean): TokenKeyImpl => {
    const allowed = algorithms ?? [slot.signAlg ?? slot.alg];
    for (const alg of slot.canVerify ? allowed : []) {
      if (!slot.supports(ALGORITHMS[alg])) throw new TokenKeyError(`this key cannot verify ${alg}`);
    }
    return new TokenKeyImpl({ kind: kindOf(slot, secret), slots: [slot], algorithms: allowed, cache: makeCache(options, slot.canVerify) });
  };

  if (typeof input === 'string') {
    if (PEM.test(input.trimStart())) return single(await pemSlot(input.trim() + '\n', slotOptions), false);
    const bytes = utf8(input);
    try {
      return single(await secretSlot(bytes, slotOptions), true);
    } finally {
      bytes.fill(0); // our copy only: the key object holds its own
    }
  }
  if (input instanceof Uint8Array) return single(await secretSlot(input, slotOptions), true);
  if (isCryptoKey(input)) {
    const slot = await cryptoKeySlot(input, slotOptions);
    return single(slot, input.type === 'secret');
  }
  if (isKeyObject(input)) {
    let jwk: JWK;
    try {
      jwk = input.export({ format: 'jwk' }) as JWK;
    } catch (cause) {
      throw new TokenKeyError('the KeyObject cannot be exported', { cause });
    }
    return single(await jwkSlot(jwk, slotOptions), jwk.kty === 'oct');
  }
  if (input instanceof URL) {
    return resolverKey(createRemoteJWKSet(input, options.remote), algorithms);
  }
  if (typeof input === 'function') return resolverKey(input as TokenKeyResolver, algorithms);
  if (isPlainObject(input)) {
    if ('keys' in input) {
      const slots = await keySetSlots(input as unknown as TokenKeySet, slotOptions);
      const allowed = algorithms ?? slots.map((slot) => slot.alg);
      for (const alg of allowed) {
        if (!slots.some((slot) => slot.supports(ALGORITHMS[alg]))) throw new TokenKeyError(`no key of the set verifies ${alg}`);
      }
      return new TokenKeyImpl({ kind: 'keyset', slots, algorithms: allowed, cache: makeCache(options, true) });
    }
    if ('kty' in input) {
      const jwk = input as JWK;
      return single(await jwkSlot(jwk, slotOptions), jwk.kty === 'oct');
    }
  }
  throw new TokenKeyError('unsupported key: expected a secret, PEM, JWK, JWK Set, CryptoKey, URL or resolver');
}

function resolverKey(resolver: TokenKeyResolver, algorithms: TokenAlgorithm[] | undefined): TokenKeyImpl {
  // Keys behind a resolver can change at any fetch, so verified tokens are never cached for them.
  return new TokenKeyImpl({
    kind: 'remote',
    slots: [],
    algorithms: algorithms ?? ASYMMETRIC_ALGORITHMS,
    resolver,
    cache: null,
  });
}

/** The slot for a key a resolver returned. CryptoKeys are wrapped once per key object. */
const resolvedSlots = new WeakMap<CryptoKey, KeySlot>();

export async function slotFromResolved(resolved: unknown, info: AlgorithmInfo): Promise<KeySlot> {
  const options: SlotOptions = { algorithm: info.alg, kid: undefined, allowShortSecret: false };
  if (isCryptoKey(resolved)) {
    let slot = resolvedSlots.get(resolved);
    if (!slot) {
      slot = await cryptoKeySlot(resolved, { ...options, algorithm: undefined });
      resolvedSlots.set(resolved, slot);
    }
    return slot;
  }
  if (resolved instanceof Uint8Array) return secretSlot(resolved, options);
  if (isPlainObject(resolved) && 'kty' in resolved) return jwkSlot(resolved as JWK, options);
  throw new TokenKeyError('the key resolver returned an unsupported key');
}

// ---- raw inputs passed straight to createAccessToken / verifyAccessToken ----

/**
 * Imports of raw inputs, so that passing a secret string on every call costs one import, not one
 * per call. Objects are remembered per object (WeakMap: gone with the object). Strings and bytes are
 * remembered under a keyed fingerprint (HMAC-SHA-256 under a per-process random key), never under the
 * secret itself, in a small LRU map; bytes are re-fingerprinted on every call, so mutating a buffer
 * in place is noticed.
 */
const MAX_REMEMBERED_SECRETS = 32;
const secretImports = new Map<string, TokenKeyImpl | Promise<TokenKeyImpl>>();
const objectImports = new WeakMap<object, Map<string, TokenKeyImpl | Promise<TokenKeyImpl>>>();
let fingerprintKey: Uint8Array | undefined;

function fingerprint(input: string | Uint8Array): string {
  fingerprintKey ??= crypto.getRandomValues(new Uint8Array(32));
  const node = nodeCrypto();
  if (node) return node.createHmac('sha256', fingerprintKey).update(input).digest('base64');
  const digest = hmac(sha256, fingerprintKey, typeof input === 'string' ? utf8(input) : input);
  let out = '';
  for (const byte of digest) out += String.fromCharCode(byte);
  return out;
}

function remember(
  map: Map<string, TokenKeyImpl | Promise<TokenKeyImpl>>,
  id: string,
  load: () => Promise<TokenKeyImpl>,
  bounded: boolean,
): TokenKeyImpl | Promise<TokenKeyImpl> {
  const hit = map.get(id);
  if (hit !== undefined) {
    if (bounded) {
      map.delete(id);
      map.set(id, hit);
    }
    return hit;
  }
  const pending = load().then(
    (key) => {
      if (map.get(id) === pending) map.set(id, key);
      return key;
    },
    (error: unknown) => {
      if (map.get(id) === pending) map.delete(id);
      throw error;
    },
  );
  map.set(id, pending);
  if (bounded && map.size > MAX_REMEMBERED_SECRETS) map.delete(map.keys().next().value!);
  return pending;
}

/** A TokenKey for any key input; raw inputs are imported once and remembered (see above). */
export function resolveTokenKey(input: TokenKeyInput, algorithm?: TokenAlgorithm): TokenKeyImpl | Promise<TokenKeyImpl> {
  if (isTokenKey(input)) {
    if (algorithm !== undefined && algorithm !== input.algorithm) {
      throw new TokenKeyError('the algorithm option differs from the imported key\'s algorithm');
    }
    return input;
  }
  // A promise of a key (`key: importTokenKey(pem)`), of any realm, or a thenable: awaited, then used.
  if (isThenable(input)) return Promise.resolve(input).then((key) => resolveTokenKey(key as TokenKeyInput, algorithm));
  const options: ImportTokenKeyOptions = algorithm === undefined ? {} : { algorithm };
  const variant = algorithm ?? '';
  if (typeof input === 'string' || input instanceof Uint8Array) {
    // The input's type is part of the id: a PEM string imports a key, the same bytes are refused.
    const id = `${typeof input === 'string' ? 's' : 'b'}:${variant}:${fingerprint(input)}`;
    return remember(secretImports, id, () => importKey(input, options), true);
  }
  if ((typeof input === 'object' && input !== null) || typeof input === 'function') {
    let perObject = objectImports.get(input);
    if (!perObject) objectImports.set(input, (perObject = new Map()));
    return remember(perObject, variant, () => importKey(input, options), false);
  }
  throw new TokenKeyError('a key is required');
}
