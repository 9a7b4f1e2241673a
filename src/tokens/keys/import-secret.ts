/** An HMAC secret (bytes) as a key slot; public key material posing as a secret is refused. */
import { ALGORITHMS, type TokenAlgorithm } from '../algorithms.js';
import { TokenKeyError } from '../errors.js';
import { createHmacSlot } from './hmac-slot.js';
import { keyMaterialKind, MAX_SECRET_BYTES } from './key-material.js';
import type { KeySlot, SlotOptions } from './slot.js';

/**
 * The synchronous checks of a raw secret but its length (createHmacSlot's): its size, public key
 * material posing as a secret, an algorithm that is not HMAC. Returns the algorithm it signs with.
 */
export function checkSecret(bytes: Uint8Array, algorithm: TokenAlgorithm | undefined): TokenAlgorithm {
  if (bytes.length > MAX_SECRET_BYTES) {
    throw new TokenKeyError(`an HMAC secret longer than ${MAX_SECRET_BYTES} bytes is not accepted (a random secret of 32 to 64 bytes is enough)`);
  }
  // The classic confusion: a public key or certificate (public, so anyone could sign) as a secret.
  const material = keyMaterialKind(bytes);
  if (material !== null) {
    // Names the kind and encoding only: the message never carries the material itself.
    throw new TokenKeyError(`${material} cannot be an HMAC secret; to use the key it holds, pass it decoded (a PEM string alone, a JWK or a KeyObject)`);
  }
  const alg = algorithm ?? 'HS256';
  if (ALGORITHMS[alg].family !== 'HMAC') throw new TokenKeyError(`a secret cannot be used with ${alg}`);
  return alg;
}

/** The slot of a raw secret. */
export async function secretSlot(bytes: Uint8Array, options: SlotOptions, declared = false): Promise<KeySlot> {
  const alg = checkSecret(bytes, options.algorithm);
  return createHmacSlot(bytes, {
    alg,
    declared,
    kid: options.kid,
    allowShortSecret: options.allowShortSecret,
  });
}
