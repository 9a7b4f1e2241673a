/**
 * PHP (`password_hash`, `crypt()`, Laravel's Hash facade, Symfony's native hasher): bcrypt `$2y$`
 * (cost 10 until PHP 8.4, 12 since; Laravel 11+: 12 rounds), Argon2i/Argon2id (PHP >= 7.2/7.3),
 * crypt()'s MD5, SHA-crypt and standard DES, and the bare md5()/sha1() hex digests of older apps.
 */
import type { CryptContext } from '../context.js';
import { argon2 } from '../schemes/argon2.js';
import { bcrypt } from '../schemes/bcrypt.js';
import { des_crypt } from '../schemes/des-crypt.js';
import { hex_md5, hex_sha1 } from '../schemes/digests.js';
import { md5_crypt } from '../schemes/md5-crypt.js';
import { sha256_crypt, sha512_crypt } from '../schemes/sha-crypt.js';
import { buildPreset, checkPresetOptions, choiceOption, integerOption, type PresetOptions } from './build.js';

/**
 * PHP >= 8.4's PASSWORD_BCRYPT cost, and Laravel's BCRYPT_ROUNDS since Laravel 11.
 *
 * @example
 * import { PHP_BCRYPT_COST, presets } from 'gatehouse';
 * presets.php({ coexist: true, cost: PHP_BCRYPT_COST }); // the default: `$2y$12$`
 */
export const PHP_BCRYPT_COST = 12;

/**
 * PHP's PASSWORD_ARGON2_DEFAULT_* (and Laravel's argon defaults): 64 MiB, 4 passes, 1 thread.
 *
 * @example
 * import { presets } from 'gatehouse';
 * await presets.php({ coexist: true, algorithm: 'argon2id' }).hash('secret'); // '$argon2id$v=19$m=65536,t=4,p=1$...'
 */
export const PHP_ARGON2 = { memoryCost: 65_536, timeCost: 4, parallelism: 1 } as const;

/**
 * Options of `presets.php`.
 *
 * @example
 * presets.php({ coexist: true, algorithm: 'bcrypt', cost: 10 });
 */
export interface PhpPresetOptions extends PresetOptions {
  /** What coexistence writes: 'bcrypt' (PASSWORD_DEFAULT, `$2y$`), 'argon2id' or 'argon2i'. */
  algorithm?: 'bcrypt' | 'argon2id' | 'argon2i';
  /** bcrypt cost of new hashes in coexistence (default 12; set 10 for PHP < 8.4 without a cost option). */
  cost?: number;
}

/**
 * A CryptContext that reads what PHP's `password_hash` and `crypt()` have written.
 * By default new hashes use gatehouse's default and logins upgrade the PHP ones. With
 * `coexist: true` new hashes are `$2y$12$` bcrypt, and a login rehashes exactly what
 * `password_needs_rehash($hash, PASSWORD_BCRYPT, ['cost' => 12])` would: another algorithm,
 * another ident than `$2y$`, another cost.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.php({ coexist: true }); // a Laravel app keeps reading every hash
 * await context.hash('secret'); // '$2y$12$...'
 */
export function php(options?: PhpPresetOptions): CryptContext {
  const o = checkPresetOptions('php', options, ['algorithm', 'cost']);
  const algorithm = choiceOption('php', 'algorithm', o.algorithm, ['bcrypt', 'argon2id', 'argon2i'] as const, 'bcrypt');
  const cost = integerOption('php', 'cost', o.cost, PHP_BCRYPT_COST, 4, 31);
  return buildPreset(
    {
      name: 'php',
      schemes: [bcrypt, argon2, sha512_crypt, sha256_crypt, md5_crypt, des_crypt, hex_sha1, hex_md5],
      capFloors: { bcrypt: { maxRounds: cost }, argon2: { maxMemoryKiB: PHP_ARGON2.memoryCost, maxTimeCost: PHP_ARGON2.timeCost } },
      coexist:
        algorithm === 'bcrypt'
          ? { scheme: bcrypt, settings: { rounds: cost, ident: '2y' }, deprecated: 'auto' }
          : { scheme: argon2, settings: { type: algorithm, ...PHP_ARGON2, saltBytes: 16, hashBytes: 32 }, deprecated: 'auto' },
    },
    o,
  );
}
