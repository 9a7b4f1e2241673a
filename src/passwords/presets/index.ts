/**
 * Migration presets: one CryptContext per ecosystem, reading every hash that ecosystem has written.
 * Each is a function `(options?) => CryptContext`; `{ coexist: true }` keeps writing the old
 * system's format so the old app and gatehouse can share a user table.
 */
import { betterAuth } from './better-auth.js';
import { django } from './django.js';
import { everything } from './everything.js';
import { fastapi } from './fastapi.js';
import { passlib } from './passlib.js';
import { php } from './php.js';
import { werkzeug } from './werkzeug.js';
import { wordpress } from './wordpress.js';

/**
 * The migration presets by ecosystem name.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.django({ coexist: true }); // Django keeps reading every hash gatehouse writes
 * const ok = await context.verify('secret', 'pbkdf2_sha256$1500000$...');
 */
export const presets = Object.freeze({ fastapi, django, werkzeug, passlib, php, wordpress, betterAuth, everything });

/**
 * A preset's name, as `gatehouse serve --preset NAME` takes it.
 *
 * @example
 * const name: PresetName = 'django';
 * const context = presets[name]({ coexist: true });
 */
export type PresetName = keyof typeof presets;

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
