/**
 * FastAPI's OAuth2 tutorial, both generations: passlib's `CryptContext(schemes=["bcrypt"])` (`$2b$12$`,
 * the seed) and pwdlib's `PasswordHash.recommended()` (argon2id, m=65536, t=3, p=4: argon2-cffi's
 * RFC 9106 low-memory profile), with pwdlib's BcryptHasher (`$2b$12$`) beside it.
 */
import type { CryptContext } from '../context.js';
import { argon2 } from '../schemes/argon2.js';
import { bcrypt } from '../schemes/bcrypt.js';
import { buildPreset, checkPresetOptions, choiceOption, type PresetOptions } from './build.js';
import { passlibBcrypt } from './passlib.js';

/**
 * pwdlib's Argon2Hasher defaults (argon2-cffi >= 21.2): argon2id, 64 MiB, 3 passes, 4 lanes, 16-byte salt, 32-byte hash.
 *
 * @example
 * import { PWDLIB_ARGON2, presets } from 'gatehouse';
 * presets.fastapi({ coexist: true }).settingsOf('argon2'); // includes PWDLIB_ARGON2
 */
export const PWDLIB_ARGON2 = {
  type: 'argon2id',
  memoryCost: 65_536,
  timeCost: 3,
  parallelism: 4,
  saltBytes: 16,
  hashBytes: 32,
} as const;

/**
 * Options of `presets.fastapi`.
 *
 * @example
 * presets.fastapi({ coexist: true, library: 'passlib' });
 */
export interface FastapiPresetOptions extends PresetOptions {
  /**
   * Which generation of the tutorial the app runs, for coexistence: 'pwdlib' (default: writes
   * argon2id as `PasswordHash.recommended()` does, rehashes bcrypt) or 'passlib' (the seed: writes
   * `$2b$12$` bcrypt as passlib does, rehashes argon2 hashes passlib's bcrypt-only context cannot read).
   */
  library?: 'pwdlib' | 'passlib';
}

/**
 * A CryptContext for users of a FastAPI app built on the tutorial: the seed's passlib bcrypt
 * hashes and the current tutorial's pwdlib argon2id (and bcrypt) hashes all verify. By default
 * new hashes use gatehouse's default and logins upgrade both. With `coexist: true` new hashes are
 * pwdlib's argon2id, and a login rehashes what pwdlib's `verify_and_update` would: bcrypt
 * hashes, and argon2 hashes with other parameters.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.fastapi();
 * await context.verify('secret', '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW'); // true
 */
export function fastapi(options?: FastapiPresetOptions): CryptContext {
  const o = checkPresetOptions('fastapi', options, ['library']);
  const library = choiceOption('fastapi', 'library', o.library, ['pwdlib', 'passlib'] as const, 'pwdlib');
  return buildPreset(
    {
      name: 'fastapi',
      schemes: [argon2, o.coexist && library === 'passlib' ? passlibBcrypt : bcrypt],
      capFloors: {
        argon2: { maxMemoryKiB: PWDLIB_ARGON2.memoryCost, maxTimeCost: PWDLIB_ARGON2.timeCost, maxParallelism: PWDLIB_ARGON2.parallelism },
        bcrypt: { maxRounds: 12 },
      },
      coexist:
        library === 'pwdlib'
          ? { scheme: argon2, settings: { ...PWDLIB_ARGON2 }, deprecated: 'auto' }
          : { scheme: passlibBcrypt, settings: { rounds: 12, ident: '2b' }, deprecated: 'auto' },
    },
    o,
  );
}
