/**
 * Every error gatehouse throws on purpose is a GatehouseError with a stable `code`.
 * Messages never contain a password, a secret, a key or a token.
 */
export class GatehouseError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** No registered scheme recognises the hash. */
export class UnknownHashError extends GatehouseError {
  constructor(message = 'hash format not recognised by any registered scheme') {
    super('ERR_HASH_UNKNOWN', message);
  }
}

/** The hash belongs to a known scheme but cannot be parsed. */
export class MalformedHashError extends GatehouseError {
  readonly scheme: string;
  /** What is wrong with it (never the hash itself). */
  readonly reason: string;
  constructor(scheme: string, reason: string) {
    super('ERR_HASH_MALFORMED', `malformed ${scheme} hash: ${reason}`);
    this.scheme = scheme;
    this.reason = reason;
  }
}

/** The hash is recognised but deliberately not verified (e.g. bcrypt's `$2x$`). */
export class UnsupportedHashError extends GatehouseError {
  readonly scheme: string;
  readonly reason: string;
  constructor(scheme: string, reason: string) {
    super('ERR_HASH_UNSUPPORTED', `unsupported ${scheme} hash: ${reason}`);
    this.scheme = scheme;
    this.reason = reason;
  }
}

/** A stored hash asks for more work or memory than the configured caps allow. */
export class HashCostLimitError extends GatehouseError {
  readonly scheme: string;
  /** Which cap, e.g. "cost 20 is above maxRounds 14". */
  readonly reason: string;
  constructor(scheme: string, reason: string) {
    super('ERR_HASH_COST_LIMIT', `${scheme} hash exceeds the configured cost limit: ${reason}`);
    this.scheme = scheme;
    this.reason = reason;
  }
}

/** The password cannot be hashed (too long, NUL byte for bcrypt, ...). Never thrown by verify. */
export class PasswordPolicyError extends GatehouseError {
  constructor(reason: string) {
    super('ERR_PASSWORD_POLICY', `password rejected: ${reason}`);
  }
}

/** Why a user store failed; the handler answers 503 for every one of them. */
export type UserStoreErrorCode =
  /** The database cannot be reached, is shutting down, busy or locked, or did not answer in time. */
  | 'ERR_USER_STORE_UNAVAILABLE'
  /** The database refused a statement (a missing table or column, a constraint, permissions). */
  | 'ERR_USER_STORE_QUERY'
  /** The database answered with something of the wrong shape (a username that is not text, two rows for one name). */
  | 'ERR_USER_STORE_DATA'
  /** createUser: the username is taken. */
  | 'ERR_USER_EXISTS'
  /** setPassword, setDisabled, deleteUser: no such user. */
  | 'ERR_USER_NOT_FOUND'
  /** createUser and friends: a username or field the store cannot hold (empty, too long, NUL, wrong type). */
  | 'ERR_USER_INVALID';

/** Marks UserStoreErrors; Symbol.for so that separately bundled copies agree. */
const USER_STORE_ERROR: unique symbol = Symbol.for('gatehouse.user-store-error') as never;

/**
 * A user store (SQLite, PostgreSQL, D1, ...) failed. The message names the operation and the kind of
 * failure, never SQL text, a password or a hash; the driver's error is kept as `cause` for logs.
 *
 * @example
 * try {
 *   await store.createUser({ username: 'alice', hashed_password: hash });
 * } catch (error) {
 *   if (error instanceof UserStoreError && error.code === 'ERR_USER_EXISTS') console.log('taken');
 *   else throw error;
 * }
 */
export class UserStoreError extends GatehouseError {
  declare readonly code: UserStoreErrorCode;
  constructor(code: UserStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    Object.defineProperty(this, USER_STORE_ERROR, { value: true });
  }

  /**
   * `instanceof` by brand: the CommonJS entry points (gatehouse, gatehouse/sqlite, ...) each bundle
   * their own copy of this class, and the handler must know a store's error from any of them.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [USER_STORE_ERROR]?: unknown })[USER_STORE_ERROR] === true;
  }
}

/** A CryptContext or scheme was configured wrongly. */
export class ConfigurationError extends GatehouseError {
  constructor(message: string) {
    super('ERR_CONFIGURATION', message);
  }
}

/**
 * A hashing-pool worker died (crashed, was killed, ran out of memory) while it computed this hash.
 * The worker is replaced; retrying the operation is safe. HTTP handlers answer 503.
 */
export class HashingWorkerError extends GatehouseError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('ERR_HASH_WORKER', `password hashing worker failed: ${reason}`, options);
  }
}
