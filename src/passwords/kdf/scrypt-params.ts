/**
 * scrypt's parameters, checked in one place: RFC 7914's constraints on N, r and p (the KDF and
 * every scrypt-based format use them) and the caps on a stored hash's cost (DEFAULT_LIMITS).
 */
import { isInteger } from '../../internal/assert.js';
import { ConfigurationError } from '../../errors.js';
import { DEFAULT_LIMITS } from '../limits.js';

/**
 * Why N, r and p break RFC 7914 (N a power of two in [2, 2^32], r and p positive integers,
 * r * p < 2^30, N < 2^(16 r)), or null when they are a valid combination.
 */
export function scryptParamsProblem(N: unknown, r: unknown, p: unknown): string | null {
  if (!isInteger(r, 1)) return 'r must be a positive integer';
  if (!isInteger(p, 1)) return 'p must be a positive integer';
  // `N & (N - 1)` is 32-bit; N = 2^32 wraps to 0 and passes, as it should.
  if (!isInteger(N, 2, 2 ** 32) || (N & (N - 1)) !== 0) return 'N must be a power of two, 2 <= N <= 2^32';
  if (r < 32 && N >= 2 ** (16 * r)) return 'N must be less than 2^(16 r)';
  if (r * p >= 2 ** 30) return 'r * p must be less than 2^30';
  return null;
}

/**
 * The caps on a stored scrypt hash's cost, in the settings of every scrypt-based scheme (scrypt,
 * django_scrypt, werkzeug_scrypt): a hash that asks for more is refused before any work.
 *
 * @example
 * new CryptContext({ schemes: [scrypt], settings: { scrypt: { maxMemoryBytes: 64 * 1024 * 1024, maxParallelism: 2 } } });
 */
export type ScryptCaps = {
  /** 128 * N * r above this is refused (HashCostLimitError) before any work. */
  maxMemoryBytes: number;
  /** p above this is refused. */
  maxParallelism: number;
  /** 128 * N * r * p above this is refused. Default DEFAULT_LIMITS.scryptMaxWorkBytes. */
  maxWorkBytes?: number;
};

/** The caps of a scheme's defaults: DEFAULT_LIMITS' (maxWorkBytes is left to its default). */
export const DEFAULT_SCRYPT_CAPS: Readonly<ScryptCaps> = {
  maxMemoryBytes: DEFAULT_LIMITS.scryptMaxMemoryBytes,
  maxParallelism: DEFAULT_LIMITS.scryptMaxParallelism,
};

/** ConfigurationError unless the caps are usable. */
export function checkScryptCaps(name: string, caps: ScryptCaps): void {
  const work = caps.maxWorkBytes ?? DEFAULT_LIMITS.scryptMaxWorkBytes;
  if (typeof caps.maxMemoryBytes !== 'number' || !(caps.maxMemoryBytes > 0) || !isInteger(caps.maxParallelism, 1) || !(work > 0)) {
    throw new ConfigurationError(`${name}: maxMemoryBytes, maxWorkBytes and maxParallelism must be positive`);
  }
}

/** Why N, r, p exceed the caps, or null when they fit. */
export function scryptCapExcess(N: number, r: number, p: number, caps: ScryptCaps): string | null {
  if (128 * N * r > caps.maxMemoryBytes) return `128*N*r exceeds ${caps.maxMemoryBytes} bytes`;
  if (p > caps.maxParallelism) return `p exceeds ${caps.maxParallelism}`;
  const work = caps.maxWorkBytes ?? DEFAULT_LIMITS.scryptMaxWorkBytes;
  if (128 * N * r * p > work) return `128*N*r*p exceeds ${work} bytes`;
  return null;
}
