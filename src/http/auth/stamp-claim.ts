/**
 * The `stp` claim: a short fingerprint of the user's token stamp (tokenStampOf) in every access
 * token the handler signs, so that requireUser refuses a token issued before a password change, a
 * logout everywhere, or to a user of the same name who was removed (the new one's stamp differs).
 * A fingerprint rather than the stamp: fixed size, and nothing of the stored row in the token.
 */
import { BoundedMap } from '../../internal/bounded-map.js';
import { utf8Encode } from '../../internal/bytes.js';
import { platform } from '../../platform/runtime.js';
import { tokenStampOf } from '../../tokens/index.js';
import type { UserRecord } from '../../users/index.js';

/** The claim's name. */
export const STAMP_CLAIM = 'stp';
const LABEL = utf8Encode('gatehouse stamp claim v1');
/** 12 base64url characters: 72 bits. */
const LENGTH = 12;

interface Remembered {
  readonly tokenStamp: unknown;
  readonly hash: unknown;
  readonly claim: string;
}

/**
 * @internal The claim value of a user, with the latest answers remembered by username while the
 * fields it derives from read the very same values (stores hand out fresh copies).
 */
export function stampClaimer(maxEntries = 1000): (user: UserRecord) => string {
  const known = new BoundedMap<string, Remembered>(maxEntries);
  return (user) => {
    const { username, token_stamp: tokenStamp, hashed_password: hash } = user as UserRecord & { token_stamp?: unknown };
    const entry = typeof username === 'string' ? known.get(username) : undefined;
    if (entry !== undefined && entry.tokenStamp === tokenStamp && entry.hash === hash) return entry.claim;
    const tag = platform().hmacSha256Base64(LABEL, tokenStampOf({ token_stamp: tokenStamp, hashed_password: hash }));
    const claim = tag.slice(0, LENGTH).replace(/\+/g, '-').replace(/\//g, '_');
    if (typeof username === 'string') known.set(username, { tokenStamp, hash, claim });
    return claim;
  };
}
