/**
 * Werkzeug's generate_password_hash (Flask), `<method>$<salt>$<hex key>`:
 *   pbkdf2:<sha1|sha256|sha512>:<iterations>$<salt>$<hex, digest-sized key>
 *   scrypt:<N>:<r>:<p>$<salt>$<hex, 64-byte key>
 *   <digest>$<salt>$<hex HMAC(salt, password)>, <digest>$$<hex digest>, plain$$<password>
 *     (werkzeug_legacy: early Werkzeug's default `sha1`, and the methods Werkzeug 3.0 removed)
 * The salt is used as its UTF-8 string. Werkzeug >= 2.3 always writes every parameter; forms
 * without them depended on the version's defaults and are refused as malformed.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../errors.js';
import { constantTimeEqual, constantTimeEqualString, fromHex, parseDecimal, toHex, utf8 } from '../encodings.js';
import { pbkdf2, type Pbkdf2Digest } from '../kdf/pbkdf2.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { defineScheme } from '../scheme.js';
import { type StringSaltScryptSettings, stringSaltScryptScheme } from './legacy-util.js';
import { randomAlphanumeric } from '../../internal/random.js';
import { isInteger } from '../../internal/assert.js';
import { DEFAULT_SCRYPT_CAPS, checkScryptCaps, scryptParamsProblem } from '../kdf/scrypt-params.js';

const SALT_SHAPE = /^[^$]{1,256}$/;

/** `method$salt$hex` with lowercase hex (Werkzeug compares the hex strings). */
function split(name: string, prefix: string, stored: string): { params: string[]; salt: string; key: Uint8Array } {
  const fields = typeof stored === 'string' && stored.startsWith(prefix) ? stored.split('$') : [];
  if (fields.length !== 3) throw new MalformedHashError(name, `expected ${prefix}...$<salt>$<hex key>`);
  const [method = '', salt = '', hex = ''] = fields;
  if (!SALT_SHAPE.test(salt)) throw new MalformedHashError(name, 'invalid salt');
  const key = /^[0-9a-f]+$/.test(hex) ? fromHex(hex) : null;
  if (!key) throw new MalformedHashError(name, 'key must be lowercase hex');
  return { params: method.split(':').slice(1), salt, key };
}

// ---- pbkdf2 ----

/**
 * Settings of `werkzeug_pbkdf2`.
 *
 * @example
 * new CryptContext({ schemes: [werkzeug_pbkdf2], settings: { werkzeug_pbkdf2: { digest: 'sha256', rounds: 1_000_000 } } });
 */
export type WerkzeugPbkdf2Settings = {
  /** Digest of new hashes. */
  digest: 'sha256' | 'sha512' | 'sha1';
  /** Iterations of new hashes (Werkzeug 3.1: 1,000,000). */
  rounds: number;
  /** Salt length of new hashes in characters (Werkzeug: 16). */
  saltChars: number;
  maxRounds: number;
};

const PBKDF2 = 'werkzeug_pbkdf2';
const DIGESTS: Record<string, { webCrypto: Pbkdf2Digest; bytes: number }> = {
  sha1: { webCrypto: 'SHA-1', bytes: 20 },
  sha256: { webCrypto: 'SHA-256', bytes: 32 },
  sha512: { webCrypto: 'SHA-512', bytes: 64 },
};

function parsePbkdf2(stored: string) {
  const { params, salt, key } = split(PBKDF2, 'pbkdf2:', stored);
  if (params.length !== 2) throw new MalformedHashError(PBKDF2, 'expected pbkdf2:<digest>:<iterations>');
  const [digest = '', roundsText = ''] = params;
  const spec = Object.hasOwn(DIGESTS, digest) ? DIGESTS[digest]! : null;
  if (!spec) throw new MalformedHashError(PBKDF2, 'digest must be sha1, sha256 or sha512');
  const rounds = parseDecimal(roundsText, 1, 0xffffffff);
  if (rounds === null) throw new MalformedHashError(PBKDF2, 'invalid iterations');
  if (key.length !== spec.bytes) throw new MalformedHashError(PBKDF2, `key must be ${spec.bytes} bytes`);
  return { digest, spec, rounds, salt, key };
}

function checkPbkdf2Settings(s: WerkzeugPbkdf2Settings): WerkzeugPbkdf2Settings {
  if (!Object.hasOwn(DIGESTS, s.digest)) throw new ConfigurationError(`${PBKDF2}: digest must be sha1, sha256 or sha512`);
  if (!isInteger(s.maxRounds, 1, 0xffffffff)) throw new ConfigurationError(`${PBKDF2}: maxRounds must be a positive integer`);
  if (!isInteger(s.rounds, 1, s.maxRounds)) throw new ConfigurationError(`${PBKDF2}: rounds must be an integer in [1, maxRounds]`);
  if (!isInteger(s.saltChars, 8, 256)) throw new ConfigurationError(`${PBKDF2}: saltChars must be an integer in [8, 256]`);
  return s;
}

/**
 * Werkzeug's `pbkdf2:sha256:1000000$...`.
 *
 * @example
 * // pbkdf2:sha256:1000000$<salt>$<hex key>
 * new CryptContext({ schemes: [werkzeug_scrypt, werkzeug_pbkdf2], deprecated: 'auto' });
 */
export const werkzeug_pbkdf2 = defineScheme<WerkzeugPbkdf2Settings>({
  name: PBKDF2,
  defaults: { digest: 'sha256', rounds: 1_000_000, saltChars: 16, maxRounds: DEFAULT_LIMITS.pbkdf2MaxRounds } as Readonly<WerkzeugPbkdf2Settings>,

  identify(stored) {
    return typeof stored === 'string' && stored.startsWith('pbkdf2:');
  },

  async hash(password, settings) {
    const s = checkPbkdf2Settings(settings);
    const spec = DIGESTS[s.digest]!;
    const salt = randomAlphanumeric(s.saltChars);
    const key = await pbkdf2(spec.webCrypto, password, utf8(salt), s.rounds, spec.bytes);
    return `pbkdf2:${s.digest}:${s.rounds}$${salt}$${toHex(key)}`;
  },

  async verify(password, stored, settings) {
    const s = checkPbkdf2Settings(settings);
    const h = parsePbkdf2(stored);
    if (h.rounds > s.maxRounds) throw new HashCostLimitError(PBKDF2, `iterations exceed ${s.maxRounds}`);
    return constantTimeEqual(await pbkdf2(h.spec.webCrypto, password, utf8(h.salt), h.rounds, h.spec.bytes), h.key);
  },

  /** Another digest or a shorter salt; iterations that differ ('minimum': are lower). */
  needsUpdate(stored, settings, policy) {
    const s = checkPbkdf2Settings(settings);
    const h = parsePbkdf2(stored);
    if (h.digest !== s.digest || h.salt.length < s.saltChars) return true;
    return policy === 'minimum' ? h.rounds < s.rounds : h.rounds !== s.rounds;
  },
});

// ---- scrypt ----

/**
 * Werkzeug's scrypt settings (Werkzeug's default: N=32768, r=8, p=1).
 *
 * @example
 * new CryptContext({ schemes: [werkzeug_scrypt], settings: { werkzeug_scrypt: { N: 32768, r: 8, p: 1 } } });
 */
export type WerkzeugScryptSettings = StringSaltScryptSettings;

const SCRYPT = 'werkzeug_scrypt';
const SCRYPT_KEY_BYTES = 64;

function parseScrypt(stored: string) {
  const { params, salt, key } = split(SCRYPT, 'scrypt:', stored);
  if (params.length !== 3) throw new MalformedHashError(SCRYPT, 'expected scrypt:<N>:<r>:<p>');
  const [N, r, p] = params.map((text) => parseDecimal(text, 1, 2 ** 32));
  if (!N || !r || !p || scryptParamsProblem(N, r, p)) throw new MalformedHashError(SCRYPT, 'N, r and p are not a valid scrypt combination');
  if (key.length !== SCRYPT_KEY_BYTES) throw new MalformedHashError(SCRYPT, 'key must be 64 bytes');
  return { N, r, p, salt, key };
}

function checkScryptSettings(s: WerkzeugScryptSettings): WerkzeugScryptSettings {
  const problem = scryptParamsProblem(s.N, s.r, s.p);
  if (problem) throw new ConfigurationError(`${SCRYPT}: ${problem}`);
  if (!isInteger(s.saltChars, 8, 256)) throw new ConfigurationError(`${SCRYPT}: saltChars must be an integer in [8, 256]`);
  checkScryptCaps(SCRYPT, s);
  return s;
}

/**
 * Werkzeug >= 3.0's default, `scrypt:32768:8:1$...`.
 *
 * @example
 * // scrypt:32768:8:1$<salt>$<hex key>
 * import { CryptContext, werkzeug_scrypt } from 'gatehouse/passwords';
 * const context = new CryptContext({ schemes: [werkzeug_scrypt] });
 */
export const werkzeug_scrypt = stringSaltScryptScheme<WerkzeugScryptSettings>({
  name: SCRYPT,
  prefix: 'scrypt:',
  defaults: {
    N: 32768,
    r: 8,
    p: 1,
    saltChars: 16,
    ...DEFAULT_SCRYPT_CAPS,
  },
  keyBytes: SCRYPT_KEY_BYTES,
  checkSettings: checkScryptSettings,
  parse: parseScrypt,
  serialize: ({ N, r, p, salt, key }) => `scrypt:${N}:${r}:${p}$${salt}$${toHex(key)}`,
});

// ---- legacy methods ----

/**
 * Nothing to configure: the formats have no cost parameter.
 *
 * @example
 * new CryptContext({ schemes: [werkzeug_scrypt, werkzeug_legacy], settings: { werkzeug_legacy: {} } });
 */
export type WerkzeugLegacySettings = Record<string, never>;

const LEGACY = 'werkzeug_legacy';
const LEGACY_DIGESTS = { md5, sha1, sha224, sha256, sha384, sha512 } as const;
const LEGACY_HEX_CHARS: Record<string, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };
const LEGACY_SHAPE = /^(md5|sha1|sha224|sha256|sha384|sha512|plain)\$([^$]{0,256})\$(.*)$/s;

function parseLegacy(stored: string): { method: string; salt: string; value: string } {
  const match = typeof stored === 'string' ? LEGACY_SHAPE.exec(stored) : null;
  if (!match) throw new MalformedHashError(LEGACY, 'expected <md5|sha1|sha224|sha256|sha384|sha512|plain>$<salt>$<value>');
  const [, method = '', salt = '', value = ''] = match;
  if (method === 'plain' ? salt !== '' : value.length !== LEGACY_HEX_CHARS[method] || !/^[0-9a-f]+$/.test(value)) {
    throw new MalformedHashError(LEGACY, method === 'plain' ? 'plain takes no salt' : `value must be ${LEGACY_HEX_CHARS[method]} lowercase hex digits`);
  }
  return { method, salt, value };
}

/**
 * Werkzeug's pre-KDF methods, as `check_password_hash` read them before 3.0: salted ones are the
 * HMAC of the password keyed by the salt, unsalted ones the bare digest, `plain` the password
 * itself. Verify only, always upgraded. Not registered by name: Django's salted digests have the
 * same `sha1$<salt>$<hex>` shape, so only the Werkzeug preset lists this one.
 *
 * @example
 * // sha1$<salt>$<hex hmac>, md5$..., plain$$<password>
 * new CryptContext({ schemes: [werkzeug_scrypt, werkzeug_legacy], deprecated: 'auto' });
 */
export const werkzeug_legacy = defineScheme<WerkzeugLegacySettings>({
  name: LEGACY,
  defaults: {},

  identify(stored) {
    return typeof stored === 'string' && /^(md5|sha1|sha224|sha256|sha384|sha512|plain)\$/.test(stored);
  },

  async verify(password, stored) {
    const { method, salt, value } = parseLegacy(stored);
    // Digests of both sides, so that the comparison does not reveal the stored password's length.
    if (method === 'plain') return constantTimeEqual(sha256(password), sha256(utf8(value)));
    const digest = LEGACY_DIGESTS[method as keyof typeof LEGACY_DIGESTS];
    const computed = salt === '' ? digest(password) : hmac(digest, utf8(salt), password);
    return constantTimeEqualString(toHex(computed), value);
  },

  needsUpdate(stored) {
    parseLegacy(stored);
    return true;
  },
});
