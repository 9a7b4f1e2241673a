/**
 * passlib's scrypt format: `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>`, salt and key in
 * standard base64 without padding, decimals without leading zeros (as passlib writes them).
 */
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../errors.js';
import {
  B64_STANDARD,
  constantTimeEqual,
  decodeBase64,
  encodeBase64,
  parseDecimal,
  randomBytes,
} from '../encodings.js';
import { scryptKdf } from '../kdf/scrypt.js';
import { OWASP_SETTINGS } from '../owasp.js';
import { defineScheme } from '../scheme.js';
import { isInteger } from '../../internal/assert.js';
import { DEFAULT_SCRYPT_CAPS, checkScryptCaps, scryptCapExcess, scryptParamsProblem, type ScryptCaps } from '../kdf/scrypt-params.js';

/**
 * Settings of `scrypt`: costs of new hashes and caps on stored ones.
 *
 * @example
 * new CryptContext({ schemes: [scrypt], settings: { scrypt: { ln: 17, r: 8, p: 1 } } });
 */
export type ScryptSettings = ScryptCaps & {
  /** log2 of N, 1..31 (passlib's `rounds`). */
  ln: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
  /** Salt length of new hashes, 8..1024 bytes. */
  saltBytes: number;
  /** Key length of new hashes, 16..64 bytes. passlib reads only 32-byte keys: keep 32 for interop. */
  keyBytes: number;
};

const NAME = 'scrypt';
const IDENT = '$scrypt$';
// passlib: 1 <= ln <= 31, salt 0..1024 bytes. Key: passlib writes 32 bytes; other lengths are
// accepted within [16, 64] so that hashes made with a non-default keyBytes stay verifiable.
const MAX_LN = 31;
const MAX_SALT_BYTES = 1024;
const MIN_SALT_BYTES_NEW = 8;
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 64;
const HASH_SHAPE = /^\$scrypt\$ln=([0-9]+),r=([0-9]+),p=([0-9]+)\$([A-Za-z0-9+/]*)\$([A-Za-z0-9+/]+)$/;

interface ParsedScrypt {
  ln: number;
  r: number;
  p: number;
  salt: Uint8Array;
  key: Uint8Array;
}

function parse(hash: string): ParsedScrypt {
  const match = typeof hash === 'string' ? HASH_SHAPE.exec(hash) : null;
  if (!match) throw new MalformedHashError(NAME, 'expected $scrypt$ln=<n>,r=<n>,p=<n>$<salt>$<key>');
  const [, lnText = '', rText = '', pText = '', saltText = '', keyText = ''] = match;
  const ln = parseDecimal(lnText, 1, MAX_LN);
  const r = parseDecimal(rText, 1);
  const p = parseDecimal(pText, 1);
  if (ln === null || r === null || p === null) throw new MalformedHashError(NAME, 'invalid ln, r or p');
  if (scryptParamsProblem(2 ** ln, r, p)) throw new MalformedHashError(NAME, 'ln, r and p are not a valid scrypt combination');
  const salt = decodeBase64(saltText, B64_STANDARD);
  if (!salt || salt.length > MAX_SALT_BYTES) throw new MalformedHashError(NAME, 'invalid salt');
  const key = decodeBase64(keyText, B64_STANDARD);
  if (!key || key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) throw new MalformedHashError(NAME, 'invalid key');
  return { ln, r, p, salt, key };
}

/** Settings come from user configuration: check every one before use. */
function checkSettings(settings: ScryptSettings): ScryptSettings {
  const { ln, r, p, saltBytes, keyBytes } = settings;
  if (!isInteger(ln, 1, MAX_LN)) throw new ConfigurationError(`scrypt: ln must be an integer in [1, ${MAX_LN}]`);
  if (scryptParamsProblem(2 ** ln, r, p)) {
    throw new ConfigurationError('scrypt: r and p must be positive integers with r*p < 2^30 and ln < 16*r');
  }
  if (!isInteger(saltBytes, MIN_SALT_BYTES_NEW, MAX_SALT_BYTES)) {
    throw new ConfigurationError(`scrypt: saltBytes must be an integer in [${MIN_SALT_BYTES_NEW}, ${MAX_SALT_BYTES}]`);
  }
  if (!isInteger(keyBytes, MIN_KEY_BYTES, MAX_KEY_BYTES)) {
    throw new ConfigurationError(`scrypt: keyBytes must be an integer in [${MIN_KEY_BYTES}, ${MAX_KEY_BYTES}]`);
  }
  checkScryptCaps(NAME, settings);
  return settings;
}

/** Why the parameters exceed the caps, or null when they are within them. */
function costExcess(ln: number, r: number, p: number, settings: ScryptSettings): string | null {
  return scryptCapExcess(2 ** ln, r, p, settings);
}

function format(ln: number, r: number, p: number, salt: Uint8Array, key: Uint8Array): string {
  return `${IDENT}ln=${ln},r=${r},p=${p}$${encodeBase64(salt, B64_STANDARD)}$${encodeBase64(key, B64_STANDARD)}`;
}

const DEFAULTS: Readonly<ScryptSettings> = {
  ...OWASP_SETTINGS.scrypt,
  saltBytes: 16,
  keyBytes: 32,
  ...DEFAULT_SCRYPT_CAPS,
};

/**
 * passlib's `scrypt` (OWASP's choice for new hashes: ln=17, r=8, p=1). `satisfies` rather than
 * a type annotation, so that the exported type keeps `hash` non-optional.
 *
 * @example
 * // $scrypt$ln=17,r=8,p=1$<b64 salt>$<b64 key>
 * import { CryptContext, scrypt } from 'gatehouse/passwords';
 * const hash = await new CryptContext({ schemes: [scrypt] }).hash('correct horse');
 */
export const scrypt = defineScheme<ScryptSettings>({
  name: NAME,
  defaults: DEFAULTS,

  identify(hash) {
    return typeof hash === 'string' && hash.startsWith(IDENT);
  },

  async hash(password, settings) {
    const { ln, r, p, saltBytes, keyBytes } = checkSettings(settings);
    // A hash this context would refuse to verify is a configuration mistake, not a hash.
    const excess = costExcess(ln, r, p, settings);
    if (excess) throw new ConfigurationError(`scrypt: configured cost exceeds the verify caps (${excess})`);
    const salt = randomBytes(saltBytes);
    const key = await scryptKdf(password, salt, { N: 2 ** ln, r, p, dkLen: keyBytes });
    return format(ln, r, p, salt, key);
  },

  async verify(password, hash, settings) {
    checkSettings(settings);
    const { ln, r, p, salt, key } = parse(hash);
    const excess = costExcess(ln, r, p, settings);
    if (excess) throw new HashCostLimitError(NAME, excess);
    const derived = await scryptKdf(password, salt, { N: 2 ** ln, r, p, dkLen: key.length });
    return constantTimeEqual(derived, key);
  },

  /**
   * 'exact': ln, r, p or the key length differ from the settings. 'minimum': any of them is
   * below the setting (each compared alone: a larger r does not excuse a smaller ln). Both: a
   * salt shorter than saltBytes.
   */
  needsUpdate(hash, settings, policy) {
    const s = checkSettings(settings);
    const h = parse(hash);
    if (h.salt.length < s.saltBytes) return true;
    if (policy === 'minimum') return h.ln < s.ln || h.r < s.r || h.p < s.p || h.key.length < s.keyBytes;
    return h.ln !== s.ln || h.r !== s.r || h.p !== s.p || h.key.length !== s.keyBytes;
  },
});
