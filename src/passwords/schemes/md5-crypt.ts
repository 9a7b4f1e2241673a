/**
 * Poul-Henning Kamp's MD5-crypt (FreeBSD, glibc, PHP) and Apache's variant (htpasswd):
 *   $1$<salt: 0..8 of ./0-9A-Za-z>$<22 chars>    passlib's `md5_crypt`
 *   $apr1$<salt>$<22 chars>                      passlib's `apr_md5_crypt`
 * 1000 fixed MD5 rounds: far too fast for passwords today. Verify only, so that old hashes can be
 * upgraded at the next login.
 */
import { MalformedHashError } from '../../errors.js';
import { constantTimeEqualString, encodeHash64, utf8 } from '../encodings.js';
import { defineScheme } from '../scheme.js';
import { concatBytes } from '../../internal/bytes.js';
import { digestFunction } from './legacy-util.js';

/**
 * Nothing to configure: the format has no cost parameter.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, md5_crypt], settings: { md5_crypt: {} } });
 */
export type Md5CryptSettings = Record<string, never>;

const ROUNDS = 1000;
// Kamp's `to64` groups (B2, B1, B0), as little-endian byte order for encodeHash64.
const ORDER = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];

/** The 16-byte MD5-crypt digest; `magic` is `$1$` or `$apr1$`. */
export function md5CryptDigest(password: Uint8Array, salt: Uint8Array, magic: Uint8Array): Uint8Array {
  const md5 = digestFunction('md5');
  const alternate = md5(concatBytes(password, salt, password));
  const parts: Uint8Array[] = [password, magic, salt];
  for (let left = password.length; left > 0; left -= 16) parts.push(alternate.subarray(0, Math.min(16, left)));
  // The famous quirk: a NUL byte for each set bit of the length, the password's first byte otherwise.
  const zero = new Uint8Array(1);
  for (let n = password.length; n > 0; n >>>= 1) parts.push(n & 1 ? zero : password.subarray(0, 1));
  let result = md5(concatBytes(...parts));
  for (let i = 0; i < ROUNDS; i++) {
    const round: Uint8Array[] = [i & 1 ? password : result];
    if (i % 3) round.push(salt);
    if (i % 7) round.push(password);
    round.push(i & 1 ? result : password);
    result = md5(concatBytes(...round));
  }
  return result;
}

function makeMd5Crypt(name: string, ident: string) {
  const shape = new RegExp(`^${ident.replace(/\$/g, '\\$')}([./0-9A-Za-z]{0,8})\\$([./0-9A-Za-z]{22})$`);
  const magic = utf8(ident);

  function parse(hash: string): { salt: string; checksum: string } {
    const match = typeof hash === 'string' ? shape.exec(hash) : null;
    if (!match) throw new MalformedHashError(name, `expected ${ident}<salt, up to 8 chars>$<22 chars>`);
    return { salt: match[1] ?? '', checksum: match[2] ?? '' };
  }

  const defaults: Readonly<Md5CryptSettings> = {};
  return defineScheme<Md5CryptSettings>({
    name,
    defaults,

    identify(hash) {
      return typeof hash === 'string' && hash.startsWith(ident);
    },

    async verify(password, hash) {
      const { salt, checksum } = parse(hash);
      const digest = md5CryptDigest(password, utf8(salt), magic);
      return constantTimeEqualString(encodeHash64(Uint8Array.from(ORDER, (i) => digest[i]!)), checksum);
    },

    /** Always: MD5-crypt's cost is fixed and far too low. Throws MalformedHashError for a bad hash. */
    needsUpdate(hash) {
      parse(hash);
      return true;
    },
  });
}

/**
 * MD5-crypt, passlib's `md5_crypt` (`$1$`). Verify only.
 *
 * @example
 * // $1$f3J6rRYD$YLlCJifCk38cRDgZWYrt/.
 * new CryptContext({ schemes: [scrypt, md5_crypt], deprecated: 'auto' });
 */
export const md5_crypt = makeMd5Crypt('md5_crypt', '$1$');

/**
 * Apache's MD5-crypt, passlib's `apr_md5_crypt` (`$apr1$`). Verify only.
 *
 * @example
 * // $apr1$nMOpvRV8$7pZb1z2L/F4AmJKJE6eM80 (an .htpasswd line's hash)
 * new CryptContext({ schemes: [scrypt, apr_md5_crypt], deprecated: 'auto' });
 */
export const apr_md5_crypt = makeMd5Crypt('apr_md5_crypt', '$apr1$');
