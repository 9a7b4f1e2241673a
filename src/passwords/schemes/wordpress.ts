/**
 * WordPress's and phpBB's formats.
 *   phpass:            $P$<cost char><8 salt chars><22 chars>  ($H$ for phpBB 3): MD5 iterated 2^cost
 *                      times over the password, in crypt's hash64. Verify only.
 *   wordpress_bcrypt:  $wp$2y$10$<bcrypt>  (WordPress >= 6.8): bcrypt of
 *                      base64(HMAC-SHA384(key "wp-sha384", trim(password))).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../errors.js';
import { B64_STANDARD, constantTimeEqualString, encodeBase64, encodeHash64, HASH64_CRYPT, randomBytes, utf8 } from '../encodings.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { defineScheme } from '../scheme.js';
import { bcrypt, type BcryptSettings } from './bcrypt.js';
import { phpassDigest } from '../kdf/phpass.js';
import { relabelled, relabelledSync } from './legacy-util.js';
import { isInteger } from '../../internal/assert.js';

// ---- phpass ----

/**
 * Settings of `phpass` (verify only): the cap on a stored hash's cost.
 *
 * @example
 * new CryptContext({ schemes: [wordpress_bcrypt, phpass], settings: { phpass: { maxRoundsLog2: 16 } } });
 */
export type PhpassSettings = {
  /** Stored hashes with a log2 iteration count above this are refused before any work (7..30). */
  maxRoundsLog2: number;
};

const PHPASS = 'phpass';
const PHPASS_SHAPE = /^\$[PH]\$([./0-9A-Za-z])([./0-9A-Za-z]{8})([./0-9A-Za-z]{22})$/;
const PHPASS_MIN_LOG2 = 7;
const PHPASS_MAX_LOG2 = 30;

function parsePhpass(hash: string): { log2: number; salt: string; checksum: string } {
  const match = typeof hash === 'string' ? PHPASS_SHAPE.exec(hash) : null;
  if (!match) throw new MalformedHashError(PHPASS, 'expected $P$<cost><8 salt chars><22 chars>');
  const [, costChar = '', salt = '', checksum = ''] = match;
  const log2 = HASH64_CRYPT.indexOf(costChar);
  if (log2 < PHPASS_MIN_LOG2 || log2 > PHPASS_MAX_LOG2) {
    throw new MalformedHashError(PHPASS, `cost must be ${PHPASS_MIN_LOG2}..${PHPASS_MAX_LOG2}`);
  }
  return { log2, salt, checksum };
}

function checkPhpassSettings(settings: PhpassSettings): PhpassSettings {
  if (!isInteger(settings.maxRoundsLog2, PHPASS_MIN_LOG2, PHPASS_MAX_LOG2)) {
    throw new ConfigurationError(`phpass: maxRoundsLog2 must be an integer in [${PHPASS_MIN_LOG2}, ${PHPASS_MAX_LOG2}]`);
  }
  return settings;
}

/**
 * phpass's portable hash, passlib's `phpass` (WordPress before 6.8: cost 8). Verify only.
 *
 * @example
 * // $P$B<8-char salt><22 chars>
 * new CryptContext({ schemes: [wordpress_bcrypt, phpass], deprecated: 'auto' });
 */
export const phpass = defineScheme<PhpassSettings>({
  name: PHPASS,
  defaults: { maxRoundsLog2: DEFAULT_LIMITS.phpassMaxRoundsLog2 },

  identify(hash) {
    return typeof hash === 'string' && (hash.startsWith('$P$') || hash.startsWith('$H$'));
  },

  async verify(password, hash, settings) {
    const { maxRoundsLog2 } = checkPhpassSettings(settings);
    const { log2, salt, checksum } = parsePhpass(hash);
    if (log2 > maxRoundsLog2) throw new HashCostLimitError(PHPASS, `cost 2^${log2} is above 2^${maxRoundsLog2}`);
    const digest = await phpassDigest(password, utf8(salt), log2);
    return constantTimeEqualString(encodeHash64(digest), checksum);
  },

  /** Always: MD5 is no password hash. Throws MalformedHashError for a bad hash. */
  needsUpdate(hash) {
    parsePhpass(hash);
    return true;
  },
});

/**
 * Settings of `phpass_portable`: phpass's cap, and the cost of the hashes it writes.
 *
 * @example
 * new CryptContext({ schemes: [phpass_portable], settings: { phpass: { roundsLog2: 13 } } });
 */
export type PhpassPortableSettings = PhpassSettings & {
  /** log2 of the MD5 iterations of new hashes: 13 (`$P$B`), as WordPress's PasswordHash(8, true) writes. */
  roundsLog2: number;
};

/**
 * phpass that also writes, as WordPress before 6.8 does (`$P$B`: 2^13 MD5 iterations, 6 random
 * bytes of salt): for sites that cannot read `$wp$2y$` (presets.wordpress's phpass coexistence).
 * Its name is `phpass`; it never asks for a rehash, as WordPress before 6.8 never rehashes `$P$`.
 *
 * @example
 * new CryptContext({ schemes: [phpass_portable] }).hash('secret'); // '$P$B...'
 */
export const phpass_portable = defineScheme<PhpassPortableSettings>({
  name: PHPASS,
  defaults: { ...phpass.defaults, roundsLog2: 13 },
  identify: (hash) => phpass.identify(hash),
  verify: (password, hash, settings) => phpass.verify(password, hash, settings),

  async hash(password, settings) {
    const log2 = settings.roundsLog2;
    if (!isInteger(log2, PHPASS_MIN_LOG2, PHPASS_MAX_LOG2)) {
      throw new ConfigurationError(`phpass: roundsLog2 must be an integer in [${PHPASS_MIN_LOG2}, ${PHPASS_MAX_LOG2}]`);
    }
    const salt = encodeHash64(randomBytes(6));
    const digest = await phpassDigest(password, utf8(salt), log2);
    return `$P$${HASH64_CRYPT[log2]}${salt}${encodeHash64(digest)}`;
  },

  needsUpdate(hash) {
    parsePhpass(hash);
    return false;
  },
});

// ---- wordpress_bcrypt ----

/**
 * Settings of `wordpress_bcrypt`: bcrypt's.
 *
 * @example
 * new CryptContext({ schemes: [wordpress_bcrypt], settings: { wordpress_bcrypt: { rounds: 10 } } });
 */
export type WordpressBcryptSettings = BcryptSettings;

const WP = 'wordpress_bcrypt';
const WP_PREFIX = '$wp';
const HMAC_KEY = utf8('wp-sha384');

/** PHP's trim(): " \t\n\r\0\x0B" at both ends. WordPress trims before hashing and at login. */
function phpTrim(password: Uint8Array): Uint8Array {
  const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x00 || b === 0x0b;
  let start = 0;
  let end = password.length;
  while (start < end && isSpace(password[start]!)) start++;
  while (end > start && isSpace(password[end - 1]!)) end--;
  return password.subarray(start, end);
}

/** The 64-character string WordPress hands to bcrypt. */
function prehash(password: Uint8Array): Uint8Array {
  return utf8(encodeBase64(hmac(sha384, HMAC_KEY, phpTrim(password)), B64_STANDARD, true));
}

function innerHash(hash: string): string {
  if (typeof hash !== 'string' || !hash.startsWith(`${WP_PREFIX}$2`)) {
    throw new MalformedHashError(WP, 'expected $wp$2y$<cost>$<bcrypt>');
  }
  return hash.slice(WP_PREFIX.length);
}

function bcryptSettings(settings: WordpressBcryptSettings): BcryptSettings {
  // The pre-hash is 64 ASCII bytes: bcrypt's 72-byte limit and NUL rule never apply.
  return { ...settings, truncate: false };
}

/**
 * WordPress >= 6.8's bcrypt, `$wp$2y$10$...` (WordPress's cost 10 by default). The password is
 * PHP-trimmed first, as WordPress does when hashing and at login.
 *
 * @example
 * // $wp$2y$10$<53 chars>
 * new CryptContext({ schemes: [wordpress_bcrypt, phpass], deprecated: 'auto' });
 */
export const wordpress_bcrypt = defineScheme<WordpressBcryptSettings>({
  name: WP,
  defaults: { ...bcrypt.defaults, rounds: 10, ident: '2y' } as Readonly<WordpressBcryptSettings>,

  identify(hash) {
    return typeof hash === 'string' && hash.startsWith(`${WP_PREFIX}$`);
  },

  async hash(password, settings) {
    return WP_PREFIX + (await bcrypt.hash!(prehash(password), bcryptSettings(settings)));
  },

  async verify(password, hash, settings) {
    const inner = innerHash(hash);
    return relabelled(WP, () => bcrypt.verify(prehash(password), inner, bcryptSettings(settings)));
  },

  needsUpdate(hash, settings, policy) {
    return relabelledSync(WP, () => bcrypt.needsUpdate(innerHash(hash), bcryptSettings(settings), policy));
  },
});
