/**
 * better-auth's (and Lucia v3's) scrypt format: `<salt hex>:<key hex>`, with N=16384, r=16, p=1,
 * a 64-byte key, the password NFKC-normalised, and the salt's hex STRING (not its bytes) as salt.
 */
import { ConfigurationError, MalformedHashError } from '../../errors.js';
import { constantTimeEqual, fromHex, fromUtf8, randomBytes, toHex, utf8 } from '../encodings.js';
import { scryptKdf } from '../kdf/scrypt.js';
import { defineScheme } from '../scheme.js';

/**
 * The parameters are fixed by the format (they are not stored): nothing to configure.
 *
 * @example
 * new CryptContext({ schemes: [scrypt, better_auth_scrypt], settings: { better_auth_scrypt: {} } });
 */
export type BetterAuthScryptSettings = Record<string, never>;

const NAME = 'better_auth_scrypt';
const SHAPE = /^([0-9a-f]{32}):([0-9a-f]{128})$/;
const PARAMS = { N: 16384, r: 16, p: 1, dkLen: 64 } as const;

function parse(hash: string): { salt: string; key: Uint8Array } {
  const match = typeof hash === 'string' ? SHAPE.exec(hash) : null;
  if (!match) throw new MalformedHashError(NAME, 'expected <32 hex chars>:<128 hex chars>');
  return { salt: match[1]!, key: fromHex(match[2]!)! };
}

/** better-auth normalises the JS string; a password arrives here as UTF-8 bytes. */
function normalise(password: Uint8Array): Uint8Array {
  return utf8(fromUtf8(password).normalize('NFKC'));
}

function checkSettings(settings: BetterAuthScryptSettings): void {
  if (!settings || typeof settings !== 'object') throw new ConfigurationError(`${NAME}: settings must be an object`);
}

/**
 * better-auth's default password hash (@better-auth/utils).
 *
 * @example
 * // <32 hex salt>:<128 hex key> (scrypt N=16384, r=16, p=1)
 * new CryptContext({ schemes: [scrypt, better_auth_scrypt], deprecated: 'auto' });
 */
export const better_auth_scrypt = defineScheme<BetterAuthScryptSettings>({
  name: NAME,
  defaults: {} as Readonly<BetterAuthScryptSettings>,

  identify(hash) {
    return typeof hash === 'string' && /^[0-9a-f]+:[0-9a-f]+$/.test(hash);
  },

  async hash(password, settings) {
    checkSettings(settings);
    const salt = toHex(randomBytes(16));
    return `${salt}:${toHex(await scryptKdf(normalise(password), utf8(salt), PARAMS))}`;
  },

  async verify(password, hash, settings) {
    checkSettings(settings);
    const { salt, key } = parse(hash);
    return constantTimeEqual(await scryptKdf(normalise(password), utf8(salt), PARAMS), key);
  },

  /** Never, by its own rules: the format has no parameters to fall behind (a context may deprecate it). */
  needsUpdate(hash, _settings, _policy) {
    parse(hash);
    return false;
  },
});
