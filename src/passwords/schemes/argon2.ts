/**
 * Argon2 (RFC 9106) in the PHC string format of the reference implementation, argon2-cffi,
 * passlib, PHP's password_hash and libsodium:
 *   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>   (also argon2i, argon2d)
 * Standard base64 without padding; `v=` absent means version 16 (0x10, argon2 1.0).
 * Computed by kdf/argon2.ts: node:crypto, a hashing-pool worker, WebAssembly or @noble/hashes.
 */
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../errors.js';
import { B64_STANDARD, decodeBase64, encodeBase64, parseDecimal, randomBytes } from '../encodings.js';
import { argon2Derive, argon2Matches, type Argon2Params } from '../kdf/argon2.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { OWASP_ARGON2ID } from '../owasp.js';
import { defineScheme } from '../scheme.js';
import { isInteger } from '../../internal/assert.js';

/**
 * The argon2 variant: argon2id (new hashes), argon2i or argon2d.
 *
 * @example
 * new CryptContext({ schemes: [argon2], settings: { argon2: { type: 'argon2id' } } });
 */
export type Argon2Type = 'argon2id' | 'argon2i' | 'argon2d';

/**
 * Settings of `argon2` (and `django_argon2`): costs of new hashes and caps on stored ones.
 *
 * @example
 * new CryptContext({ schemes: [argon2], settings: { argon2: { memoryCost: 65_536, timeCost: 3, parallelism: 4 } } });
 */
export type Argon2Settings = {
  /** Variant of new hashes. */
  type: Argon2Type;
  /** Memory of new hashes in KiB (OWASP: 19456). */
  memoryCost: number;
  /** Passes over memory (OWASP: 2). */
  timeCost: number;
  /** Lanes (OWASP: 1). */
  parallelism: number;
  /** Salt length of new hashes, 8..64 bytes. */
  saltBytes: number;
  /** Hash length of new hashes, 16..64 bytes. */
  hashBytes: number;
  /** Stored hashes asking for more memory (KiB), passes or lanes than these are refused before any work. */
  maxMemoryKiB: number;
  maxTimeCost: number;
  maxParallelism: number;
  /** Stored hashes whose m * t (KiB x passes: the work) exceeds this are refused. Default DEFAULT_LIMITS.argon2MaxWorkKiB. */
  maxWorkKiB?: number;
};

const NAME = 'argon2';
const TYPES: readonly string[] = ['argon2id', 'argon2i', 'argon2d'];
const SHAPE =
  /^\$(argon2id|argon2i|argon2d)\$(?:v=([0-9]+)\$)?m=([0-9]+),t=([0-9]+),p=([0-9]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
// RFC 9106: salt >= 8 bytes, tag >= 4 bytes; the upper bounds only keep hostile input small.
const MIN_SALT_BYTES = 8;
const MAX_SALT_BYTES = 1024;
const MIN_HASH_BYTES = 4;
const MAX_HASH_BYTES = 1024;
const U32 = 0xffffffff;

export interface ParsedArgon2 {
  type: Argon2Type;
  version: 0x10 | 0x13;
  m: number;
  t: number;
  p: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** Parse a PHC argon2 string; `name` labels the errors (django_argon2 reuses this). */
export function parseArgon2(hash: string, name = NAME): ParsedArgon2 {
  const match = typeof hash === 'string' ? SHAPE.exec(hash) : null;
  if (!match) throw new MalformedHashError(name, 'expected $argon2id$v=19$m=<n>,t=<n>,p=<n>$<salt>$<hash>');
  const [, type = '', versionText, mText = '', tText = '', pText = '', saltText = '', hashText = ''] = match;
  let version: 0x10 | 0x13 = 0x10;
  if (versionText !== undefined) {
    const v = parseDecimal(versionText);
    if (v !== 16 && v !== 19) throw new MalformedHashError(name, 'version must be 16 or 19');
    version = v === 19 ? 0x13 : 0x10;
  }
  const p = parseDecimal(pText, 1, 0xffffff);
  const m = parseDecimal(mText, 1, U32);
  const t = parseDecimal(tText, 1, U32);
  if (p === null || m === null || t === null) throw new MalformedHashError(name, 'invalid m, t or p');
  if (m < 8 * p) throw new MalformedHashError(name, 'm must be at least 8 * p');
  const salt = decodeBase64(saltText, B64_STANDARD);
  if (!salt || salt.length < MIN_SALT_BYTES || salt.length > MAX_SALT_BYTES) throw new MalformedHashError(name, 'invalid salt');
  const digest = decodeBase64(hashText, B64_STANDARD);
  if (!digest || digest.length < MIN_HASH_BYTES || digest.length > MAX_HASH_BYTES) throw new MalformedHashError(name, 'invalid hash');
  return { type: type as Argon2Type, version, m, t, p, salt, hash: digest };
}

export function checkArgon2Settings(settings: Argon2Settings, name = NAME): Argon2Settings {
  const { type, memoryCost, timeCost, parallelism, saltBytes, hashBytes, maxMemoryKiB, maxTimeCost, maxParallelism } = settings;
  if (typeof type !== 'string' || !TYPES.includes(type)) throw new ConfigurationError(`${name}: type must be one of ${TYPES.join(', ')}`);
  if (!isInteger(maxMemoryKiB, 8, U32) || !isInteger(maxTimeCost, 1, U32) || !isInteger(maxParallelism, 1, 0xffffff)) {
    throw new ConfigurationError(`${name}: maxMemoryKiB, maxTimeCost and maxParallelism must be positive integers`);
  }
  if (!isInteger(parallelism, 1, maxParallelism)) throw new ConfigurationError(`${name}: parallelism must be in [1, maxParallelism]`);
  if (!isInteger(memoryCost, 8 * parallelism, maxMemoryKiB)) {
    throw new ConfigurationError(`${name}: memoryCost must be in [8 * parallelism, maxMemoryKiB]`);
  }
  if (!isInteger(timeCost, 1, maxTimeCost)) throw new ConfigurationError(`${name}: timeCost must be in [1, maxTimeCost]`);
  const maxWork = settings.maxWorkKiB ?? DEFAULT_LIMITS.argon2MaxWorkKiB;
  if (!isInteger(maxWork, 8)) throw new ConfigurationError(`${name}: maxWorkKiB must be a positive integer`);
  if (memoryCost * timeCost > maxWork) throw new ConfigurationError(`${name}: memoryCost * timeCost must not exceed maxWorkKiB`);
  if (!isInteger(saltBytes, 8, 64)) throw new ConfigurationError(`${name}: saltBytes must be an integer in [8, 64]`);
  if (!isInteger(hashBytes, 16, 64)) throw new ConfigurationError(`${name}: hashBytes must be an integer in [16, 64]`);
  return settings;
}

/** The KDF parameters of a hash; refuses (HashCostLimitError) parameters beyond the caps before any work. */
function kdfParams(h: Omit<ParsedArgon2, 'hash'>, dkLen: number, s: Argon2Settings, name: string): Argon2Params {
  if (h.m > s.maxMemoryKiB) throw new HashCostLimitError(name, `m exceeds ${s.maxMemoryKiB} KiB`);
  if (h.t > s.maxTimeCost) throw new HashCostLimitError(name, `t exceeds ${s.maxTimeCost}`);
  if (h.p > s.maxParallelism) throw new HashCostLimitError(name, `p exceeds ${s.maxParallelism}`);
  const maxWork = s.maxWorkKiB ?? DEFAULT_LIMITS.argon2MaxWorkKiB;
  if (h.m * h.t > maxWork) throw new HashCostLimitError(name, `m*t exceeds ${maxWork} KiB`);
  return { type: h.type, version: h.version, m: h.m, t: h.t, p: h.p, dkLen };
}

export function formatArgon2(h: ParsedArgon2): string {
  const version = h.version === 0x13 ? 'v=19$' : 'v=16$';
  return `$${h.type}$${version}m=${h.m},t=${h.t},p=${h.p}$${encodeBase64(h.salt, B64_STANDARD)}$${encodeBase64(h.hash, B64_STANDARD)}`;
}

export async function argon2Hash(password: Uint8Array, settings: Argon2Settings, name = NAME): Promise<string> {
  const s = checkArgon2Settings(settings, name);
  const params = { type: s.type, version: 0x13 as const, m: s.memoryCost, t: s.timeCost, p: s.parallelism, salt: randomBytes(s.saltBytes) };
  const hash = await argon2Derive(password, params.salt, kdfParams(params, s.hashBytes, s, name));
  return formatArgon2({ ...params, hash });
}

export async function argon2Verify(password: Uint8Array, stored: string, settings: Argon2Settings, name = NAME): Promise<boolean> {
  const s = checkArgon2Settings(settings, name);
  const h = parseArgon2(stored, name);
  return argon2Matches(password, h.salt, kdfParams(h, h.hash.length, s, name), h.hash);
}

/**
 * 'exact': variant, version, m, t, p or the hash length differ from the settings (argon2-cffi's
 * check_needs_rehash). 'minimum': any cost below the setting, or another variant or an old
 * version. Both: a salt shorter than saltBytes.
 */
export function argon2NeedsUpdate(stored: string, settings: Argon2Settings, policy: 'exact' | 'minimum', name = NAME): boolean {
  const s = checkArgon2Settings(settings, name);
  const h = parseArgon2(stored, name);
  if (h.type !== s.type || h.version !== 0x13 || h.salt.length < s.saltBytes) return true;
  if (policy === 'minimum') return h.m < s.memoryCost || h.t < s.timeCost || h.p < s.parallelism || h.hash.length < s.hashBytes;
  return h.m !== s.memoryCost || h.t !== s.timeCost || h.p !== s.parallelism || h.hash.length !== s.hashBytes;
}

/** OWASP's argon2id: 19 MiB, 2 passes, 1 lane. Caps: DEFAULT_LIMITS (256 MiB, 10 passes, 16 lanes, m*t 256 MiB). */
export const ARGON2_DEFAULTS: Readonly<Argon2Settings> = {
  type: 'argon2id',
  ...OWASP_ARGON2ID,
  saltBytes: 16,
  hashBytes: 32,
  maxMemoryKiB: DEFAULT_LIMITS.argon2MaxMemoryKiB,
  maxTimeCost: DEFAULT_LIMITS.argon2MaxTimeCost,
  maxParallelism: DEFAULT_LIMITS.argon2MaxParallelism,
};

/**
 * passlib's `argon2`: every PHC argon2 variant and version; hashes with OWASP's argon2id parameters.
 *
 * @example
 * // $argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64>
 * import { CryptContext, argon2 } from 'gatehouse/passwords';
 * const context = new CryptContext({ schemes: [argon2] });
 */
export const argon2 = defineScheme<Argon2Settings>({
  name: NAME,
  defaults: ARGON2_DEFAULTS,

  identify(hash) {
    return typeof hash === 'string' && /^\$argon2(?:id|i|d)\$/.test(hash);
  },

  hash(password, settings) {
    return argon2Hash(password, settings);
  },

  verify(password, hash, settings) {
    return argon2Verify(password, hash, settings);
  },

  needsUpdate(hash, settings, policy) {
    return argon2NeedsUpdate(hash, settings, policy);
  },
});
