/**
 * Django's pre-PBKDF2 hashers (Django < 1.4 wrote them; SHA1PasswordHasher and the unsalted ones
 * were removed in Django 6.0) and its marker for an unusable password. Verify only.
 *   django_salted_sha1:    sha1$<salt>$<hex SHA-1(salt + password)>
 *   django_salted_md5:     md5$<salt>$<hex MD5(salt + password)>
 *   django_unsalted_sha1:  sha1$$<hex SHA-1(password)>
 *   django_unsalted_md5:   md5$$<hex MD5(password)>   (the bare 32 hex digits are `hex_md5`)
 *   django_disabled:       !<anything>  (set_unusable_password: never matches)
 * The salt is a string (5 hex digits before Django 1.4, 12+ alphanumerics after), used as UTF-8.
 */
import { MalformedHashError } from '../../errors.js';
import { constantTimeEqualString, toHex, utf8 } from '../encodings.js';
import type { PasswordScheme } from '../scheme.js';
import { concatBytes } from '../../internal/bytes.js';
import { DIGEST_BYTES, digestFunction, type DigestName } from './legacy-util.js';

/**
 * Nothing to configure: the formats have no cost parameter.
 *
 * @example
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_salted_sha1], settings: { django_salted_sha1: {} } });
 */
export type DjangoDigestSettings = Record<string, never>;

function makeDjangoDigest(name: string, algorithm: 'sha1' | 'md5', salted: boolean): PasswordScheme<DjangoDigestSettings> {
  const digest: DigestName = algorithm;
  const shape = new RegExp(`^${algorithm}\\$${salted ? '([^$]{1,256})' : '()'}\\$([0-9a-f]{${DIGEST_BYTES[digest] * 2}})$`);
  const describe = salted ? `${algorithm}$<salt>$<hex digest>` : `${algorithm}$$<hex digest>`;

  function parse(hash: string): { salt: string; hex: string } {
    const match = typeof hash === 'string' ? shape.exec(hash) : null;
    if (!match) throw new MalformedHashError(name, `expected ${describe}`);
    return { salt: match[1]!, hex: match[2]! };
  }

  return {
    name,
    defaults: {},
    // Salted and unsalted forms share the prefix; the empty salt tells them apart, as in Django.
    identify: (hash) =>
      typeof hash === 'string' && hash.startsWith(`${algorithm}$`) && (hash[algorithm.length + 1] === '$') !== salted,
    async verify(password, hash) {
      const { salt, hex } = parse(hash);
      // Django compares the hex strings (lowercase, as it writes them).
      return constantTimeEqualString(toHex(digestFunction(digest)(concatBytes(utf8(salt), password))), hex);
    },
    /** Always: a single digest is no password hash. */
    needsUpdate(hash) {
      parse(hash);
      return true;
    },
  };
}

/**
 * Django's SHA1PasswordHasher (the default before Django 1.4).
 *
 * @example
 * // sha1$<salt>$<40 hex>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_salted_sha1], deprecated: 'auto' });
 */
export const django_salted_sha1 = makeDjangoDigest('django_salted_sha1', 'sha1', true);
/**
 * Django's MD5PasswordHasher.
 *
 * @example
 * // md5$<salt>$<32 hex>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_salted_md5], deprecated: 'auto' });
 */
export const django_salted_md5 = makeDjangoDigest('django_salted_md5', 'md5', true);
/**
 * Django's UnsaltedSHA1PasswordHasher.
 *
 * @example
 * // sha1$$<40 hex>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_unsalted_sha1], deprecated: 'auto' });
 */
export const django_unsalted_sha1 = makeDjangoDigest('django_unsalted_sha1', 'sha1', false);
/**
 * Django's UnsaltedMD5PasswordHasher in its `md5$$` form (Django also reads the bare hex: `hex_md5`).
 *
 * @example
 * // md5$$<32 hex>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_unsalted_md5], deprecated: 'auto' });
 */
export const django_unsalted_md5 = makeDjangoDigest('django_unsalted_md5', 'md5', false);

/**
 * Django's unusable password (`User.set_unusable_password()`, users created without one): `!`
 * and 40 random characters. Never matches, never needs an update (there is nothing to rehash).
 *
 * @example
 * // '!' + 40 random characters: set_unusable_password(); never verifies
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_disabled] });
 */
export const django_disabled: PasswordScheme<DjangoDigestSettings> = {
  name: 'django_disabled',
  defaults: {},
  identify: (hash) => typeof hash === 'string' && hash.startsWith('!'),
  async verify() {
    return false;
  },
  needsUpdate() {
    return false;
  },
};
