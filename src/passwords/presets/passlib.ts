/**
 * passlib (Python): every passlib format gatehouse reads, as a `CryptContext(schemes=[...])` of an
 * app built on passlib may have listed them. Coexistence writes passlib's default bcrypt.
 */
import type { CryptContext } from '../context.js';
import { argon2 } from '../schemes/argon2.js';
import { bcrypt } from '../schemes/bcrypt.js';
import { bcrypt_sha256 } from '../schemes/bcrypt-sha256.js';
import { des_crypt, django_des_crypt } from '../schemes/des-crypt.js';
import { hex_md5, hex_sha1, hex_sha256, hex_sha512, ldap_salted_sha1, ldap_salted_sha256, ldap_salted_sha512 } from '../schemes/digests.js';
import { django_salted_md5, django_salted_sha1, django_disabled } from '../schemes/django-digests.js';
import { django_argon2, django_bcrypt, django_bcrypt_sha256, django_pbkdf2_sha1, django_pbkdf2_sha256 } from '../schemes/django.js';
import { apr_md5_crypt, md5_crypt } from '../schemes/md5-crypt.js';
import { pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 } from '../schemes/pbkdf2.js';
import { scrypt } from '../schemes/scrypt.js';
import { sha256_crypt, sha512_crypt } from '../schemes/sha-crypt.js';
import { phpass } from '../schemes/wordpress.js';
import { buildPreset, checkPresetOptions, integerOption, keepingParameters, type PresetOptions } from './build.js';

/**
 * Options of `presets.passlib`.
 *
 * @example
 * presets.passlib({ coexist: true, rounds: 12 });
 */
export interface PasslibPresetOptions extends PresetOptions {
  /** bcrypt cost of new hashes in coexistence (default 12, passlib's `bcrypt.default_rounds`). */
  rounds?: number;
}

const BCRYPT_PREFIX = /^\$(2[aby])\$([0-9]{2})\$/;

/**
 * passlib's bcrypt as `CryptContext(schemes=["bcrypt"])` treats it: no cost bounds, so a hash of
 * any cost or ident is kept; only a salt with stray padding bits is rehashed (passlib issue 25).
 *
 * @example
 * import { CryptContext } from 'gatehouse';
 * new CryptContext({ schemes: [passlibBcrypt] }).needsUpdate('$2b$05$...'); // false
 */
export const passlibBcrypt = keepingParameters(bcrypt, (hash, settings) => {
  const [, ident, cost] = BCRYPT_PREFIX.exec(hash) ?? [];
  if (!ident || !cost) return false; // $2x$: refused by verify, never rehashed
  return bcrypt.needsUpdate(hash, { ...settings, ident: ident as '2a' | '2b' | '2y', rounds: Number(cost) }, 'exact');
});

/**
 * A CryptContext that reads the hashes an app using passlib has stored (the FastAPI tutorial's
 * `CryptContext(schemes=["bcrypt"], deprecated="auto")` among them). By default new hashes use
 * gatehouse's default and logins upgrade everything else. With `coexist: true` new hashes are
 * passlib's default bcrypt (`$2b$12$`), and a login rehashes what passlib's `needs_update` would
 * with `deprecated="auto"`: other schemes, and bcrypt hashes with non-canonical padding.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.passlib({ coexist: true });
 * await context.hash('secret'); // '$2b$12$...', which passlib's CryptContext.verify accepts
 */
export function passlib(options?: PasslibPresetOptions): CryptContext {
  const o = checkPresetOptions('passlib', options, ['rounds']);
  const rounds = integerOption('passlib', 'rounds', o.rounds, 12, 4, 31);
  return buildPreset(
    {
      name: 'passlib',
      schemes: [
        o.coexist ? passlibBcrypt : bcrypt,
        bcrypt_sha256,
        argon2,
        scrypt,
        pbkdf2_sha256,
        pbkdf2_sha512,
        pbkdf2_sha1,
        sha512_crypt,
        sha256_crypt,
        md5_crypt,
        apr_md5_crypt,
        des_crypt,
        phpass,
        django_pbkdf2_sha256,
        django_pbkdf2_sha1,
        django_argon2,
        django_bcrypt_sha256,
        django_bcrypt,
        django_salted_sha1,
        django_salted_md5,
        django_des_crypt,
        django_disabled,
        ldap_salted_sha512,
        ldap_salted_sha256,
        ldap_salted_sha1,
        hex_sha512,
        hex_sha256,
        hex_sha1,
        hex_md5,
      ],
      capFloors: {
        bcrypt: { maxRounds: rounds },
        // passlib's argon2 defaults: 100 MiB, 2 passes, 8 lanes.
        argon2: { maxMemoryKiB: 102_400, maxTimeCost: 2, maxParallelism: 8 },
        django_argon2: { maxMemoryKiB: 102_400, maxTimeCost: 2, maxParallelism: 8 },
      },
      coexist: { scheme: passlibBcrypt, settings: { rounds, ident: '2b' }, deprecated: 'auto' },
    },
    o,
  );
}
