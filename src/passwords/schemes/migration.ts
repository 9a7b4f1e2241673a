/**
 * The formats of the systems users migrate from (argon2 among them: current, just not one of
 * bcrypt, scrypt and pbkdf2), so that users migrating from Django, Flask/Werkzeug, WordPress,
 * PHP, passlib, better-auth or LDAP keep logging in (and are upgraded at their next login).
 * Schemes that can hash: sha256_crypt, sha512_crypt, argon2, bcrypt_sha256, the Django ones,
 * the Werkzeug ones, wordpress_bcrypt and better_auth_scrypt. The others verify only.
 */
import type { PasswordScheme } from '../scheme.js';
import { argon2 } from './argon2.js';
import { bcrypt_sha256 } from './bcrypt-sha256.js';
import { better_auth_scrypt } from './better-auth.js';
import { hex_md5, hex_sha1, hex_sha256, hex_sha512, ldap_salted_sha1, ldap_salted_sha256, ldap_salted_sha512 } from './digests.js';
import {
  django_argon2,
  django_bcrypt,
  django_bcrypt_sha256,
  django_pbkdf2_sha1,
  django_pbkdf2_sha256,
  django_scrypt,
} from './django.js';
import { apr_md5_crypt, md5_crypt } from './md5-crypt.js';
import { sha256_crypt, sha512_crypt } from './sha-crypt.js';
import { werkzeug_pbkdf2, werkzeug_scrypt } from './werkzeug.js';
import { phpass, wordpress_bcrypt } from './wordpress.js';

/** Every migration scheme, strongest families first. Their identify() never overlap (nor with the built-ins). */
export const migrationSchemes: ReadonlyArray<PasswordScheme<any>> = [
  argon2,
  bcrypt_sha256,
  sha512_crypt,
  sha256_crypt,
  django_argon2,
  django_bcrypt_sha256,
  django_bcrypt,
  django_scrypt,
  django_pbkdf2_sha256,
  django_pbkdf2_sha1,
  werkzeug_scrypt,
  werkzeug_pbkdf2,
  wordpress_bcrypt,
  better_auth_scrypt,
  phpass,
  md5_crypt,
  apr_md5_crypt,
  ldap_salted_sha512,
  ldap_salted_sha256,
  ldap_salted_sha1,
  hex_sha512,
  hex_sha256,
  hex_sha1,
  hex_md5,
];

