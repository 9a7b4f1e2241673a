/**
 * A password-hash scheme: a plain object, no base classes. The registry (CryptContext) owns
 * policy (which scheme is default, which are deprecated, password size limits); a scheme only
 * knows its own format.
 */
import { ConfigurationError } from '../errors.js';

/**
 * Per-scheme settings: cost parameters, salt sizes, idents, caps on stored hashes.
 *
 * @example
 * const settings: SchemeSettings = { rounds: 12 }; // new CryptContext({ ..., settings: { bcrypt: settings } })
 */
export type SchemeSettings = Record<string, unknown>;

/**
 * The interface every scheme object implements: identify, verify, needsUpdate and (unless verify-only) hash.
 *
 * @example
 * const legacy: PasswordScheme = {
 *   name: 'my_legacy', defaults: {},
 *   identify: (hash) => hash.startsWith('$my$'),
 *   verify: (password, hash) => myLegacyVerify(password, hash), // constant-time inside
 *   needsUpdate: () => true,
 * };
 * new CryptContext({ schemes: [scrypt, legacy], deprecated: 'auto' });
 */
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
 *
 * @example
 * new CryptContext({ schemes: [scrypt], updatePolicy: 'minimum' }); // a stronger stored hash is kept
 */
export type UpdatePolicy = 'exact' | 'minimum';

/**
 * A scheme that can hash new passwords: every built-in but the verify-only legacy ones (unsalted
 * digests, md5_crypt, phpass, LDAP). Can be a context's default.
 *
 * @example
 * const schemeForNewHashes: HashingScheme = scrypt;
 */
export interface HashingScheme<S extends SchemeSettings = SchemeSettings> extends PasswordScheme<S> {
  /** Hash the password (UTF-8 bytes, already checked against the context's size limit). */
  hash(password: Uint8Array, settings: S): Promise<string>;
}

const SCHEME_NAME = /^[a-z0-9_]+$/i;

/**
 * ConfigurationError unless `scheme` has the shape of a PasswordScheme: a name of letters, digits
 * and underscores, a defaults object, identify/verify/needsUpdate functions, hash a function or
 * absent. What defineScheme and registerScheme check.
 */
export function checkScheme(scheme: unknown): asserts scheme is PasswordScheme<any> {
  const candidate = scheme as Partial<PasswordScheme<any>> | null;
  if (!candidate || typeof candidate !== 'object' || typeof candidate.name !== 'string' || !SCHEME_NAME.test(candidate.name)) {
    throw new ConfigurationError('a scheme needs a name of letters, digits and underscores');
  }
  for (const method of ['identify', 'verify', 'needsUpdate'] as const) {
    if (typeof candidate[method] !== 'function') throw new ConfigurationError(`scheme ${candidate.name} lacks ${method}()`);
  }
  if (candidate.hash !== undefined && typeof candidate.hash !== 'function') {
    throw new ConfigurationError(`scheme ${candidate.name}: hash must be a function or absent`);
  }
  if (!candidate.defaults || typeof candidate.defaults !== 'object') {
    throw new ConfigurationError(`scheme ${candidate.name} needs a defaults object`);
  }
}

/**
 * Declare a scheme: checks its shape (ConfigurationError for a missing method, a bad name or no
 * defaults) and returns the object itself, typed by its settings; one with `hash` is a
 * HashingScheme. Every built-in scheme is declared with it.
 *
 * @example
 * // A verify-only scheme for an old system's `$legacy$<hex sha256>` hashes (hash absent: never the default).
 * const legacy = defineScheme<Record<string, never>>({
 *   name: 'my_legacy_sha256',
 *   defaults: {},
 *   identify: (hash) => hash.startsWith('$legacy$'),
 *   verify: async (password, hash) => timingSafeEqualHex(sha256Hex(password), hash.slice(8)),
 *   needsUpdate: () => true,
 * });
 * new CryptContext({ schemes: [scrypt, legacy], deprecated: 'auto' });
 */
export function defineScheme<S extends SchemeSettings>(scheme: HashingScheme<S>): HashingScheme<S>;
export function defineScheme<S extends SchemeSettings>(scheme: PasswordScheme<S>): PasswordScheme<S>;
// Checking throws only for a malformed scheme: bundlers may drop calls whose result is unused.
/* @__NO_SIDE_EFFECTS__ */ export function defineScheme<S extends SchemeSettings>(scheme: PasswordScheme<S>): PasswordScheme<S> {
  checkScheme(scheme);
  return scheme;
}
