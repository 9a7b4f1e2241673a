/**
 * Django (django.contrib.auth): every hasher Django has shipped, from the salted SHA-1 of
 * Django < 1.4 and `crypt$` (DES) to PBKDF2, Argon2, bcrypt and scrypt, plus its unusable-password
 * marker `!...`.
 * Coexistence writes what Django writes by default: `pbkdf2_sha256$<iterations>$...`.
 */
import type { CryptContext } from '../context.js';
import { django_disabled, django_salted_md5, django_salted_sha1, django_unsalted_md5, django_unsalted_sha1 } from '../schemes/django-digests.js';
import {
  django_argon2,
  django_bcrypt,
  django_bcrypt_sha256,
  django_pbkdf2_sha1,
  django_pbkdf2_sha256,
  django_scrypt,
} from '../schemes/django.js';
import { django_des_crypt } from '../schemes/des-crypt.js';
import { hex_md5 } from '../schemes/digests.js';
import { buildPreset, checkPresetOptions, choiceOption, integerOption, type PresetOptions } from './build.js';

/**
 * PBKDF2PasswordHasher.iterations by Django release (django/contrib/auth/hashers.py): Django must
 * run with the same count as gatehouse, or each side rehashes at every login what the other wrote.
 *
 * @example
 * import { DJANGO_PBKDF2_ITERATIONS, presets } from 'gatehouse';
 * const context = presets.django({ coexist: true, iterations: DJANGO_PBKDF2_ITERATIONS['5.2'] });
 */
export const DJANGO_PBKDF2_ITERATIONS = {
  '3.2': 260_000,
  '4.0': 320_000,
  '4.1': 390_000,
  '4.2': 600_000,
  '5.0': 720_000,
  '5.1': 870_000,
  '5.2': 1_000_000,
  '6.0': 1_200_000,
  '6.1': 1_500_000,
} as const;

/**
 * The iteration count of the current Django release (6.1): what `presets.django({ coexist: true })` writes.
 *
 * @example
 * import { DJANGO_CURRENT_ITERATIONS } from 'gatehouse';
 * DJANGO_CURRENT_ITERATIONS; // 1500000
 */
export const DJANGO_CURRENT_ITERATIONS = DJANGO_PBKDF2_ITERATIONS['6.1'];

/**
 * The hashers Django can put first in PASSWORD_HASHERS that coexistence can write.
 *
 * @example
 * presets.django({ coexist: true, hasher: 'argon2' });
 */
export type DjangoHasher = 'pbkdf2_sha256' | 'pbkdf2_sha1' | 'argon2' | 'bcrypt_sha256';

/**
 * Options of `presets.django`.
 *
 * @example
 * presets.django({ coexist: true, iterations: 1_000_000 });
 */
export interface DjangoPresetOptions extends PresetOptions {
  /** PBKDF2 iterations of new hashes in coexistence (default: Django 6.1's 1,500,000; see DJANGO_PBKDF2_ITERATIONS). */
  iterations?: number;
  /** The first entry of the Django project's PASSWORD_HASHERS (default 'pbkdf2_sha256', Django's default). */
  hasher?: DjangoHasher;
}

const HASHERS = {
  pbkdf2_sha256: django_pbkdf2_sha256,
  pbkdf2_sha1: django_pbkdf2_sha1,
  argon2: django_argon2,
  bcrypt_sha256: django_bcrypt_sha256,
} as const;

/**
 * A CryptContext that reads every password Django has stored in `auth_user.password`.
 * By default new hashes use gatehouse's default scheme and logins upgrade the Django ones (a
 * one-way move: Django cannot read gatehouse's format). With `coexist: true` new hashes are
 * Django's own (`pbkdf2_sha256` at Django's iteration count), and a login rehashes exactly what
 * Django's `check_password` would: another hasher than the first, other iterations, a short salt.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.django({ coexist: true, iterations: 1_000_000 }); // Django 5.2 still runs
 * const { valid, newHash } = await context.verifyAndUpdate(password, row.password);
 */
export function django(options?: DjangoPresetOptions): CryptContext {
  const o = checkPresetOptions('django', options, ['iterations', 'hasher']);
  const iterations = integerOption('django', 'iterations', o.iterations, DJANGO_CURRENT_ITERATIONS, 1, 0xffffffff);
  const hasher = HASHERS[choiceOption('django', 'hasher', o.hasher, Object.keys(HASHERS) as DjangoHasher[], 'pbkdf2_sha256')];
  const pbkdf2 = hasher === django_pbkdf2_sha256 || hasher === django_pbkdf2_sha1;
  return buildPreset(
    {
      name: 'django',
      schemes: [
        django_pbkdf2_sha256,
        django_pbkdf2_sha1,
        django_argon2,
        django_bcrypt_sha256,
        django_bcrypt,
        django_scrypt,
        django_salted_sha1,
        django_salted_md5,
        django_unsalted_sha1,
        django_unsalted_md5,
        hex_md5,
        django_des_crypt,
        django_disabled,
      ],
      capFloors: {
        // Django's own defaults, whatever gatehouse's caps: iterations, Argon2 100 MiB / 2 / 8, bcrypt 12.
        django_pbkdf2_sha256: { maxRounds: iterations },
        django_pbkdf2_sha1: { maxRounds: iterations },
        django_argon2: { maxMemoryKiB: 102_400, maxTimeCost: 2, maxParallelism: 8 },
        django_bcrypt_sha256: { maxRounds: 12 },
        django_bcrypt: { maxRounds: 12 },
      },
      coexist: {
        scheme: hasher,
        // Django's salts are 22 characters: its must_update rehashes anything with less (128 bits as alphanumerics).
        settings: pbkdf2 ? { rounds: iterations } : hasher === django_argon2 ? { saltBytes: 22 } : {},
        // Django's check_password: a hash of another hasher than PASSWORD_HASHERS[0] is rehashed.
        deprecated: 'auto',
      },
    },
    o,
  );
}
