/** passlib's MAX_PASSWORD_SIZE: longer passwords are refused before any hashing (a DoS guard). */
export const MAX_PASSWORD_BYTES = 4096;

/** bcrypt reads at most this many bytes of the password. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/** Caps on the cost parameters read from stored hashes, so a hostile hash cannot pin a CPU. */
export const DEFAULT_LIMITS = {
  /** bcrypt log2 rounds. */
  bcryptMaxRounds: 20,
  /** scrypt memory, 128 * N * r * p bytes... compared as 128 * N * r against this. */
  scryptMaxMemoryBytes: 1024 * 1024 * 1024,
  /** scrypt p (parallelism: time, not memory). */
  scryptMaxParallelism: 16,
  /** PBKDF2 iterations. */
  pbkdf2MaxRounds: 10_000_000,
} as const;
