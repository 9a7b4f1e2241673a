/** Bun's native password hashing, found at run time (no import of Bun's types or modules). */

/** What gatehouse uses of `Bun.password`. */
export interface BunPassword {
  verify(password: Uint8Array, hash: string): Promise<boolean>;
}

/**
 * `Bun.password` on Bun, else null: argon2 PHC strings and bcrypt hashes verified natively
 * (kdf/argon2.ts, schemes/bcrypt.ts). Kept apart from the hashing platform so that a bcrypt-only
 * bundle, which asks for this alone, carries none of the platform's digests and KDFs.
 */
export function bunPassword(): BunPassword | null {
  const password = (globalThis as { Bun?: { password?: { verify?: unknown } } }).Bun?.password;
  return typeof password?.verify === 'function' ? (password as BunPassword) : null;
}
