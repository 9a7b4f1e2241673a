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

/** A CryptContext or scheme was configured wrongly. */
export class ConfigurationError extends GatehouseError {
  constructor(message: string) {
    super('ERR_CONFIGURATION', message);
  }
}
