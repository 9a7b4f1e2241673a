/**
 * Migration presets: one CryptContext per ecosystem, reading every hash that ecosystem has written.
 * Each is a function `(options?) => CryptContext`; `{ coexist: true }` keeps writing the old
 * system's format so the old app and gatehouse can share a user table.
 */
import type { CryptContext } from '../context.js';
import { betterAuth } from './better-auth.js';
import type { PresetOptions } from './build.js';
import { django, type DjangoPresetOptions } from './django.js';
import { everything } from './everything.js';
import { fastapi, type FastapiPresetOptions } from './fastapi.js';
import { passlib, type PasslibPresetOptions } from './passlib.js';
import { php, type PhpPresetOptions } from './php.js';
import { werkzeug, type WerkzeugPresetOptions } from './werkzeug.js';
import { wordpress, type WordpressPresetOptions } from './wordpress.js';

/**
 * The migration presets, each `(options?) => CryptContext`.
 *
 * @example
 * import { presets } from 'gatehouse/passwords';
 * const context = presets.werkzeug();
 */
export interface Presets {
  // Signatures written out, not `typeof fastapi`: the preset functions are not exported, so the
  // API report and reference could not show what `typeof` stands for.
  /** FastAPI's tutorial: passlib bcrypt (the seed) and pwdlib argon2id; coexistence writes pwdlib's argon2id. */
  readonly fastapi: (options?: FastapiPresetOptions) => CryptContext;
  /** Django's auth_user hashes; coexistence writes `pbkdf2_sha256$<iterations>$...`. */
  readonly django: (options?: DjangoPresetOptions) => CryptContext;
  /** Werkzeug's generate_password_hash (Flask); coexistence writes `scrypt:32768:8:1$...`. */
  readonly werkzeug: (options?: WerkzeugPresetOptions) => CryptContext;
  /** passlib's formats; coexistence writes passlib's default bcrypt `$2b$12$`. */
  readonly passlib: (options?: PasslibPresetOptions) => CryptContext;
  /** PHP's password_hash and crypt() (Laravel, Symfony); coexistence writes `$2y$12$`. */
  readonly php: (options?: PhpPresetOptions) => CryptContext;
  /** WordPress's user_pass; coexistence writes WordPress 6.8's `$wp$2y$12$`. */
  readonly wordpress: (options?: WordpressPresetOptions) => CryptContext;
  /** better-auth's scrypt; coexistence writes better-auth's own format. */
  readonly betterAuth: (options?: PresetOptions) => CryptContext;
  /** Every built-in format; no coexistence mode. */
  readonly everything: (options?: PresetOptions) => CryptContext;
}

/**
 * The migration presets by ecosystem name.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.django({ coexist: true }); // Django keeps reading every hash gatehouse writes
 * const ok = await context.verify('secret', 'pbkdf2_sha256$1500000$...');
 */
export const presets: Presets = Object.freeze({ fastapi, django, werkzeug, passlib, php, wordpress, betterAuth, everything });

/**
 * A preset's name, as `gatehouse serve --preset NAME` takes it.
 *
 * @example
 * const name: PresetName = 'django';
 * const context = presets[name]({ coexist: true });
 */
export type PresetName = keyof Presets;

export type { PresetOptions } from './build.js';
export type { DjangoHasher, DjangoPresetOptions } from './django.js';
export type { FastapiPresetOptions } from './fastapi.js';
export type { PasslibPresetOptions } from './passlib.js';
export type { PhpPresetOptions } from './php.js';
export type { WerkzeugPresetOptions } from './werkzeug.js';
export type { WordpressPresetOptions } from './wordpress.js';
export { DJANGO_CURRENT_ITERATIONS, DJANGO_PBKDF2_ITERATIONS } from './django.js';
export { PHP_ARGON2, PHP_BCRYPT_COST } from './php.js';
export { PWDLIB_ARGON2 } from './fastapi.js';
