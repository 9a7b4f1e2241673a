/**
 * Plain and salted message digests: no work factor at all. Verify only; every hash needs an update.
 *   ldap_salted_sha1 / _sha256 / _sha512:  {SSHA}base64(SHA-1(password + salt) + salt), {SSHA256}, {SSHA512}
 *   hex_md5 / hex_sha1 / hex_sha256 / hex_sha512:  the unsalted digest in hex (32, 40, 64, 128 chars)
 */
import { MalformedHashError } from '../../errors.js';
import { B64_STANDARD, constantTimeEqual, decodeBase64, fromHex } from '../encodings.js';
import { defineScheme } from '../scheme.js';
import { concatBytes } from '../../internal/bytes.js';
import { DIGEST_BYTES, digestFunction, type DigestName } from './legacy-util.js';

/**
 * Nothing to configure.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, hex_md5], settings: { hex_md5: {} } });
 */
export type DigestSettings = Record<string, never>;

// passlib: salts of 4..16 bytes; read up to 64 so that other LDAP servers' hashes verify too.
const MIN_SALT_BYTES = 4;
const MAX_SALT_BYTES = 64;

function makeLdapSalted(name: string, prefix: string, digest: DigestName) {
  const size = DIGEST_BYTES[digest];
  function parse(hash: string): { checksum: Uint8Array; salt: Uint8Array } {
    const raw = typeof hash === 'string' && hash.startsWith(prefix) ? decodeBase64(hash.slice(prefix.length), B64_STANDARD, 'require') : null;
    if (!raw || raw.length < size + MIN_SALT_BYTES || raw.length > size + MAX_SALT_BYTES) {
      throw new MalformedHashError(name, `expected ${prefix}<base64 of ${size}-byte digest and salt>`);
    }
    return { checksum: raw.subarray(0, size), salt: raw.subarray(size) };
  }
  return defineScheme<DigestSettings>({
    name,
    defaults: {},
    identify: (hash) => typeof hash === 'string' && hash.startsWith(prefix),
    async verify(password, hash) {
      const { checksum, salt } = parse(hash);
      return constantTimeEqual(digestFunction(digest)(concatBytes(password, salt)), checksum);
    },
    needsUpdate(hash) {
      parse(hash);
      return true;
    },
  });
}

function makeHex(name: string, digest: DigestName) {
  const chars = DIGEST_BYTES[digest] * 2;
  const shape = new RegExp(`^[0-9a-fA-F]{${chars}}$`);
  function parse(hash: string): Uint8Array {
    if (typeof hash !== 'string' || !shape.test(hash)) throw new MalformedHashError(name, `expected ${chars} hex characters`);
    return fromHex(hash)!;
  }
  return defineScheme<DigestSettings>({
    name,
    defaults: {},
    // passlib accepts either case (and writes lowercase).
    identify: (hash) => typeof hash === 'string' && shape.test(hash),
    async verify(password, hash) {
      return constantTimeEqual(digestFunction(digest)(password), parse(hash));
    },
    needsUpdate(hash) {
      parse(hash);
      return true;
    },
  });
}

/**
 * LDAP's `{SSHA}`: salted SHA-1, base64. Verify only.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, ldap_salted_sha1], deprecated: 'auto' });
 */
export const ldap_salted_sha1 = makeLdapSalted('ldap_salted_sha1', '{SSHA}', 'sha1');
/**
 * LDAP's `{SSHA256}`: salted SHA-256, base64. Verify only.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, ldap_salted_sha256], deprecated: 'auto' });
 */
export const ldap_salted_sha256 = makeLdapSalted('ldap_salted_sha256', '{SSHA256}', 'sha256');
/**
 * LDAP's `{SSHA512}`: salted SHA-512, base64. Verify only.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, ldap_salted_sha512], deprecated: 'auto' });
 */
export const ldap_salted_sha512 = makeLdapSalted('ldap_salted_sha512', '{SSHA512}', 'sha512');
/**
 * An unsalted MD5 hex digest, passlib's `hex_md5`. Verify only; not in the default context.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, hex_md5], deprecated: 'auto' });
 */
export const hex_md5 = makeHex('hex_md5', 'md5');
/**
 * An unsalted SHA-1 hex digest, passlib's `hex_sha1`. Verify only; not in the default context.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, hex_sha1], deprecated: 'auto' });
 */
export const hex_sha1 = makeHex('hex_sha1', 'sha1');
/**
 * An unsalted SHA-256 hex digest, passlib's `hex_sha256`. Verify only; not in the default context.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, hex_sha256], deprecated: 'auto' });
 */
export const hex_sha256 = makeHex('hex_sha256', 'sha256');
/**
 * An unsalted SHA-512 hex digest, passlib's `hex_sha512`. Verify only; not in the default context.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, hex_sha512], deprecated: 'auto' });
 */
export const hex_sha512 = makeHex('hex_sha512', 'sha512');
