/**
 * Every error gatehouse throws on purpose is a GatehouseError with a stable `code`.
 * Messages never contain a password, a secret, a key or a token.
 */
/**
 * Every `code` a GatehouseError can carry (as jose's error codes): switch on it rather than on
 * classes or messages.
 *
 * @example
 * function status(error: GatehouseError): number {
 *   return error.code === 'ERR_TOKEN_SIGNING' ? 500 : error.code.startsWith('ERR_TOKEN') ? 401 : 400;
 * }
 */
export type GatehouseErrorCode =
  | 'ERR_HASH_UNKNOWN'
  | 'ERR_HASH_MALFORMED'
  | 'ERR_HASH_UNSUPPORTED'
  | 'ERR_HASH_COST_LIMIT'
  | 'ERR_HASH_WORKER'
  | 'ERR_PASSWORD_POLICY'
  | 'ERR_CONFIGURATION'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_CLAIM'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_TOKEN_KEY'
  | 'ERR_TOKEN_SIGNING'
  | 'ERR_COUNTER_STORE'
  | UserStoreErrorCode;

/**
 * Every error gatehouse throws on purpose: a stable `code`, and the error it wraps as `cause`.
 *
 * @example
 * try {
 *   await context.verify(password, stored);
 * } catch (error) {
 *   if (error instanceof GatehouseError) console.log(error.code, error.cause);
 * }
 */
export class GatehouseError extends Error {
  readonly code: GatehouseErrorCode;
  constructor(code: GatehouseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * No registered scheme recognises the hash.
 *
 * @example
 * await context.verify('pw', 'not a hash').catch((e) => e instanceof UnknownHashError); // true
 */
export class UnknownHashError extends GatehouseError {
  declare readonly code: 'ERR_HASH_UNKNOWN';
  constructor(message = 'hash format not recognised by any registered scheme') {
    super('ERR_HASH_UNKNOWN', message);
  }
}

/**
 * What the errors about one stored hash share: the scheme and the reason, as fields (a wrapping
 * scheme re-labels them without parsing a message).
 *
 * @example
 * if (error instanceof HashSchemeError) console.log(error.scheme, error.reason);
 */
export abstract class HashSchemeError extends GatehouseError {
  readonly scheme: string;
  /** What is wrong (never the hash itself). */
  readonly reason: string;
  constructor(code: GatehouseErrorCode, scheme: string, reason: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.scheme = scheme;
    this.reason = reason;
  }
}

/**
 * The hash belongs to a known scheme but cannot be parsed.
 *
 * @example
 * new MalformedHashError('bcrypt', 'bad salt').message; // 'malformed bcrypt hash: bad salt'
 */
export class MalformedHashError extends HashSchemeError {
  declare readonly code: 'ERR_HASH_MALFORMED';
  constructor(scheme: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_HASH_MALFORMED', scheme, reason, `malformed ${scheme} hash: ${reason}`, options);
  }
}

/**
 * The hash is recognised but deliberately not verified (e.g. bcrypt's `$2x$`).
 *
 * @example
 * new UnsupportedHashError('bcrypt', '$2x$ is not verified').code; // 'ERR_HASH_UNSUPPORTED'
 */
export class UnsupportedHashError extends HashSchemeError {
  declare readonly code: 'ERR_HASH_UNSUPPORTED';
  constructor(scheme: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_HASH_UNSUPPORTED', scheme, reason, `unsupported ${scheme} hash: ${reason}`, options);
  }
}

/**
 * A stored hash asks for more work or memory than the configured caps allow.
 *
 * @example
 * new HashCostLimitError('bcrypt', 'cost 20 is above maxRounds 14').reason; // 'cost 20 is above maxRounds 14'
 */
export class HashCostLimitError extends HashSchemeError {
  declare readonly code: 'ERR_HASH_COST_LIMIT';
  constructor(scheme: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_HASH_COST_LIMIT', scheme, reason, `${scheme} hash exceeds the configured cost limit: ${reason}`, options);
  }
}

/**
 * The password cannot be hashed (too long, NUL byte for bcrypt, ...). Never thrown by verify.
 *
 * @example
 * await context.hash('a\0b', { scheme: 'bcrypt' }).catch((e) => e.code); // 'ERR_PASSWORD_POLICY'
 */
export class PasswordPolicyError extends GatehouseError {
  declare readonly code: 'ERR_PASSWORD_POLICY';
  constructor(reason: string, options?: { cause?: unknown }) {
    super('ERR_PASSWORD_POLICY', `password rejected: ${reason}`, options);
  }
}

/**
 * Why a user store failed; the handler answers 503 for every one of them.
 *
 * @example
 * if (error instanceof UserStoreError && error.code === 'ERR_USER_STORE_UNAVAILABLE') retryLater();
 */
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

/**
 * Options were configured wrongly (a CryptContext, a scheme, a handler, a store). Only for
 * configuration: what fails at request time has its own error.
 *
 * @example
 * try { new CryptContext({ schemes: [] }); } catch (e) { e instanceof ConfigurationError; } // true
 */
export class ConfigurationError extends GatehouseError {
  declare readonly code: 'ERR_CONFIGURATION';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONFIGURATION', message, options);
  }
}

/**
 * A hashing-pool worker died (crashed, was killed, ran out of memory) while it computed this hash.
 * The worker is replaced; retrying the operation is safe. HTTP handlers answer 503.
 *
 * @example
 * if (error instanceof HashingWorkerError) return new Response(null, { status: 503 });
 */
export class HashingWorkerError extends GatehouseError {
  declare readonly code: 'ERR_HASH_WORKER';
  constructor(reason: string, options?: { cause?: unknown }) {
    super('ERR_HASH_WORKER', `password hashing worker failed: ${reason}`, options);
  }
}
