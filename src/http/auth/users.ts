/** The users side of the flow: where they come from, what of them is shown, who is disabled. */
import { BoundedMap } from '../../internal/bounded-map.js';
import { ConfigurationError } from '../../errors.js';
import { createMemoryUserStore, type UserRecord, type UserStore } from '../../users/index.js';

/**
 * The user's public fields, in the tutorial's order. Never the password hash.
 *
 * @example
 * const body: PublicUser = publicUser(result.user); // no hashed_password
 */
export interface PublicUser {
  username: string;
  email: string | null;
  full_name: string | null;
  disabled: boolean | null;
}

/**
 * The user's public fields (username, email, full_name, disabled), never the hash.
 *
 * @example
 * return jsonResponse(publicUser(result.user));
 */
export function publicUser(user: UserRecord): PublicUser {
  return {
    username: user.username,
    email: typeof user.email === 'string' ? user.email : null,
    full_name: typeof user.full_name === 'string' ? user.full_name : null,
    disabled: typeof user.disabled === 'boolean' ? user.disabled : null,
  };
}

/** The four fields publicUser reads, as read, and their JSON. */
interface SerializedPublicUser {
  readonly email: unknown;
  readonly full_name: unknown;
  readonly disabled: unknown;
  readonly json: string;
}

/**
 * @internal JSON.stringify(publicUser(user)), with the latest answers remembered by username:
 * serializing costs more than a cached token verification. Stores hand out fresh copies and may
 * change a user at any time, so an answer is reused only while the fields it was made from read
 * the very same values (===): for the strings and booleans it shows, that is the same output, and
 * anything else shows as null either way. Bounded (BoundedMap's approximate LRU).
 */
export function publicUserSerializer(maxEntries = 1000): (user: UserRecord) => string {
  const known = new BoundedMap<string, SerializedPublicUser>(maxEntries);
  return (user) => {
    const { username, email, full_name, disabled } = user;
    const entry = typeof username === 'string' ? known.get(username) : undefined;
    if (
      entry !== undefined &&
      entry.email === email &&
      entry.full_name === full_name &&
      entry.disabled === disabled
    ) {
      return entry.json;
    }
    const json = JSON.stringify(publicUser({ username, email, full_name, disabled }));
    if (typeof username === 'string') {
      known.set(username, { email, full_name, disabled, json });
    }
    return json;
  };
}

/** Anything but false/null/absent counts as disabled: a malformed flag locks the user out. */
export function isDisabled(user: UserRecord): boolean {
  return user.disabled !== undefined && user.disabled !== null && user.disabled !== false;
}

/** The `users` option as a store: a store as it is, a `fake_users_db`-shaped object in memory. */
export function toStore<U extends UserRecord>(users: UserStore<U> | Readonly<Record<string, U>>): UserStore<U> {
  if (users !== null && typeof users === 'object' && typeof (users as UserStore<U>).findUser === 'function') {
    return users as UserStore<U>;
  }
  if (users === null || typeof users !== 'object') throw new ConfigurationError('users must be a user store or an object of users');
  return createMemoryUserStore(users as Readonly<Record<string, U>>) as unknown as UserStore<U>;
}
