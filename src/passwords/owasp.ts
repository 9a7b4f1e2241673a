/**
 * The cost numbers of OWASP's Password Storage Cheat Sheet, in one place: the built-in schemes'
 * defaults, the default context and `gatehouse hash` read them from here (the caps on stored
 * hashes are DEFAULT_LIMITS, limits.ts).
 */

/**
 * OWASP's costs as CryptContext settings, keyed by scheme name:
 * - scrypt N=2^17 (ln=17), r=8, p=1: 128 MiB and ~0.15-0.3 s per hash on one core (new hashes of
 *   the default context);
 * - bcrypt cost 12 (OWASP's floor is 10), PBKDF2-HMAC-SHA256 600,000 iterations, PBKDF2-HMAC-SHA512
 *   210,000, PBKDF2-HMAC-SHA1 1,300,000.
 * Every scheme listed here must be listed in a context given these settings.
 *
 * @example
 * import { CryptContext, OWASP_SETTINGS } from 'gatehouse';
 * const context = new CryptContext({
 *   schemes: ['scrypt', 'bcrypt', 'pbkdf2_sha256', 'pbkdf2_sha512', 'pbkdf2_sha1'],
 *   settings: OWASP_SETTINGS,
 * });
 */
export const OWASP_SETTINGS = {
  scrypt: { ln: 17, r: 8, p: 1 },
  bcrypt: { rounds: 12 },
  pbkdf2_sha256: { rounds: 600_000 },
  pbkdf2_sha512: { rounds: 210_000 },
  pbkdf2_sha1: { rounds: 1_300_000 },
} as const;

/** @internal OWASP's argon2id: 19 MiB, 2 passes, 1 lane (the `argon2` scheme's defaults). */
export const OWASP_ARGON2ID = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
