/**
 * passlib's MAX_PASSWORD_SIZE: longer passwords are refused before any hashing (a DoS guard).
 *
 * @example
 * new CryptContext({ schemes: [scrypt], maxPasswordBytes: MAX_PASSWORD_BYTES / 4 });
 */
export const MAX_PASSWORD_BYTES = 4096;

/**
 * bcrypt reads at most this many bytes of the password.
 *
 * @example
 * if (new TextEncoder().encode(password).length > BCRYPT_MAX_PASSWORD_BYTES) useBcryptSha256Instead();
 */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/**
 * Caps on the cost parameters read from stored hashes, so that a hostile or mistaken hash cannot pin
 * a CPU or take the memory of the process: a stored hash above a cap is refused (HashCostLimitError)
 * before any work, and login reports it (`onHashRefused`). The one source of these numbers; each
 * scheme takes its own value in the context's settings (`settings: { bcrypt: { maxRounds: 16 } }`).
 *
 * Chosen so that one verify stays under about 2 s on a 2-core x86-64 server under load (Node 20,
 * measured with the implementations of this package; README "Limits"): the costliest hash each cap
 * admits took bcrypt 14: 0.9-1.5 s (15: 1.9-3.1 s), scrypt 128*N*r*p = 256 MiB: 1.1 s, argon2
 * m*t = 192-200 MiB·passes (FastAPI's and passlib's defaults): 1.2-1.5 s, PBKDF2-SHA512 2M
 * rounds: 1.2 s (SHA-256 5M: 1.2 s), sha512_crypt 1M rounds: 1.3 s, phpass 2^20: 1.4 s.
 *
 * @example
 * new CryptContext({ schemes: [bcrypt], settings: { bcrypt: { maxRounds: DEFAULT_LIMITS.bcryptMaxRounds + 1 } } });
 */
export const DEFAULT_LIMITS = {
  /** bcrypt log2 rounds (bcrypt, bcrypt_sha256, Django's and WordPress's bcrypt). */
  bcryptMaxRounds: 14,
  /** scrypt memory: 128 * N * r bytes (the V table) at most. */
  scryptMaxMemoryBytes: 256 * 1024 * 1024,
  /** scrypt work: 128 * N * r * p bytes mixed at most (p runs one after another). */
  scryptMaxWorkBytes: 384 * 1024 * 1024,
  /** scrypt p (parallelism: time, not memory). */
  scryptMaxParallelism: 16,
  /** PBKDF2 iterations (every digest: SHA-512 is the slowest, 3M about 1.8 s). */
  pbkdf2MaxRounds: 3_000_000,
  /** argon2 memory in KiB (256 MiB: libsodium's "moderate"). */
  argon2MaxMemoryKiB: 262_144,
  /** argon2 passes. */
  argon2MaxTimeCost: 10,
  /** argon2 lanes. */
  argon2MaxParallelism: 16,
  /** argon2 work: m * t (KiB x passes) at most: 256 MiB once, 64 MiB 4 times, ... */
  argon2MaxWorkKiB: 262_144,
  /** SHA-crypt rounds (sha256_crypt, sha512_crypt). */
  shaCryptMaxRounds: 1_000_000,
  /** phpass log2 rounds. */
  phpassMaxRoundsLog2: 20,
} as const;
