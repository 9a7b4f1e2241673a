import { CryptContext, type Password } from './context.js';
import { legacySchemes } from './schemes/legacy.js';

/**
 * The default policy, from OWASP's Password Storage Cheat Sheet:
 * - new hashes: scrypt N=2^17 (ln=17), r=8, p=1 — 128 MiB and ~0.15-0.3 s per hash on one core;
 * - bcrypt at cost 12 (OWASP's floor is 10), PBKDF2-HMAC-SHA256 at 600,000 iterations and every
 *   legacy format (Django, Werkzeug, WordPress, PHP, passlib, better-auth, LDAP) stay verifiable
 *   and are upgraded to scrypt at the next successful login. Unsalted hex digests are left out:
 *   a deployment that has them lists them itself.
 * Memory-constrained runtimes (Cloudflare Workers: 128 MiB per isolate) should build their own
 * context with bcrypt as the default.
 */
export const OWASP_SETTINGS = {
  scrypt: { ln: 17, r: 8, p: 1 },
  bcrypt: { rounds: 12 },
  pbkdf2_sha256: { rounds: 600_000 },
  pbkdf2_sha512: { rounds: 210_000 },
  pbkdf2_sha1: { rounds: 1_300_000 },
} as const;

let defaultContext: CryptContext | undefined;

/** The context used when none is given: scrypt for new hashes, the other built-ins deprecated. */
export function getDefaultContext(): CryptContext {
  defaultContext ??= new CryptContext({
    schemes: [
      'scrypt',
      'bcrypt',
      'pbkdf2_sha256',
      'pbkdf2_sha512',
      'pbkdf2_sha1',
      ...legacySchemes.filter((scheme) => !scheme.name.startsWith('hex_')),
    ],
    deprecated: 'auto',
    settings: OWASP_SETTINGS,
  });
  return defaultContext;
}

export interface PasswordOptions {
  context?: CryptContext;
}

/** Hash a password with the context's default scheme. */
export function hashPassword(password: Password, options: PasswordOptions = {}): Promise<string> {
  return (options.context ?? getDefaultContext()).hash(password);
}

/** True when the password matches the hash; throws only for a hash no scheme can read. */
export function verifyPassword(
  password: Password,
  hash: string | null | undefined,
  options: PasswordOptions = {},
): Promise<boolean> {
  return (options.context ?? getDefaultContext()).verify(password, hash);
}

export { CryptContext };
export type { CryptContextOptions, Password, VerifyAndUpdateResult } from './context.js';
export type { PasswordScheme, SchemeSettings, UpdatePolicy } from './scheme.js';
export { defineScheme } from './scheme.js';
export { registerScheme, listSchemes } from './registry.js';
export { MAX_PASSWORD_BYTES, BCRYPT_MAX_PASSWORD_BYTES, DEFAULT_LIMITS } from './limits.js';
export * as schemes from './schemes/index.js';
export * from './presets/index.js';
export { configureHashingPool, warmHashingPool, type HashingPoolOptions } from '../platform/hashing-pool.js';
