/** A Web Crypto CryptoKey as a key slot: its algorithm and usages decide what it may do. */
import { exportJWK, importJWK } from 'jose';
import { TokenKeyError } from '../errors.js';
import { algorithmOfCryptoKey, checkRsaSize, createAsymmetricSlot, publicJwk } from './asymmetric-slot.js';
import { createHmacCryptoKeySlot } from './hmac-slot.js';
import type { KeySlot, SlotOptions } from './slot.js';

/** True for a Web Crypto key (of this realm). */
export function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey === 'function' && value instanceof CryptoKey;
}

/** The slot of a CryptoKey. */
export async function cryptoKeySlot(key: CryptoKey, options: SlotOptions): Promise<KeySlot> {
  const alg = algorithmOfCryptoKey(key);
  if (!alg) throw new TokenKeyError('the CryptoKey\'s algorithm is not a supported JWS algorithm');
  if (options.algorithm !== undefined && options.algorithm !== alg) {
    throw new TokenKeyError('the algorithm option differs from the CryptoKey\'s algorithm');
  }
  if (key.type === 'secret') return createHmacCryptoKeySlot(key, alg, options.kid, options.allowShortSecret);
  checkRsaSize(key);
  if (key.type === 'public') {
    if (!key.usages.includes('verify')) throw new TokenKeyError('the CryptoKey\'s usages do not include "verify"');
    return createAsymmetricSlot({ alg, declared: true, kid: options.kid, publicKey: key });
  }
  if (!key.usages.includes('sign')) throw new TokenKeyError('the CryptoKey\'s usages do not include "sign"');
  // A private CryptoKey verifies only if its public half can be derived (extractable keys).
  let publicKey: CryptoKey | undefined;
  let pub: ReturnType<typeof publicJwk> | undefined;
  if (key.extractable) {
    pub = publicJwk(await exportJWK(key));
    publicKey = (await importJWK(pub, alg, { extractable: false })) as CryptoKey;
  }
  return createAsymmetricSlot({ alg, declared: true, kid: options.kid, privateKey: key, ...(publicKey && { publicKey, publicJwk: pub }) });
}
