/** PEM text (SPKI, PKCS#8, X.509) as a key slot, through jose's importers. */
import { exportJWK, importPKCS8, importSPKI, importX509, type JWK } from 'jose';
import { ALGORITHMS, type TokenAlgorithm } from '../algorithms.js';
import { TokenKeyError } from '../errors.js';
import { jwkSlot } from './import-jwk.js';
import type { KeySlot, SlotOptions } from './slot.js';

/** A PEM block's first line. */
export const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n/;

/** The slot of a PEM key; without an algorithm option, the first that imports. */
export async function pemSlot(pem: string, options: SlotOptions): Promise<KeySlot> {
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
