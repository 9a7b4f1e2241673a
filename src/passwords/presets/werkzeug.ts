/**
 * Werkzeug's generate_password_hash (Flask and its extensions): `sha1$salt$hmac` in early versions,
 * `pbkdf2:sha1:1000`, then `pbkdf2:sha256` at 50,000 (2016), 150,000 (0.15), 260,000 (2.0), 600,000
 * (2.3) and 1,000,000 (3.1) iterations; `scrypt:32768:8:1` is the default since 3.0.
 */
import type { CryptContext } from '../context.js';
import { werkzeug_legacy, werkzeug_pbkdf2, werkzeug_scrypt } from '../schemes/werkzeug.js';
import { buildPreset, checkPresetOptions, choiceOption, integerOption, keepingParameters, type PresetOptions } from './build.js';

/**
 * Options of `presets.werkzeug`.
 *
 * @example
 * presets.werkzeug({ coexist: true, method: 'scrypt' });
 */
export interface WerkzeugPresetOptions extends PresetOptions {
  /**
   * What coexistence writes: 'scrypt' (`scrypt:32768:8:1`, Werkzeug >= 3.0's default; read by
   * Werkzeug >= 2.3) or 'pbkdf2' (`pbkdf2:sha256:<iterations>`, for apps on Werkzeug < 2.3).
   */
  method?: 'scrypt' | 'pbkdf2';
  /** PBKDF2 iterations when `method` is 'pbkdf2' (default 1,000,000, Werkzeug 3.1's). */
  iterations?: number;
}

/**
 * A CryptContext that reads every hash Werkzeug's `generate_password_hash` has written.
 * By default new hashes use gatehouse's default and logins upgrade the Werkzeug ones. With
 * `coexist: true` new hashes are Werkzeug's `scrypt:32768:8:1`, and since Werkzeug never rehashes
 * at login, neither does gatehouse — except the pre-KDF methods (`sha1$...`, `plain$$...`) that
 * Werkzeug 3.0 no longer reads: those move to the coexistence format.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.werkzeug({ coexist: true });
 * await context.verify('secret', 'scrypt:32768:8:1$...$...'); // true
 */
export function werkzeug(options?: WerkzeugPresetOptions): CryptContext {
  const o = checkPresetOptions('werkzeug', options, ['method', 'iterations']);
  const method = choiceOption('werkzeug', 'method', o.method, ['scrypt', 'pbkdf2'] as const, 'scrypt');
  const iterations = integerOption('werkzeug', 'iterations', o.iterations, werkzeug_pbkdf2.defaults.rounds, 1, 0xffffffff);
  const coexist = o.coexist === true;
  // Werkzeug has no needs-rehash: in coexistence its KDF hashes are kept whatever their cost.
  const scrypt = coexist ? keepingParameters(werkzeug_scrypt) : werkzeug_scrypt;
  const pbkdf2 = coexist ? keepingParameters(werkzeug_pbkdf2) : werkzeug_pbkdf2;
  return buildPreset(
    {
      name: 'werkzeug',
      schemes: [scrypt, pbkdf2, werkzeug_legacy],
      capFloors: {
        werkzeug_scrypt: { maxMemoryBytes: 128 * 32768 * 8, maxParallelism: 1 },
        werkzeug_pbkdf2: { maxRounds: iterations },
      },
      coexist: {
        scheme: method === 'scrypt' ? scrypt : pbkdf2,
        settings: method === 'scrypt' ? { N: 32768, r: 8, p: 1, saltChars: 16 } : { digest: 'sha256', rounds: iterations, saltChars: 16 },
        deprecated: ['werkzeug_legacy'],
      },
    },
    o,
  );
}
