/**
 * Every format gatehouse reads, for a user table that several systems have written into.
 */
import type { CryptContext } from '../context.js';
import { builtinSchemes } from '../schemes/index.js';
import { buildPreset, checkPresetOptions, type PresetOptions } from './build.js';

/**
 * A CryptContext that reads every built-in format (the unsalted digests too) and hashes new
 * passwords with gatehouse's default; every other scheme is deprecated. It has no coexistence
 * mode (there is no one old system to keep writing for): `coexist: true` is a ConfigurationError.
 * Werkzeug's pre-0.9 `sha1$<salt>$<hmac>` is left out: it has the shape of Django's salted SHA-1,
 * which is what `sha1$...` means here (use `presets.werkzeug` for a Flask table).
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.everything();
 * const { valid, newHash } = await context.verifyAndUpdate(password, storedHash);
 */
export function everything(options?: PresetOptions): CryptContext {
  const o = checkPresetOptions('everything', options);
  return buildPreset(
    {
      name: 'everything',
      schemes: builtinSchemes,
      capFloors: {
        // The defaults of the systems whose hashes it reads: Django/passlib Argon2, PHP's, bcrypt 12.
        argon2: { maxMemoryKiB: 102_400, maxTimeCost: 4, maxParallelism: 8 },
        django_argon2: { maxMemoryKiB: 102_400, maxTimeCost: 2, maxParallelism: 8 },
        django_pbkdf2_sha256: { maxRounds: 1_500_000 },
        werkzeug_pbkdf2: { maxRounds: 1_000_000 },
        werkzeug_scrypt: { maxMemoryBytes: 128 * 32768 * 8 },
        bcrypt: { maxRounds: 12 },
      },
    },
    o,
  );
}
