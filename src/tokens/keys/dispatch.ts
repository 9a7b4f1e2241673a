/** importTokenKey: which importer a key input goes to, and the TokenKey made of its slot(s). */
import { createRemoteJWKSet, type JWK } from 'jose';
import { isThenable } from '../../internal/await.js';
import { utf8Encode } from '../../internal/bytes.js';
import { ALGORITHMS, type AlgorithmInfo } from '../algorithms.js';
import { DEFAULT_CACHE_ENTRIES, VerifiedTokenCache } from '../cache.js';
import { TokenKeyError } from '../errors.js';
import { checkAlgorithmList, checkAlgorithmOption } from './algorithm-options.js';
import { cryptoKeySlot, isCryptoKey } from './import-crypto-key.js';
import { jwkSlot } from './import-jwk.js';
import { PEM, pemSlot } from './import-pem.js';
import { secretSlot } from './import-secret.js';
import { isPlainObject, keySetSlots, resolverKey } from './jwks.js';
import type { KeySlot, SlotOptions } from './slot.js';
import {
  checkImportedAlgorithm,
  isTokenKey,
  TokenKeyImpl,
  type ImportTokenKeyOptions,
  type NodeKeyObjectLike,
  type TokenKey,
  type TokenKeyInput,
  type TokenKeyResolver,
  type TokenKeySet,
} from './token-key.js';

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

function kindOf(slot: KeySlot, secret: boolean): TokenKey['kind'] {
  return secret ? 'secret' : slot.signAlg !== undefined ? 'private' : 'public';
}

/**
 * Import a key once, for any number of createAccessToken / verifyAccessToken calls.
 *
 * @example
 * const key = await importTokenKey(process.env.JWT_SECRET!); // HS256
 * const jwks = await importTokenKey(new URL('https://issuer.example.com/.well-known/jwks.json'));
 */
export async function importTokenKey(input: TokenKeyInput, options: ImportTokenKeyOptions = {}): Promise<TokenKey> {
  return importKey(input, options);
}

/** importTokenKey's dispatch on the kind of input (no memo: see remembered.ts). */
export async function importKey(given: TokenKeyInput, options: ImportTokenKeyOptions): Promise<TokenKeyImpl> {
  const input = isThenable(given) ? ((await given) as TokenKeyInput) : given;
  if (options === null || typeof options !== 'object') throw new TokenKeyError('options must be an object');
  const algorithm = checkAlgorithmOption(options.algorithm, 'algorithm');
  const algorithms = checkAlgorithmList(options.algorithms, 'algorithms');
  if (options.kid !== undefined && typeof options.kid !== 'string') throw new TokenKeyError('kid must be a string');
  const slotOptions: SlotOptions = { algorithm, kid: options.kid, allowShortSecret: options.allowShortSecret === true };

  if (isTokenKey(input)) return checkImportedAlgorithm(input, algorithm);

  const single = (slot: KeySlot, secret: boolean): TokenKeyImpl => {
    const allowed = algorithms ?? [slot.signAlg ?? slot.alg];
    for (const alg of slot.canVerify ? allowed : []) {
      if (!slot.supports(ALGORITHMS[alg])) throw new TokenKeyError(`this key cannot verify ${alg}`);
    }
    return new TokenKeyImpl({ kind: kindOf(slot, secret), slots: [slot], algorithms: allowed, cache: makeCache(options, slot.canVerify) });
  };

  if (typeof input === 'string') {
    if (PEM.test(input.trimStart())) return single(await pemSlot(input.trim() + '\n', slotOptions), false);
    const bytes = utf8Encode(input);
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

/** The slot for a key a resolver returned. CryptoKeys are wrapped once per key object. */
const resolvedSlots = new WeakMap<CryptoKey, KeySlot>();

/** The slot of a key a resolver returned for a token of algorithm `info`. */
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
