/**
 * Every built-in scheme, by its passlib name (one module per family), and `builtinSchemes`, the
 * list a context resolves names from (`registry: builtinSchemes`).
 */
import type { PasswordScheme } from '../scheme.js';
import { bcrypt } from './bcrypt.js';
import { scrypt } from './scrypt.js';
import { pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 } from './pbkdf2.js';
import { migrationSchemes } from './migration.js';
import { des_crypt, django_des_crypt } from './des-crypt.js';
import { django_disabled, django_salted_md5, django_salted_sha1, django_unsalted_md5, django_unsalted_sha1 } from './django-digests.js';

/**
 * Every scheme gatehouse ships: the modern ones (bcrypt, scrypt, PBKDF2), every legacy format, then
 * the formats only migration presets list.
 * Give it as a context's `registry` to name schemes by string; importing it bundles all of them.
 *
 * @example
 * import { CryptContext, builtinSchemes } from 'gatehouse/passwords';
 * const context = new CryptContext({ schemes: ['bcrypt', 'django_pbkdf2_sha256'], registry: builtinSchemes });
 */
// Pure (no spread at the top level): a bundle that imports one scheme through this module keeps no other.
export const builtinSchemes: ReadonlyArray<PasswordScheme<any>> = /* @__PURE__ */ (
  [bcrypt, scrypt, pbkdf2_sha256, pbkdf2_sha512, pbkdf2_sha1] as PasswordScheme<any>[]
).concat(
  migrationSchemes,
  // Formats only a migration preset lists (not in the default context): Django's pre-1.4 digests, its
  // unusable-password marker and DES crypt(3) (bare, and Django's `crypt$`). `werkzeug_legacy` is
  // exported but not known by name: it has the same shape as Django's salted digests.
  [django_salted_sha1, django_salted_md5, django_unsalted_sha1, django_unsalted_md5, django_disabled, django_des_crypt, des_crypt],
);

export { bcrypt, scrypt, pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 };
export { argon2 } from './argon2.js';
export { bcrypt_sha256 } from './bcrypt-sha256.js';
export { better_auth_scrypt } from './better-auth.js';
export { hex_md5, hex_sha1, hex_sha256, hex_sha512, ldap_salted_sha1, ldap_salted_sha256, ldap_salted_sha512 } from './digests.js';
export { django_argon2, django_bcrypt, django_bcrypt_sha256, django_pbkdf2_sha1, django_pbkdf2_sha256, django_scrypt } from './django.js';
export { apr_md5_crypt, md5_crypt } from './md5-crypt.js';
export { sha256_crypt, sha512_crypt } from './sha-crypt.js';
export { werkzeug_legacy, werkzeug_pbkdf2, werkzeug_scrypt } from './werkzeug.js';
export { phpass, wordpress_bcrypt } from './wordpress.js';
export { django_disabled, django_salted_md5, django_salted_sha1, django_unsalted_md5, django_unsalted_sha1 } from './django-digests.js';
export { des_crypt, django_des_crypt } from './des-crypt.js';
export type { DesCryptSettings } from './des-crypt.js';
export type { DjangoDigestSettings } from './django-digests.js';
export type { WerkzeugLegacySettings } from './werkzeug.js';
export type { BcryptIdent, BcryptSettings } from './bcrypt.js';
export type { ScryptSettings } from './scrypt.js';
export type { ScryptCaps } from '../kdf/scrypt-params.js';
export type { StringSaltScryptSettings } from './legacy-util.js';
export type { Pbkdf2Settings } from './pbkdf2.js';
export type { Argon2Settings, Argon2Type } from './argon2.js';
export type { BcryptSha256Settings } from './bcrypt-sha256.js';
export type { BetterAuthScryptSettings } from './better-auth.js';
export type { DigestSettings } from './digests.js';
export type { DjangoArgon2Settings, DjangoBcryptSettings, DjangoPbkdf2Settings, DjangoScryptSettings } from './django.js';
export type { Md5CryptSettings } from './md5-crypt.js';
export type { ShaCryptSettings } from './sha-crypt.js';
export type { WerkzeugPbkdf2Settings, WerkzeugScryptSettings } from './werkzeug.js';
export type { PhpassSettings, WordpressBcryptSettings } from './wordpress.js';
