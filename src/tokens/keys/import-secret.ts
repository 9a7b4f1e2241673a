/** An HMAC secret (bytes) as a key slot; public key material posing as a secret is refused. */
import { ALGORITHMS } from '../algorithms.js';
import { TokenKeyError } from '../errors.js';
import { createHmacSlot } from './hmac-slot.js';
import { keyMaterialKind } from './key-material.js';
import type { KeySlot, SlotOptions } from './slot.js';

/** The slot of a raw secret. */
export async function secretSlot(bytes: Uint8Array, options: SlotOptions, declared = false): Promise<KeySlot> {
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
