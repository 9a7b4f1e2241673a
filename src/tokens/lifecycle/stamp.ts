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
import { BoundedMap } from '../../internal/bounded-map.js';
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

/**
 * @internal tokenStampOf with the latest answers remembered by username while the record's
 * `token_stamp` and `hashed_password` are the very same values (a derived stamp costs an HMAC,
 * which a request authenticated by a session cookie would otherwise pay every time).
 */
export function rememberedTokenStamps(maxEntries = 1000): (user: { readonly username?: unknown; readonly token_stamp?: unknown; readonly hashed_password?: unknown }) => string {
  const known = new BoundedMap<string, { readonly tokenStamp: unknown; readonly hash: unknown; readonly stamp: string }>(maxEntries);
  return (user) => {
    const { username, token_stamp: tokenStamp, hashed_password: hash } = user;
    const entry = typeof username === 'string' ? known.get(username) : undefined;
    if (entry !== undefined && entry.tokenStamp === tokenStamp && entry.hash === hash) return entry.stamp;
    const stamp = tokenStampOf(user);
    if (typeof username === 'string') known.set(username, { tokenStamp, hash, stamp });
    return stamp;
  };
}
