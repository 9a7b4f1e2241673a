/**
 * passlib's PBKDF2 formats: `$pbkdf2-sha256$<rounds>$<salt>$<key>`, `$pbkdf2-sha512$...` and
 * `$pbkdf2$...` (SHA-1). Salt and key in passlib's adapted base64 (`.` for `+`, no padding);
 * rounds in decimal without leading zeros; the key is always the hash's full output length.
 */
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../errors.js';
import {
  B64_ADAPTED,
  constantTimeEqual,
  decodeBase64,
  encodeBase64,
  parseDecimal,
  randomBytes,
} from '../encodings.js';
import { pbkdf2, type Pbkdf2Digest } from '../kdf/pbkdf2.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { OWASP_SETTINGS } from '../owasp.js';
import { defineScheme } from '../scheme.js';
import { isInteger } from '../../internal/assert.js';

/**
 * Settings of `pbkdf2_sha256`, `pbkdf2_sha512` and `pbkdf2_sha1`.
 *
 * @example
 * new CryptContext({ schemes: [pbkdf2_sha256], settings: { pbkdf2_sha256: { rounds: 600_000 } } });
 */
export type Pbkdf2Settings = {
  /** Iterations for new hashes. */
  rounds: number;
  /** Salt length of new hashes, 8..1024 bytes (passlib: 16). */
  saltBytes: number;
  /** Refuse stored hashes with more iterations than this. */
  maxRounds: number;
};

// passlib: rounds 1..2^32-1, salt 0..1024 bytes.
const MAX_ROUNDS = 0xffffffff;
const MAX_SALT_BYTES = 1024;
const MIN_SALT_BYTES_NEW = 8;

interface Variant {
  name: string;
  ident: string;
  digest: Pbkdf2Digest;
  /** passlib stores the full digest: 20, 32 or 64 bytes. */
  keyBytes: number;
  rounds: number;
}

// The return type is inferred (`satisfies` below) so that `hash` stays non-optional for callers.
function makePbkdf2Scheme({ name, ident, digest, keyBytes, rounds }: Variant) {
  function parse(stored: string): { rounds: number; salt: Uint8Array; key: Uint8Array } {
    // Prefix, then exactly three `$`-separated fields (passlib's "mc3" layout).
    const fields = typeof stored === 'string' && stored.startsWith(ident) ? stored.slice(ident.length).split('$') : [];
    if (fields.length !== 3) throw new MalformedHashError(name, `expected ${ident}<rounds>$<salt>$<key>`);
    const [roundsText = '', saltText = '', keyText = ''] = fields;
    const parsedRounds = parseDecimal(roundsText, 1, MAX_ROUNDS);
    if (parsedRounds === null) throw new MalformedHashError(name, 'invalid rounds');
    const salt = decodeBase64(saltText, B64_ADAPTED);
    if (!salt || salt.length > MAX_SALT_BYTES) throw new MalformedHashError(name, 'invalid salt');
    const key = decodeBase64(keyText, B64_ADAPTED);
    if (!key || key.length !== keyBytes) throw new MalformedHashError(name, `key must be ${keyBytes} bytes`);
    return { rounds: parsedRounds, salt, key };
  }

  function checkSettings(settings: Pbkdf2Settings): Pbkdf2Settings {
    if (!isInteger(settings.maxRounds, 1)) throw new ConfigurationError(`${name}: maxRounds must be a positive integer`);
    if (!isInteger(settings.rounds, 1, Math.min(MAX_ROUNDS, settings.maxRounds))) {
      throw new ConfigurationError(`${name}: rounds must be an integer in [1, maxRounds]`);
    }
    if (!isInteger(settings.saltBytes, MIN_SALT_BYTES_NEW, MAX_SALT_BYTES)) {
      throw new ConfigurationError(`${name}: saltBytes must be an integer in [${MIN_SALT_BYTES_NEW}, ${MAX_SALT_BYTES}]`);
    }
    return settings;
  }

  const defaults: Readonly<Pbkdf2Settings> = { rounds, saltBytes: 16, maxRounds: DEFAULT_LIMITS.pbkdf2MaxRounds };
  return defineScheme<Pbkdf2Settings>({
    name,
    defaults,

    // Prefix only, like passlib: `$pbkdf2$` cannot claim `$pbkdf2-sha256$` (`$` vs `-` after
    // "pbkdf2"), and Django's `pbkdf2_sha256$` / Werkzeug's `pbkdf2:` have no leading `$`.
    identify(stored) {
      return typeof stored === 'string' && stored.startsWith(ident);
    },

    async hash(password, settings) {
      const s = checkSettings(settings);
      const salt = randomBytes(s.saltBytes);
      const key = await pbkdf2(digest, password, salt, s.rounds, keyBytes);
      return `${ident}${s.rounds}$${encodeBase64(salt, B64_ADAPTED)}$${encodeBase64(key, B64_ADAPTED)}`;
    },

    async verify(password, stored, settings) {
      const s = checkSettings(settings);
      const h = parse(stored);
      if (h.rounds > s.maxRounds) throw new HashCostLimitError(name, `rounds exceed ${s.maxRounds}`);
      return constantTimeEqual(await pbkdf2(digest, password, h.salt, h.rounds, keyBytes), h.key);
    },

    /** 'exact': rounds differ; 'minimum': rounds below the setting. Both: a salt shorter than saltBytes. */
    needsUpdate(stored, settings, policy) {
      const s = checkSettings(settings);
      const h = parse(stored);
      if (h.salt.length < s.saltBytes) return true;
      return policy === 'minimum' ? h.rounds < s.rounds : h.rounds !== s.rounds;
    },
  });
}

/**
 * PBKDF2-HMAC-SHA256, passlib's `pbkdf2_sha256`. Default 600,000 rounds (OWASP).
 *
 * @example
 * // $pbkdf2-sha256$600000$<ab64 salt>$<ab64 key>
 * new CryptContext({ schemes: [pbkdf2_sha256] });
 */
export const pbkdf2_sha256 = makePbkdf2Scheme({
  name: 'pbkdf2_sha256',
  ident: '$pbkdf2-sha256$',
  digest: 'SHA-256',
  keyBytes: 32,
  rounds: OWASP_SETTINGS.pbkdf2_sha256.rounds,
});

/**
 * PBKDF2-HMAC-SHA512, passlib's `pbkdf2_sha512`. Default 210,000 rounds (OWASP).
 *
 * @example
 * // $pbkdf2-sha512$210000$<ab64 salt>$<ab64 key>
 * new CryptContext({ schemes: [pbkdf2_sha512] });
 */
export const pbkdf2_sha512 = makePbkdf2Scheme({
  name: 'pbkdf2_sha512',
  ident: '$pbkdf2-sha512$',
  digest: 'SHA-512',
  keyBytes: 64,
  rounds: OWASP_SETTINGS.pbkdf2_sha512.rounds,
});

/**
 * PBKDF2-HMAC-SHA1, passlib's `pbkdf2_sha1` (`$pbkdf2$`). Default 1,300,000 rounds (OWASP).
 *
 * @example
 * // $pbkdf2$1300000$<ab64 salt>$<ab64 key>
 * new CryptContext({ schemes: [scrypt, pbkdf2_sha1], deprecated: 'auto' });
 */
export const pbkdf2_sha1 = makePbkdf2Scheme({
  name: 'pbkdf2_sha1',
  ident: '$pbkdf2$',
  digest: 'SHA-1',
  keyBytes: 20,
  rounds: OWASP_SETTINGS.pbkdf2_sha1.rounds,
});
