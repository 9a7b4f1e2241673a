/** The key ring's errors: a TokenKeyError (a deployment error, code ERR_TOKEN_KEY) with a `reason`. */
import { TokenKeyError } from '../errors.js';

/**
 * Why a key ring cannot be used:
 * - `secret`: the key-encryption secret is missing or too short;
 * - `wrong-secret`: the stored private keys were encrypted under another secret;
 * - `tampered`: a stored row was altered (its ciphertext, kid, algorithm or public key);
 * - `store`: the KeyRingStore failed or answered something that is not a key list;
 * - `empty`: the ring holds no key that can sign now.
 *
 * @example
 * const reason: KeyRingErrorReason = 'wrong-secret';
 */
export type KeyRingErrorReason = 'secret' | 'wrong-secret' | 'tampered' | 'store' | 'empty';

/**
 * A key ring that cannot be used. Messages never hold key material or the secret.
 *
 * @example
 * try { await ring.ready; } catch (error) {
 *   if (error instanceof KeyRingError && error.reason === 'wrong-secret') console.error('check $GATEHOUSE_KEY_SECRET');
 * }
 */
export class KeyRingError extends TokenKeyError {
  readonly reason: KeyRingErrorReason;
  constructor(reason: KeyRingErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}
