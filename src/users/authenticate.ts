/** authenticateUser: the password check of a login, timing-safe for unknown users, with hash upgrades. */
import { HashCostLimitError, MalformedHashError, UnknownHashError, UnsupportedHashError } from '../errors.js';
import { notify } from '../internal/await.js';
import { type CryptContext, getDefaultContext, type Password } from '../passwords/index.js';
import { type UserRecord, type UserStore, findStoredUser } from './store-interface.js';

/**
 * A stored hash that login refused to check: what `onHashRefused` hears. Never carries the hash.
 *
 * @example
 * createAuthHandler({ users, key, onHashRefused: ({ username, code, reason }) => log.warn(`${username}: ${code} ${reason}`) });
 */
export interface HashRefusal {
  /** The user whose stored hash it is. */
  username: string;
  /** The scheme that claimed the hash, or null when none did. */
  scheme: string | null;
  /** ERR_HASH_COST_LIMIT (above a cap: DEFAULT_LIMITS), ERR_HASH_MALFORMED, ERR_HASH_UNSUPPORTED or ERR_HASH_UNKNOWN. */
  code: 'ERR_HASH_COST_LIMIT' | 'ERR_HASH_MALFORMED' | 'ERR_HASH_UNSUPPORTED' | 'ERR_HASH_UNKNOWN';
  /** Why, e.g. "cost 20 is above maxRounds 14". */
  reason: string;
}

/**
 * Options of authenticateUser.
 *
 * @example
 * await authenticateUser(users, username, password, { context: presets.django(), onUpdateError: (error) => log.warn(error) });
 */
export interface AuthenticateOptions {
  /** Default: getDefaultContext() (scrypt, with bcrypt and PBKDF2 upgraded at login). */
  context?: CryptContext;
  /** Told when saving an upgraded hash failed (the login succeeds regardless). */
  onUpdateError?: (error: unknown) => void;
  /**
   * Told when a user's stored hash is refused rather than checked (too costly for the caps, or
   * unreadable): the login fails like a wrong password, and this tells an operator that the
   * account, not the password, is broken. Told who and why, never the hash.
   */
  onHashRefused?: (refusal: HashRefusal) => void;
  /**
   * Told after a login's rehash was saved (`updatePasswordHash` did not answer false): who, and the
   * scheme of the new hash. Never the hash or the password.
   */
  onHashUpgraded?: (upgrade: { username: string; scheme: string }) => void;
  /**
   * Told why a login gave null: `unknown_user` (no such user, or one without a stored hash) or
   * `bad_password` (a wrong password, or a stored hash refused: see onHashRefused). For logs and
   * events only: the answer to the client must not tell these apart.
   */
  onRejected?: (reason: 'unknown_user' | 'bad_password') => void;
}

/** Hash errors that mean "this stored hash cannot be checked", not "the server is broken". */
function refusalOf(error: unknown, username: string): HashRefusal | null {
  if (error instanceof UnknownHashError) return { username, scheme: null, code: 'ERR_HASH_UNKNOWN', reason: 'no scheme of the context reads it' };
  if (error instanceof MalformedHashError || error instanceof UnsupportedHashError || error instanceof HashCostLimitError) {
    return { username, scheme: error.scheme, code: error.code as HashRefusal['code'], reason: error.reason };
  }
  return null;
}

/**
 * The user when `password` is theirs, else null. Timing does not tell unknown users apart: an unknown
 * user, a user without a hash and a hash no scheme can read all cost one verify against a hash of
 * the default scheme (context.dummyVerify) and give null, never an error. A correct password on an
 * outdated hash is rehashed with the current policy, saved through `updatePasswordHash` when the
 * store has it, and the returned user carries the new hash. If saving fails the login still
 * succeeds with the old hash (the upgrade is retried at the next login) and `onUpdateError` hears of it.
 * Arguments of the wrong type (from an untyped caller) give null.
 *
 * @example
 * const user = await authenticateUser(users, form.username, form.password);
 * if (!user) return new Response('{"detail":"Incorrect username or password"}', { status: 401 });
 */
export async function authenticateUser<U extends UserRecord>(
  users: UserStore<U>,
  username: string,
  password: Password,
  options: AuthenticateOptions = {},
): Promise<U | null> {
  const context = options.context ?? getDefaultContext();
  // Wrong types say nothing about which users exist: no lookup, no hashing.
  if (typeof username !== 'string' || !(typeof password === 'string' || password instanceof Uint8Array)) return null;
  const user = await findStoredUser(users, username);
  const hash = user?.hashed_password;
  if (!user || typeof hash !== 'string' || hash === '') {
    await context.dummyVerify();
    notify(options.onRejected, 'unknown_user');
    return null;
  }
  let result: { valid: boolean; newHash: string | null };
  const startedAt = context.now();
  try {
    result = await context.verifyAndUpdate(password, hash);
  } catch (error) {
    const refusal = refusalOf(error, username);
    if (!refusal) throw error;
    notify(options.onHashRefused, refusal);
    await context.dummyVerify();
    notify(options.onRejected, 'bad_password');
    return null;
  }
  if (!result.valid) {
    // A wrong password on a hash cheaper than the default costs what an unknown user costs.
    await context.hardenRuntime(startedAt);
    notify(options.onRejected, 'bad_password');
    return null;
  }
  if (result.newHash === null) return user;
  let saved: unknown;
  try {
    if (typeof users.updatePasswordHash !== 'function') return user;
    // The verified hash goes along: the store replaces it only if it is still the stored one.
    saved = await users.updatePasswordHash(username, result.newHash, hash);
  } catch (error) {
    notify(options.onUpdateError, error);
    return user;
  }
  if (saved === false) return user;
  notify(options.onHashUpgraded, { username, scheme: context.identify(result.newHash) ?? 'unknown' });
  return { ...user, hashed_password: result.newHash };
}
