/** Small helpers shared by the legacy schemes (internal: not re-exported). */
import { ConfigurationError, HashCostLimitError, MalformedHashError, UnsupportedHashError } from '../../errors.js';
import { hashingPlatform } from '../../platform/runtime.js';
import type { Digest, DigestName } from '../../platform/platform.js';
import { constantTimeEqual, utf8 } from '../encodings.js';
import { scryptKdf } from '../kdf/scrypt.js';
import { type ScryptCaps, scryptCapExcess } from '../kdf/scrypt-params.js';
import { defineScheme, type UpdatePolicy } from '../scheme.js';
import { randomAlphanumeric } from '../../internal/random.js';

export type { Digest, DigestName };
export { sliceTimer } from '../../platform/slice.js';

/** Output sizes in bytes. */
export const DIGEST_BYTES: Record<DigestName, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/**
 * A one-shot digest of the platform (node:crypto's `hash()` or @noble/hashes: the same bytes).
 * Looked up at each call so that tests can force the portable path.
 */
export function digestFunction(name: DigestName): Digest {
  return hashingPlatform().digest(name);
}

/**
 * A wrapped scheme's typed hash errors (bcrypt's, argon2's), re-labelled with the wrapping
 * scheme's name, so that messages name the format the caller stored. Other errors pass through.
 */
export function relabel(error: unknown, name: string): unknown {
  if (error instanceof MalformedHashError) return new MalformedHashError(name, error.reason, { cause: error });
  if (error instanceof HashCostLimitError) return new HashCostLimitError(name, error.reason, { cause: error });
  if (error instanceof UnsupportedHashError) return new UnsupportedHashError(name, error.reason, { cause: error });
  return error;
}

/** Run a wrapped scheme's call, re-labelling its typed errors. */
export async function relabelled<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw relabel(error, name);
  }
}

export function relabelledSync<T>(name: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw relabel(error, name);
  }
}

/**
 * Settings of the scrypt formats whose salt is an alphanumeric string: DjangoScryptSettings and
 * WerkzeugScryptSettings are this type.
 *
 * @example
 * const settings: Partial<StringSaltScryptSettings> = { N: 2 ** 15, r: 8, p: 1, saltChars: 22 };
 * new CryptContext({ schemes: [django_scrypt], settings: { django_scrypt: settings } });
 */
export type StringSaltScryptSettings = ScryptCaps & {
  /** CPU/memory cost of new hashes, a power of two. */
  N: number;
  r: number;
  p: number;
  /** Salt length of new hashes in characters. */
  saltChars: number;
};

export interface ParsedStringSaltScrypt {
  N: number;
  r: number;
  p: number;
  /** Used as its UTF-8 bytes. */
  salt: string;
  key: Uint8Array;
}

/**
 * A scrypt scheme whose salt is a string used as its UTF-8 bytes; the formats differ only in how
 * they write N, r, p, salt and key. Caps are checked before any work; needsUpdate as Django's
 * must_update: N, r or p differ ('minimum': any is lower), or the salt is shorter.
 */
export function stringSaltScryptScheme<S extends StringSaltScryptSettings>(format: {
  name: string;
  prefix: string;
  defaults: Readonly<S>;
  keyBytes: number;
  /** ConfigurationError for unusable settings; returns them. */
  checkSettings(settings: S): S;
  /** MalformedHashError for an unreadable hash. */
  parse(stored: string): ParsedStringSaltScrypt;
  serialize(hash: { N: number; r: number; p: number; salt: string; key: Uint8Array }): string;
}) {
  const { name, keyBytes } = format;
  return defineScheme<S>({
    name,
    defaults: format.defaults,

    identify(stored: string) {
      return typeof stored === 'string' && stored.startsWith(format.prefix);
    },

    async hash(password: Uint8Array, settings: S) {
      const { N, r, p, saltChars } = format.checkSettings(settings);
      const excess = scryptCapExcess(N, r, p, settings);
      if (excess) throw new ConfigurationError(`${name}: configured cost exceeds the verify caps (${excess})`);
      const salt = randomAlphanumeric(saltChars);
      const key = await scryptKdf(password, utf8(salt), { N, r, p, dkLen: keyBytes });
      return format.serialize({ N, r, p, salt, key });
    },

    async verify(password: Uint8Array, stored: string, settings: S) {
      const caps = format.checkSettings(settings);
      const h = format.parse(stored);
      const excess = scryptCapExcess(h.N, h.r, h.p, caps);
      if (excess) throw new HashCostLimitError(name, excess);
      const key = await scryptKdf(password, utf8(h.salt), { N: h.N, r: h.r, p: h.p, dkLen: keyBytes });
      return constantTimeEqual(key, h.key);
    },

    needsUpdate(stored: string, settings: S, policy: UpdatePolicy) {
      const s = format.checkSettings(settings);
      const h = format.parse(stored);
      if (h.salt.length < s.saltChars) return true;
      if (policy === 'minimum') return h.N < s.N || h.r < s.r || h.p < s.p;
      return h.N !== s.N || h.r !== s.r || h.p !== s.p;
    },
  });
}
