/** Raw key inputs passed straight to createAccessToken / verifyAccessToken, imported once. */
import { isThenable } from '../../internal/await.js';
import { BoundedMap } from '../../internal/bounded-map.js';
import { randomBytes } from '../../internal/bytes.js';
import { platform } from '../../platform/runtime.js';
import type { TokenAlgorithm } from '../algorithms.js';
import { TokenKeyError } from '../errors.js';
import { importKey } from './dispatch.js';
import { checkImportedAlgorithm, isTokenKey, type ImportTokenKeyOptions, type TokenKeyImpl, type TokenKeyInput } from './token-key.js';

/**
 * Imports of raw inputs, so that passing a secret string on every call costs one import, not one
 * per call. Objects are remembered per object (WeakMap: gone with the object). Strings and bytes are
 * remembered under a keyed fingerprint (HMAC-SHA-256 under a per-process random key), never under the
 * secret itself, in a small BoundedMap; bytes are re-fingerprinted on every call, so mutating a buffer
 * in place is noticed.
 */
const MAX_REMEMBERED_SECRETS = 32;
/** Per object, one entry per `algorithm` variant (at most four in practice: bounded to be sure). */
const MAX_VARIANTS_PER_OBJECT = 16;
type Remembered = BoundedMap<string, TokenKeyImpl | Promise<TokenKeyImpl>>;
const secretImports: Remembered = new BoundedMap(MAX_REMEMBERED_SECRETS);
const objectImports = new WeakMap<object, Remembered>();
let fingerprintKey: Uint8Array | undefined;

function fingerprint(input: string | Uint8Array): string {
  fingerprintKey ??= randomBytes(32);
  return platform().hmacSha256Base64(fingerprintKey, input);
}

function remember(map: Remembered, id: string, load: () => Promise<TokenKeyImpl>): TokenKeyImpl | Promise<TokenKeyImpl> {
  const hit = map.get(id);
  if (hit !== undefined) return hit;
  const pending = load().then(
    (key) => {
      if (map.peek(id) === pending) map.set(id, key);
      return key;
    },
    (error: unknown) => {
      if (map.peek(id) === pending) map.delete(id);
      throw error;
    },
  );
  map.set(id, pending);
  return pending;
}

/** A TokenKey for any key input; raw inputs are imported once and remembered (see above). */
export function resolveTokenKey(input: TokenKeyInput, algorithm?: TokenAlgorithm): TokenKeyImpl | Promise<TokenKeyImpl> {
  if (isTokenKey(input)) return checkImportedAlgorithm(input, algorithm);
  // A promise of a key (`key: importTokenKey(pem)`), of any realm, or a thenable: awaited, then used.
  if (isThenable(input)) return Promise.resolve(input).then((key) => resolveTokenKey(key as TokenKeyInput, algorithm));
  const options: ImportTokenKeyOptions = algorithm === undefined ? {} : { algorithm };
  const variant = algorithm ?? '';
  if (typeof input === 'string' || input instanceof Uint8Array) {
    // The input's type is part of the id: a PEM string imports a key, the same bytes are refused.
    const id = `${typeof input === 'string' ? 's' : 'b'}:${variant}:${fingerprint(input)}`;
    return remember(secretImports, id, () => importKey(input, options));
  }
  if ((typeof input === 'object' && input !== null) || typeof input === 'function') {
    let perObject = objectImports.get(input);
    if (!perObject) objectImports.set(input, (perObject = new BoundedMap(MAX_VARIANTS_PER_OBJECT)));
    return remember(perObject, variant, () => importKey(input, options));
  }
  throw new TokenKeyError('a key is required');
}
