/**
 * WordPress: bare MD5 (before 2.5), phpass `$P$` (2.5 to 6.7), `$wp$2y$` bcrypt of an HMAC-SHA384
 * pre-hash (6.8+), and whatever `password_verify` reads for hashes plugins wrote (`$2y$`, Argon2).
 */
import type { CryptContext } from '../context.js';
import { argon2 } from '../schemes/argon2.js';
import { bcrypt } from '../schemes/bcrypt.js';
import { hex_md5 } from '../schemes/digests.js';
import { phpass, phpass_portable, wordpress_bcrypt } from '../schemes/wordpress.js';
import { buildPreset, checkPresetOptions, choiceOption, integerOption, type PresetOptions } from './build.js';
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
  /**
   * What coexistence writes: 'wp-bcrypt' (default: WordPress 6.8's `$wp$2y$`) or 'phpass' (the
   * portable `$P$B` hashes of WordPress before 6.8, which cannot read `$wp$2y$`). A site's own
   * choice follows its `db_version`: see wordpressHashFormat in gatehouse/sqlite and gatehouse/postgres.
   */
  format?: 'wp-bcrypt' | 'phpass';
}

/**
 * A CryptContext that reads every password WordPress has stored in `wp_users.user_pass`.
 * By default new hashes use gatehouse's default and logins upgrade the WordPress ones. With
 * `coexist: true` new hashes are WordPress 6.8's `$wp$2y$12$...`, and a login rehashes exactly
 * what `wp_password_needs_rehash()` would: anything not `$wp`-prefixed, or another cost. With
 * `format: 'phpass'` (sites before 6.8) new hashes are `$P$B...` and only bare MD5 is rehashed.
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.wordpress({ coexist: true, cost: 10 }); // the site runs PHP 8.2
 * await context.verify('secret', row.user_pass);
 */
export function wordpress(options?: WordpressPresetOptions): CryptContext {
  const o = checkPresetOptions('wordpress', options, ['cost', 'format']);
  const cost = integerOption('wordpress', 'cost', o.cost, PHP_BCRYPT_COST, 4, 31);
  const format = choiceOption('wordpress', 'format', o.format, ['wp-bcrypt', 'phpass'] as const, 'wp-bcrypt');
  if (format === 'phpass' && o.coexist === true) {
    // WordPress before 6.8: PasswordHash(8, true) reads $P$ and crypt()'s bcrypt, and rehashes only
    // bare MD5; what it cannot read ($wp$2y$, Argon2) is moved to $P$ at the next login.
    return buildPreset(
      {
        name: 'wordpress',
        schemes: [phpass_portable, bcrypt, wordpress_bcrypt, argon2, hex_md5],
        capFloors: { bcrypt: { maxRounds: cost }, wordpress_bcrypt: { maxRounds: cost } },
        coexist: { scheme: phpass_portable, settings: {}, deprecated: ['hex_md5', 'wordpress_bcrypt', 'argon2'] },
      },
      o,
    );
  }
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
