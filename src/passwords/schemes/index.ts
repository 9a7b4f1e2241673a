import type { PasswordScheme } from '../scheme.js';
import { bcrypt } from './bcrypt.js';
import { scrypt } from './scrypt.js';
import { pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 } from './pbkdf2.js';
import { legacySchemes } from './legacy.js';
import { des_crypt, django_des_crypt } from './des-crypt.js';
import { django_disabled, django_salted_md5, django_salted_sha1, django_unsalted_md5, django_unsalted_sha1 } from './django-digests.js';

/** The modern schemes: the ones a new deployment hashes with. */
export const modernSchemes: ReadonlyArray<PasswordScheme<any>> = [bcrypt, scrypt, pbkdf2_sha256, pbkdf2_sha512, pbkdf2_sha1];

/**
 * Formats only a migration preset lists (not in the default context): Django's pre-1.4 digests,
 * its unusable-password marker and DES crypt(3) (bare, and Django's `crypt$`). `werkzeug_legacy` is exported but not registered by name: it has
 * the same shape as Django's salted digests.
 */
export const migrationSchemes: ReadonlyArray<PasswordScheme<any>> = [
  django_salted_sha1,
  django_salted_md5,
  django_unsalted_sha1,
  django_unsalted_md5,
  django_disabled,
  django_des_crypt,
  des_crypt,
];

/** Every scheme gatehouse ships and knows by name in every CryptContext. */
export const builtinSchemes: ReadonlyArray<PasswordScheme<any>> = [...modernSchemes, ...legacySchemes, ...migrationSchemes];

export { bcrypt, scrypt, pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 };
export * from './legacy.js';
export { django_disabled, django_salted_md5, django_salted_sha1, django_unsalted_md5, django_unsalted_sha1 } from './django-digests.js';
export { werkzeug_legacy } from './werkzeug.js';
export { des_crypt, django_des_crypt } from './des-crypt.js';
export type { DesCryptSettings } from './des-crypt.js';
export type { DjangoDigestSettings } from './django-digests.js';
export type { WerkzeugLegacySettings } from './werkzeug.js';
export type { BcryptIdent, BcryptSettings } from './bcrypt.js';
export type { ScryptSettings } from './scrypt.js';
export type { Pbkdf2Settings } from './pbkdf2.js';
