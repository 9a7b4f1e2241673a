/**
 * better-auth (and Lucia v3): `<salt hex>:<key hex>`, scrypt N=16384, r=16, p=1, 64-byte key, the
 * password NFKC-normalised. The format stores no parameters, so it never falls behind by its rules.
 */
import type { CryptContext } from '../context.js';
import { better_auth_scrypt } from '../schemes/better-auth.js';
import { buildPreset, checkPresetOptions, type PresetOptions } from './build.js';

/**
 * A CryptContext that reads better-auth's password hashes (its `account.password` column).
 * By default new hashes use gatehouse's default and logins upgrade the better-auth ones. With
 * `coexist: true` new hashes are better-auth's own format and nothing better-auth wrote is
 * rehashed (better-auth never rehashes).
 *
 * @example
 * import { presets } from 'gatehouse';
 * const context = presets.betterAuth({ coexist: true });
 * await context.hash('secret'); // '<32 hex>:<128 hex>', which better-auth's verifyPassword accepts
 */
export function betterAuth(options?: PresetOptions): CryptContext {
  const o = checkPresetOptions('betterAuth', options);
  return buildPreset(
    {
      name: 'betterAuth',
      schemes: [better_auth_scrypt],
      coexist: { scheme: better_auth_scrypt, settings: {}, deprecated: 'auto' },
    },
    o,
  );
}
