/**
 * A password-hash scheme: a plain object, no base classes. The registry (CryptContext) owns
 * policy (which scheme is default, which are deprecated, password size limits); a scheme only
 * knows its own format.
 */

/** Per-scheme settings: cost parameters, salt sizes, idents, caps on stored hashes. */
export type SchemeSettings = Record<string, unknown>;

export interface PasswordScheme<S extends SchemeSettings = SchemeSettings> {
  /** passlib's name for the scheme (`bcrypt`, `scrypt`, `pbkdf2_sha256`, ...). */
  readonly name: string;
  /** Settings used when the context configures none; also documents the knobs. */
  readonly defaults: Readonly<S>;
  /** True when the hash is of this scheme's format (cheap: prefix and shape only). */
  identify(hash: string): boolean;
  /**
   * Hash the password (UTF-8 bytes, already checked against the context's size limit).
   * Absent for verify-only legacy schemes (unsalted digests and the like).
   */
  hash?(password: Uint8Array, settings: S): Promise<string>;
  /**
   * Compare in constant time. Returns false for a wrong password; throws MalformedHashError,
   * UnsupportedHashError or HashCostLimitError only because of the hash, never the password.
   */
  verify(password: Uint8Array, hash: string, settings: S): Promise<boolean>;
  /**
   * True when the hash's parameters differ from `settings` (policy 'exact'), or are weaker
   * than them (policy 'minimum'). Throws MalformedHashError for an unreadable hash.
   */
  needsUpdate(hash: string, settings: S, policy: UpdatePolicy): boolean;
}

/**
 * 'exact': any parameter that differs from the configured one (Django, argon2-cffi) — the default,
 * so that raising the cost moves old hashes on at their next login.
 * 'minimum': only parameters weaker than the configured ones (closer to passlib's min/max bounds).
 */
export type UpdatePolicy = 'exact' | 'minimum';

/** Helper for authors of schemes: settings merged over defaults, with type inference. */
export function defineScheme<S extends SchemeSettings>(scheme: PasswordScheme<S>): PasswordScheme<S> {
  return scheme;
}
