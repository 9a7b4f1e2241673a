/**
 * Drepper's SHA-crypt (glibc, PHP's crypt(), passlib, /etc/shadow):
 *   $5$[rounds=<n>$]<salt: 0..16 of ./0-9A-Za-z>$<43 chars>   (SHA-256)
 *   $6$[rounds=<n>$]<salt>$<86 chars>                           (SHA-512)
 * `rounds=` absent means 5000. Digest in crypt's hash64 after Drepper's byte transposition.
 * https://www.akkadia.org/drepper/SHA-crypt.txt
 */
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../errors.js';
import { constantTimeEqualString, encodeHash64, HASH64_CRYPT, parseDecimal, randomBytes, utf8 } from '../encodings.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { defineScheme, type UpdatePolicy } from '../scheme.js';
import { shaCryptDigest, type ShaCryptDigestName } from '../kdf/sha-crypt.js';
import { isInteger } from '../../internal/assert.js';

/**
 * Settings of `sha256_crypt` and `sha512_crypt`.
 *
 * @example
 * new CryptContext({ schemes: [sha512_crypt], settings: { sha512_crypt: { rounds: 656_000 } } });
 */
export type ShaCryptSettings = {
  /** Rounds for new hashes, 1000..999,999,999. */
  rounds: number;
  /** Salt length of new hashes, 8..16 characters (passlib: 16). */
  saltChars: number;
  /** Stored hashes with more rounds than this are refused (HashCostLimitError) before any work. */
  maxRounds: number;
};

const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const IMPLICIT_ROUNDS = 5000;
const MAX_SALT_CHARS = 16;

interface Variant {
  name: string;
  ident: string;
  digest: ShaCryptDigestName;
  /** Drepper's transposition: the digest bytes in the order hash64 consumes them (3 at a time, LE). */
  order: readonly number[];
  rounds: number;
}

/** Drepper's `b64_from_24bit(B2, B1, B0)` groups, rewritten as little-endian byte order for encodeHash64. */
function transposition(groups: ReadonlyArray<readonly number[]>): number[] {
  const order: number[] = [];
  for (const group of groups) order.push(...[...group].reverse());
  return order;
}

const SHA256_ORDER = transposition([
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
  [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29], [31, 30],
]);
const SHA512_ORDER = transposition([
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41], [63],
]);

function makeShaCrypt({ name, ident, digest, order, rounds: defaultRounds }: Variant) {
  const shape = new RegExp(
    `^${ident.replace(/\$/g, '\\$')}(?:rounds=([0-9]+)\\$)?([./0-9A-Za-z]{0,${MAX_SALT_CHARS}})\\$([./0-9A-Za-z]+)$`,
  );
  const checksumChars = Math.ceil((order.length * 4) / 3);

  function parse(hash: string): { rounds: number; explicit: boolean; salt: string; checksum: string } {
    const match = typeof hash === 'string' ? shape.exec(hash) : null;
    if (!match) throw new MalformedHashError(name, `expected ${ident}[rounds=<n>$]<salt, up to 16 chars>$<checksum>`);
    const [, roundsText, salt = '', checksum = ''] = match;
    if (checksum.length !== checksumChars) throw new MalformedHashError(name, `checksum must be ${checksumChars} characters`);
    if (roundsText === undefined) return { rounds: IMPLICIT_ROUNDS, explicit: false, salt, checksum };
    const rounds = parseDecimal(roundsText, MIN_ROUNDS, MAX_ROUNDS);
    if (rounds === null) throw new MalformedHashError(name, `rounds must be ${MIN_ROUNDS}..${MAX_ROUNDS}`);
    return { rounds, explicit: true, salt, checksum };
  }

  function checkSettings(settings: ShaCryptSettings): ShaCryptSettings {
    if (!isInteger(settings.maxRounds, MIN_ROUNDS, MAX_ROUNDS)) {
      throw new ConfigurationError(`${name}: maxRounds must be an integer in [${MIN_ROUNDS}, ${MAX_ROUNDS}]`);
    }
    if (!isInteger(settings.rounds, MIN_ROUNDS, settings.maxRounds)) {
      throw new ConfigurationError(`${name}: rounds must be an integer in [${MIN_ROUNDS}, maxRounds]`);
    }
    if (!isInteger(settings.saltChars, 8, MAX_SALT_CHARS)) {
      throw new ConfigurationError(`${name}: saltChars must be an integer in [8, ${MAX_SALT_CHARS}]`);
    }
    return settings;
  }

  async function checksumOf(password: Uint8Array, salt: string, rounds: number): Promise<string> {
    const result = await shaCryptDigest(digest, password, utf8(salt), rounds);
    return encodeHash64(Uint8Array.from(order, (i) => result[i]!));
  }

  function format(rounds: number, explicit: boolean, salt: string, checksum: string): string {
    return `${ident}${explicit ? `rounds=${rounds}$` : ''}${salt}$${checksum}`;
  }

  const defaults: Readonly<ShaCryptSettings> = { rounds: defaultRounds, saltChars: 16, maxRounds: DEFAULT_LIMITS.shaCryptMaxRounds };
  return defineScheme<ShaCryptSettings>({
    name,
    defaults,

    identify(hash) {
      return typeof hash === 'string' && hash.startsWith(ident);
    },

    /** passlib's output: `rounds=` always written unless it is 5000. */
    async hash(password, settings) {
      const s = checkSettings(settings);
      const salt = Array.from(randomBytes(s.saltChars), (byte) => HASH64_CRYPT[byte & 63]!).join('');
      const explicit = s.rounds !== IMPLICIT_ROUNDS;
      return format(s.rounds, explicit, salt, await checksumOf(password, salt, s.rounds));
    },

    async verify(password, hash, settings) {
      const s = checkSettings(settings);
      const h = parse(hash);
      if (h.rounds > s.maxRounds) throw new HashCostLimitError(name, `rounds exceed ${s.maxRounds}`);
      return constantTimeEqualString(await checksumOf(password, h.salt, h.rounds), h.checksum);
    },

    /** 'exact': rounds differ; 'minimum': rounds below the setting. Both: a salt shorter than saltChars. */
    needsUpdate(hash, settings, policy: UpdatePolicy) {
      const s = checkSettings(settings);
      const h = parse(hash);
      if (h.salt.length < s.saltChars) return true;
      return policy === 'minimum' ? h.rounds < s.rounds : h.rounds !== s.rounds;
    },
  });
}

/**
 * SHA-256-crypt, passlib's `sha256_crypt` (`$5$`). Default 535,000 rounds, as passlib.
 *
 * @example
 * // $5$rounds=535000$<16-char salt>$<43 chars>
 * new CryptContext({ schemes: [scrypt, sha256_crypt], deprecated: 'auto' });
 */
export const sha256_crypt = makeShaCrypt({
  name: 'sha256_crypt',
  ident: '$5$',
  digest: 'sha256',
  order: SHA256_ORDER,
  rounds: 535_000,
});

/**
 * SHA-512-crypt, passlib's `sha512_crypt` (`$6$`). Default 656,000 rounds, as passlib.
 *
 * @example
 * // $6$rounds=656000$<16-char salt>$<86 chars>
 * new CryptContext({ schemes: [scrypt, sha512_crypt], deprecated: 'auto' });
 */
export const sha512_crypt = makeShaCrypt({
  name: 'sha512_crypt',
  ident: '$6$',
  digest: 'sha512',
  order: SHA512_ORDER,
  rounds: 656_000,
});
