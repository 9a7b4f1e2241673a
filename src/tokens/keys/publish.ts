/**
 * Publishing the public half of signing keys as a JSON Web Key Set (RFC 7517), for
 * `/.well-known/jwks.json`: public members only, each with `kid`, `alg` and `use: "sig"`.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { KeySlot } from './slot.js';
import { TokenKeyImpl, type TokenKey, type TokenKeySet } from './token-key.js';

/** The published form of a slot's public key, or undefined when the slot has none (HMAC, public half unknown). */
export function publishedJwk(slot: KeySlot): JWK | undefined {
  const pub = slot.publicJwk;
  if (pub === undefined || slot.kid === undefined) return undefined;
  // Copied member by member from the public JWK: nothing private can ride along.
  const out: JWK = { kty: pub.kty };
  for (const name of ['crv', 'n', 'e', 'x', 'y'] as const) if (typeof pub[name] === 'string') out[name] = pub[name];
  return { ...out, kid: slot.kid, alg: slot.alg, use: 'sig' };
}

/** The JSON Web Key Set of the slots that have a public key to publish. */
export function keySetOf(slots: readonly KeySlot[]): TokenKeySet {
  return { keys: slots.map(publishedJwk).filter((jwk): jwk is JWK => jwk !== undefined) };
}

/**
 * The RFC 7638 thumbprint of a public JWK (base64url SHA-256): a stable `kid` for a key that has none.
 *
 * @example
 * const kid = await jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' });
 */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

/**
 * A signing key that can be published: an asymmetric private key whose public half is known. Its
 * tokens carry a `kid` (the key's own, else its thumbprint), so that verifiers find it in the set.
 * Null for secrets and for keys that cannot sign or whose public half is unknown.
 */
export async function publishableKey(key: TokenKey): Promise<{ key: TokenKeyImpl; jwks: TokenKeySet } | null> {
  const impl = key as TokenKeyImpl;
  if (!(impl instanceof TokenKeyImpl) || impl.kind !== 'private' || impl.slots.length !== 1) return null;
  const slot = impl.slots[0]!;
  if (slot.publicJwk === undefined || slot.signAlg === undefined) return null;
  if (slot.kid !== undefined) return { key: impl, jwks: keySetOf([slot]) };
  const kid = await jwkThumbprint(slot.publicJwk);
  // The same slot with a kid: its methods are closures, so a copy signs and verifies as the original.
  const named: KeySlot = { ...slot, kid, supports: slot.supports, sign: slot.sign, verify: slot.verify };
  const withKid = new TokenKeyImpl({ kind: 'private', slots: [named], algorithms: impl.algorithms, cache: impl.cache });
  return { key: withKid, jwks: keySetOf([named]) };
}
