/**
 * Django's hashers (django.contrib.auth.hashers), as stored in `auth_user.password`:
 *   pbkdf2_sha256$<iterations>$<salt>$<base64 key, padded>   (and pbkdf2_sha1$)
 *   bcrypt_sha256$<bcrypt of hex(sha256(password))>          bcrypt$<bcrypt of the password>
 *   scrypt$<N>$<salt>$<r>$<p>$<base64 64-byte key, padded>    (Django >= 4.0)
 *   argon2$<PHC argon2 string without its leading $>
 * Django's salts are strings (22 alphanumerics), used as their UTF-8 bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../errors.js';
import { B64_STANDARD, constantTimeEqual, decodeBase64, encodeBase64, parseDecimal, toHex, utf8 } from '../encodings.js';
import { pbkdf2, type Pbkdf2Digest } from '../kdf/pbkdf2.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { defineScheme } from '../scheme.js';
import { ARGON2_DEFAULTS, argon2Hash, argon2NeedsUpdate, argon2Verify, type Argon2Settings } from './argon2.js';
import { bcrypt, type BcryptSettings } from './bcrypt.js';
import { type StringSaltScryptSettings, relabelled, relabelledSync, stringSaltScryptScheme } from './legacy-util.js';
import { randomAlphanumeric } from '../../internal/random.js';
import { isInteger } from '../../internal/assert.js';
import { DEFAULT_SCRYPT_CAPS, checkScryptCaps, scryptParamsProblem } from '../kdf/scrypt-params.js';

/** Django's salts: any characters but `$`; bounded here so a hostile hash stays small. */
const SALT_SHAPE = /^[^$]{1,256}$/;

// ---- PBKDF2 ----

/**
 * Settings of `django_pbkdf2_sha256` and `django_pbkdf2_sha1`.
 *
 * @example
 * new CryptContext({ schemes: [django_pbkdf2_sha256], settings: { django_pbkdf2_sha256: { rounds: 1_000_000 } } });
 */
export type DjangoPbkdf2Settings = {
  /** Iterations for new hashes (Django 5.2: 1,000,000). */
  rounds: number;
  /** Salt length of new hashes in characters (Django: 22, 128 bits). */
  saltChars: number;
  /** Refuse stored hashes with more iterations than this. */
  maxRounds: number;
};

function makeDjangoPbkdf2(name: string, algorithm: string, digest: Pbkdf2Digest, keyBytes: number) {
  const prefix = `${algorithm}$`;

  function parse(stored: string): { rounds: number; salt: string; key: Uint8Array } {
    const fields = typeof stored === 'string' && stored.startsWith(prefix) ? stored.slice(prefix.length).split('$') : [];
    if (fields.length !== 3) throw new MalformedHashError(name, `expected ${prefix}<iterations>$<salt>$<key>`);
    const [roundsText = '', salt = '', keyText = ''] = fields;
    const rounds = parseDecimal(roundsText, 1, 0xffffffff);
    if (rounds === null) throw new MalformedHashError(name, 'invalid iterations');
    if (!SALT_SHAPE.test(salt)) throw new MalformedHashError(name, 'invalid salt');
    const key = decodeBase64(keyText, B64_STANDARD, 'require');
    if (!key || key.length !== keyBytes) throw new MalformedHashError(name, `key must be ${keyBytes} bytes of padded base64`);
    return { rounds, salt, key };
  }

  function checkSettings(s: DjangoPbkdf2Settings): DjangoPbkdf2Settings {
    if (!isInteger(s.maxRounds, 1, 0xffffffff)) throw new ConfigurationError(`${name}: maxRounds must be a positive integer`);
    if (!isInteger(s.rounds, 1, s.maxRounds)) throw new ConfigurationError(`${name}: rounds must be an integer in [1, maxRounds]`);
    if (!isInteger(s.saltChars, 12, 256)) throw new ConfigurationError(`${name}: saltChars must be an integer in [12, 256]`);
    return s;
  }

  const defaults: Readonly<DjangoPbkdf2Settings> = { rounds: 1_000_000, saltChars: 22, maxRounds: DEFAULT_LIMITS.pbkdf2MaxRounds };
  return defineScheme<DjangoPbkdf2Settings>({
    name,
    defaults,

    identify(stored) {
      return typeof stored === 'string' && stored.startsWith(prefix);
    },

    async hash(password, settings) {
      const s = checkSettings(settings);
      const salt = randomAlphanumeric(s.saltChars);
      const key = await pbkdf2(digest, password, utf8(salt), s.rounds, keyBytes);
      return `${prefix}${s.rounds}$${salt}$${encodeBase64(key, B64_STANDARD, true)}`;
    },

    async verify(password, stored, settings) {
      const s = checkSettings(settings);
      const h = parse(stored);
      if (h.rounds > s.maxRounds) throw new HashCostLimitError(name, `iterations exceed ${s.maxRounds}`);
      return constantTimeEqual(await pbkdf2(digest, password, utf8(h.salt), h.rounds, keyBytes), h.key);
    },

    /** Django's must_update: iterations differ ('minimum': are lower), or the salt is shorter. */
    needsUpdate(stored, settings, policy) {
      const s = checkSettings(settings);
      const h = parse(stored);
      if (h.salt.length < s.saltChars) return true;
      return policy === 'minimum' ? h.rounds < s.rounds : h.rounds !== s.rounds;
    },
  });
}

/**
 * Django's default hasher, `pbkdf2_sha256$...`.
 *
 * @example
 * // pbkdf2_sha256$<iterations>$<salt>$<base64 key>
 * import { CryptContext, django_pbkdf2_sha256 } from 'gatehouse/passwords';
 * const context = new CryptContext({ schemes: [django_pbkdf2_sha256] });
 */
export const django_pbkdf2_sha256 = makeDjangoPbkdf2('django_pbkdf2_sha256', 'pbkdf2_sha256', 'SHA-256', 32);
/**
 * Django's `pbkdf2_sha1$...`.
 *
 * @example
 * // pbkdf2_sha1$<iterations>$<salt>$<base64 key>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_pbkdf2_sha1], deprecated: 'auto' });
 */
export const django_pbkdf2_sha1 = makeDjangoPbkdf2('django_pbkdf2_sha1', 'pbkdf2_sha1', 'SHA-1', 20);

// ---- bcrypt ----

/**
 * Settings of `django_bcrypt` and `django_bcrypt_sha256`: bcrypt's (Django's default cost is 12).
 *
 * @example
 * new CryptContext({ schemes: [django_bcrypt_sha256], settings: { django_bcrypt_sha256: { rounds: 12 } } });
 */
export type DjangoBcryptSettings = BcryptSettings;

function makeDjangoBcrypt(name: string, algorithm: string, input: (password: Uint8Array) => Uint8Array) {
  const prefix = `${algorithm}$`;
  function inner(stored: string): string {
    if (typeof stored !== 'string' || !stored.startsWith(`${prefix}$2`)) {
      throw new MalformedHashError(name, `expected ${prefix}$2b$<cost>$<bcrypt>`);
    }
    return stored.slice(prefix.length);
  }
  return defineScheme<DjangoBcryptSettings>({
    name,
    // Django: cost 12, `$2b$`.
    defaults: { ...bcrypt.defaults, rounds: 12, ident: '2b' } as Readonly<DjangoBcryptSettings>,

    identify(stored) {
      return typeof stored === 'string' && stored.startsWith(prefix);
    },

    async hash(password, settings) {
      return prefix + (await relabelled(name, () => bcrypt.hash!(input(password), settings)));
    },

    async verify(password, stored, settings) {
      const hash = inner(stored);
      return relabelled(name, () => bcrypt.verify(input(password), hash, settings));
    },

    needsUpdate(stored, settings, policy) {
      return relabelledSync(name, () => bcrypt.needsUpdate(inner(stored), settings, policy));
    },
  });
}

/**
 * Django's `bcrypt_sha256$`: bcrypt of the 64 hex characters of SHA-256(password), so no 72-byte limit.
 *
 * @example
 * // bcrypt_sha256$$2b$12$<53 chars>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_bcrypt_sha256], deprecated: 'auto' });
 */
export const django_bcrypt_sha256 = makeDjangoBcrypt('django_bcrypt_sha256', 'bcrypt_sha256', (pw) => utf8(toHex(sha256(pw))));
/**
 * Django's `bcrypt$`: plain bcrypt (reads the first 72 bytes of the password).
 *
 * @example
 * // bcrypt$$2b$12$<53 chars>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_bcrypt], deprecated: 'auto' });
 */
export const django_bcrypt = makeDjangoBcrypt('django_bcrypt', 'bcrypt', (pw) => pw);

// ---- scrypt ----

/**
 * Django's ScryptPasswordHasher settings (Django: N=2^14, r=8, p=1, 22-character salts).
 *
 * @example
 * new CryptContext({ schemes: [django_scrypt], settings: { django_scrypt: { N: 16384, r: 8, p: 1 } } });
 */
export type DjangoScryptSettings = StringSaltScryptSettings;

const DJANGO_SCRYPT = 'django_scrypt';
const DJANGO_SCRYPT_PREFIX = 'scrypt$';
const DJANGO_SCRYPT_KEY_BYTES = 64;

function parseDjangoScrypt(stored: string): { N: number; salt: string; r: number; p: number; key: Uint8Array } {
  const fields = typeof stored === 'string' && stored.startsWith(DJANGO_SCRYPT_PREFIX) ? stored.slice(DJANGO_SCRYPT_PREFIX.length).split('$') : [];
  if (fields.length !== 5) throw new MalformedHashError(DJANGO_SCRYPT, 'expected scrypt$<N>$<salt>$<r>$<p>$<key>');
  const [nText = '', salt = '', rText = '', pText = '', keyText = ''] = fields;
  const N = parseDecimal(nText, 2, 2 ** 32);
  const r = parseDecimal(rText, 1, 2 ** 30);
  const p = parseDecimal(pText, 1, 2 ** 30);
  if (N === null || r === null || p === null || scryptParamsProblem(N, r, p)) {
    throw new MalformedHashError(DJANGO_SCRYPT, 'N, r and p are not a valid scrypt combination');
  }
  if (!SALT_SHAPE.test(salt)) throw new MalformedHashError(DJANGO_SCRYPT, 'invalid salt');
  const key = decodeBase64(keyText, B64_STANDARD, 'require');
  if (!key || key.length !== DJANGO_SCRYPT_KEY_BYTES) throw new MalformedHashError(DJANGO_SCRYPT, 'key must be 64 bytes of padded base64');
  return { N, salt, r, p, key };
}

function checkDjangoScryptSettings(s: DjangoScryptSettings): DjangoScryptSettings {
  const problem = scryptParamsProblem(s.N, s.r, s.p);
  if (problem) throw new ConfigurationError(`${DJANGO_SCRYPT}: ${problem}`);
  if (!isInteger(s.saltChars, 12, 256)) throw new ConfigurationError(`${DJANGO_SCRYPT}: saltChars must be an integer in [12, 256]`);
  checkScryptCaps(DJANGO_SCRYPT, s);
  return s;
}

/**
 * Django >= 4.0's ScryptPasswordHasher, `scrypt$16384$<salt>$8$1$<key>`.
 *
 * @example
 * // scrypt$16384$<salt>$8$1$<base64 key>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_scrypt], deprecated: 'auto' });
 */
export const django_scrypt = stringSaltScryptScheme<DjangoScryptSettings>({
  name: DJANGO_SCRYPT,
  prefix: DJANGO_SCRYPT_PREFIX,
  defaults: {
    N: 2 ** 14,
    r: 8,
    p: 1,
    saltChars: 22,
    ...DEFAULT_SCRYPT_CAPS,
  },
  keyBytes: DJANGO_SCRYPT_KEY_BYTES,
  checkSettings: checkDjangoScryptSettings,
  parse: parseDjangoScrypt,
  serialize: ({ N, r, p, salt, key }) => `${DJANGO_SCRYPT_PREFIX}${N}$${salt}$${r}$${p}$${encodeBase64(key, B64_STANDARD, true)}`,
});

// ---- argon2 ----

/**
 * Settings of `django_argon2`: argon2's (Django's defaults: 100 MiB, 2 passes, 8 lanes).
 *
 * @example
 * new CryptContext({ schemes: [django_argon2], settings: { django_argon2: { memoryCost: 102400, timeCost: 2, parallelism: 8 } } });
 */
export type DjangoArgon2Settings = Argon2Settings;

const DJANGO_ARGON2 = 'django_argon2';
const DJANGO_ARGON2_PREFIX = 'argon2';

function phc(stored: string): string {
  if (typeof stored !== 'string' || !stored.startsWith(`${DJANGO_ARGON2_PREFIX}$argon2`)) {
    throw new MalformedHashError(DJANGO_ARGON2, 'expected argon2$argon2id$v=19$m=<n>,t=<n>,p=<n>$<salt>$<hash>');
  }
  return stored.slice(DJANGO_ARGON2_PREFIX.length);
}

/**
 * Django's Argon2PasswordHasher: `argon2` + argon2-cffi's PHC string. Django's defaults: 100 MiB, 2 passes, 8 lanes.
 *
 * @example
 * // argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>
 * new CryptContext({ schemes: [django_pbkdf2_sha256, django_argon2], deprecated: 'auto' });
 */
export const django_argon2 = defineScheme<DjangoArgon2Settings>({
  name: DJANGO_ARGON2,
  defaults: { ...ARGON2_DEFAULTS, memoryCost: 102_400, timeCost: 2, parallelism: 8 } as Readonly<DjangoArgon2Settings>,

  identify(stored) {
    return typeof stored === 'string' && stored.startsWith(`${DJANGO_ARGON2_PREFIX}$`);
  },

  async hash(password, settings) {
    return DJANGO_ARGON2_PREFIX + (await argon2Hash(password, settings, DJANGO_ARGON2));
  },

  verify(password, stored, settings) {
    return argon2Verify(password, phc(stored), settings, DJANGO_ARGON2);
  },

  needsUpdate(stored, settings, policy) {
    return argon2NeedsUpdate(phc(stored), settings, policy, DJANGO_ARGON2);
  },
});
