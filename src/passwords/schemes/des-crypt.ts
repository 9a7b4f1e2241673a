/**
 * The traditional Unix crypt(3) (DES): `<2 salt chars><11 chars>`, 13 characters of ./0-9A-Za-z,
 * passlib's `des_crypt` (PHP's crypt() with a 2-character salt, old /etc/passwd). Only the first 8
 * bytes of the password count, 7 bits each. Django's CryptPasswordHasher (Django 1.4 to 4.2)
 * stored it as `crypt$<salt or nothing>$<13 chars>`: `django_des_crypt`. Verify only.
 */
import { MalformedHashError } from '../../errors.js';
import { constantTimeEqualString, HASH64_CRYPT } from '../encodings.js';
import { desCryptBlock } from '../kdf/des.js';
import type { PasswordScheme } from '../scheme.js';

/**
 * Nothing to configure: the format has no cost parameter.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, des_crypt], settings: { des_crypt: {} } });
 */
export type DesCryptSettings = Record<string, never>;

const SHAPE = /^[./0-9A-Za-z]{13}$/;

/** The 13-character crypt(3) string of the password under the hash's 2-character salt. */
function desCrypt(password: Uint8Array, salt: string): string {
  const key = new Uint8Array(8);
  for (let i = 0; i < 8 && i < password.length; i++) key[i] = (password[i]! << 1) & 0xff;
  const saltBits = HASH64_CRYPT.indexOf(salt[0]!) | (HASH64_CRYPT.indexOf(salt[1]!) << 6);
  const block = desCryptBlock(key, saltBits);
  // 64 bits and two zero bits, as 11 big-endian groups of 6.
  let out = salt;
  for (let i = 0; i < 11; i++) {
    let value = 0;
    for (let b = 0; b < 6; b++) {
      const bit = 6 * i + b;
      value = (value << 1) | (bit < 64 ? (block[bit >> 3]! >> (7 - (bit & 7))) & 1 : 0);
    }
    out += HASH64_CRYPT[value]!;
  }
  return out;
}

/** crypt(3) stops at a NUL byte: such a password never matches, after the usual work. */
function check(password: Uint8Array, hash: string): boolean {
  const match = constantTimeEqualString(desCrypt(password, hash.slice(0, 2)), hash);
  return match && !password.includes(0);
}

function makeDesCrypt(
  name: string,
  identify: (hash: string) => boolean,
  /** The 13-character crypt(3) string inside the stored hash, or null. */
  unwrap: (hash: string) => string | null,
): PasswordScheme<DesCryptSettings> {
  function parse(hash: string): string {
    const inner = typeof hash === 'string' ? unwrap(hash) : null;
    if (inner === null || !SHAPE.test(inner)) throw new MalformedHashError(name, 'expected 13 characters of ./0-9A-Za-z');
    return inner;
  }
  return {
    name,
    defaults: {},
    identify: (hash) => typeof hash === 'string' && identify(hash),
    async verify(password, hash) {
      return check(password, parse(hash));
    },
    /** Always: 25 DES blocks and 8 characters are no password hash. */
    needsUpdate(hash) {
      parse(hash);
      return true;
    },
  };
}

/**
 * passlib's `des_crypt`: a bare 13-character crypt(3) string.
 *
 * @example
 * // 'JQMuyS6H.AGMo': 2 salt characters, then 11 of hash
 * new CryptContext({ schemes: [scrypt, des_crypt], deprecated: 'auto' });
 */
export const des_crypt = makeDesCrypt('des_crypt', (hash) => SHAPE.test(hash), (hash) => hash);

/**
 * Django's CryptPasswordHasher: `crypt$$<13 chars>` (older Django kept the salt between the `$`).
 *
 * @example
 * // crypt$$JQMuyS6H.AGMo
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_des_crypt], deprecated: 'auto' });
 */
export const django_des_crypt = makeDesCrypt(
  'django_des_crypt',
  (hash) => hash.startsWith('crypt$'),
  (hash) => /^crypt\$[^$]{0,8}\$(.*)$/s.exec(hash)?.[1] ?? null,
);
