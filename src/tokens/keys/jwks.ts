/** JSON Web Key Sets and key resolvers (jose's createRemoteJWKSet) as TokenKeys. */
import type { JWK } from 'jose';
import { algorithmInfo, ASYMMETRIC_ALGORITHMS, type TokenAlgorithm } from '../algorithms.js';
import { TokenKeyError } from '../errors.js';
import { inferJwkAlgorithm, jwkSlot } from './import-jwk.js';
import type { KeySlot, SlotOptions } from './slot.js';
import { TokenKeyImpl, type TokenKeyResolver, type TokenKeySet } from './token-key.js';

/** A plain object (no class instance): what a JSON document parses to. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The signature keys of a set (a snapshot: later changes to the object do not count). */
export async function keySetSlots(set: TokenKeySet, options: SlotOptions): Promise<KeySlot[]> {
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

/** A TokenKey that asks the resolver for each token's key. */
export function resolverKey(resolver: TokenKeyResolver, algorithms: TokenAlgorithm[] | undefined): TokenKeyImpl {
  // Keys behind a resolver can change at any fetch, so verified tokens are never cached for them.
  return new TokenKeyImpl({
    kind: 'remote',
    slots: [],
    algorithms: algorithms ?? ASYMMETRIC_ALGORITHMS,
    resolver,
    cache: null,
  });
}
