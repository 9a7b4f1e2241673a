/**
 * A user's token stamp: the value every token and session issued to a user is bound to, so that
 * changing it ends them all (logout everywhere, a password change, a disable, a removal).
 *
 * - On tables gatehouse owns, the stamp is a random value in the user's `token_stamp` column,
 *   renewed by the store (renewTokenStamp, setPassword, setDisabled): a user removed and added
 *   again gets a fresh one, so old tokens never pass for the new account.
 * - Where the table may not be altered (Django's `auth_user`, a plain `fake_users_db`), it is
 *   derived from the stored password hash (as Django's session auth hash is): a password change
 *   ends the tokens; the hash's own random salt makes a re-created user's stamp differ.
 */
import { utf8Encode } from '../../internal/bytes.js';
import { platform } from '../../platform/runtime.js';

/** Key of the keyed fingerprint that derives a stamp from a hash (a label, not a secret). */
const STAMP_LABEL = utf8Encode('gatehouse token stamp v1');
const STAMP_LENGTH = 16;
const MAX_STAMP_LENGTH = 64;

/**
 * The stamp of a user record: its `token_stamp` when it holds one (a non-empty string of at most
 * 64 characters), else one derived from `hashed_password`; '' when it has neither (such a user
 * cannot log in).
 *
 * @example
 * const stamp = tokenStampOf({ username: 'johndoe', hashed_password: hash }); // 16 base64url characters
 */
export function tokenStampOf(user: { readonly token_stamp?: unknown; readonly hashed_password?: unknown }): string {
  const own = user.token_stamp;
  if (typeof own === 'string' && own.length > 0 && own.length <= MAX_STAMP_LENGTH) return own;
  const hash = user.hashed_password;
  if (typeof hash !== 'string' || hash.length === 0) return '';
  const tag = platform().hmacSha256Base64(STAMP_LABEL, hash);
  return tag.slice(0, STAMP_LENGTH).replace(/\+/g, '-').replace(/\//g, '_');
}
