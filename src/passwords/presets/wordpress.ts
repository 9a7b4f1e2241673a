/**
 * WordPress: bare MD5 (before 2.5), phpass `$P$` (2.5 to 6.7), `$wp$2y$` bcrypt of an HMAC-SHA384
 * pre-hash (6.8+), and whatever `password_verify` reads for hashes plugins wrote (`$2y$`, Argon2).
 */
import type { CryptContext } from '../context.js';
import { argon2 } from '../schemes/argon2.js';
import { bcrypt } from '../schemes/bcrypt.js';
import { hex_md5 } from '../schemes/digests.js';
import { phpass, wordpress_bcrypt } from '../schemes/wordpress.js';
import { buildPreset, checkPresetOptions, integerOption, type PresetOptions } from './build.js';
import { PHP_ARGON2, PHP_BCRYPT_COST } from './php.js';

/**
 * Options of `presets.wordpress`.
 *
 * @example
 * presets.wordpress({ coexist: true, cost: 10 });
 */
export interface WordpressPresetOptions extends PresetOptions {
  /**
   * bcrypt cost of new `$wp$2y$` hashes in coexistence: WordPress uses PHP's default, 12 on
   * PHP >= 8.4 (the default here), 10 before. Match the site's PHP, or each side rehashes the other's.
   */
  cost?: number;
}

/**
 * A CryptContext that reads every password WordPress has stored in `wp_users.user_pass`.
 * By default new hashes use gatehouse's default and logins upgrade the WordPress ones. With
 * `coexist: true` new hashes are WordPress 6.8's `$wp$2y$12$...`, and a login rehashes exactly
 * what `wp_password_needs_rehash()` would: anything not `$wp`-prefixed, or another cost.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.wordpress({ coexist: true, cost: 10 }); // the site runs PHP 8.2
 * await context.verify('secret', row.user_pass);
 */
export function wordpress(options?: WordpressPresetOptions): CryptContext {
  const o = checkPresetOptions('wordpress', options, ['cost']);
  const cost = integerOption('wordpress', 'cost', o.cost, PHP_BCRYPT_COST, 4, 31);
  return buildPreset(
    {
      name: 'wordpress',
      schemes: [wordpress_bcrypt, bcrypt, argon2, phpass, hex_md5],
      capFloors: {
        wordpress_bcrypt: { maxRounds: cost },
        bcrypt: { maxRounds: cost },
        argon2: { maxMemoryKiB: PHP_ARGON2.memoryCost, maxTimeCost: PHP_ARGON2.timeCost },
      },
      coexist: { scheme: wordpress_bcrypt, settings: { rounds: cost, ident: '2y' }, deprecated: 'auto' },
    },
    o,
  );
}
