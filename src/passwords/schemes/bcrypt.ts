/**
 * bcrypt (OpenBSD's `$2b$`), the format of passlib, PHP's password_hash, node's bcrypt and bcryptjs:
 *   $2b$12$<22 chars: 16-byte salt><31 chars: 23-byte digest>, in bcrypt's base64 (./A-Za-z0-9).
 * `$2a$` and `$2y$` verify too; `$2x$` (crypt_blowfish's 8-bit-bug marker) is recognised and refused.
 */
import { ConfigurationError, HashCostLimitError, MalformedHashError, PasswordPolicyError, UnsupportedHashError } from '../../errors.js';
import { B64_BCRYPT, constantTimeEqual, decodeBase64, encodeBase64, randomBytes } from '../encodings.js';
import { BCRYPT_MAX_COST, BCRYPT_MIN_COST, bcryptDigest } from '../kdf/bcrypt.js';
import { BCRYPT_MAX_PASSWORD_BYTES, DEFAULT_LIMITS } from '../limits.js';
import { OWASP_SETTINGS } from '../owasp.js';
import { bunPassword } from '../../platform/bun.js';
import { defineScheme, type UpdatePolicy } from '../scheme.js';

/**
 * The prefix of a bcrypt hash: `2b` (OpenBSD), `2y` (PHP) or `2a` (the same algorithm).
 *
 * @example
 * new CryptContext({ schemes: [bcrypt], settings: { bcrypt: { ident: '2y' } } }); // PHP's prefix
 */
export type BcryptIdent = '2a' | '2b' | '2y';

/**
 * Settings of `bcrypt`: cost and prefix of new hashes, the cap on stored ones, 72-byte truncation.
 *
 * @example
 * new CryptContext({ schemes: [bcrypt], settings: { bcrypt: { rounds: 12, maxRounds: 14 } } });
 */
export type BcryptSettings = {
  /** log2 of the key-schedule rounds for new hashes, 4..31. */
  rounds: number;
  /** Prefix of new hashes. `2b` (OpenBSD) and `2y` (PHP) are the same algorithm. */
  ident: BcryptIdent;
  /** Stored hashes with a higher cost are refused (HashCostLimitError) before any work. */
  maxRounds: number;
  /** Hash passwords over 72 bytes by reading only their first 72 (bcrypt's limit) instead of refusing. */
  truncate: boolean;
};

const NAME = 'bcrypt';
const IDENTS: readonly string[] = ['2a', '2b', '2y'];
const SALT_BYTES = 16;
const DIGEST_BYTES = 23;
const SALT_CHARS = 22;
const DIGEST_CHARS = 31;

/** The prefix that makes a hash bcrypt's: `$2a$`, `$2b$`, `$2x$` or `$2y$`, two digits, `$`. */
const PREFIX = /^\$2[abxy]\$[0-9]{2}\$/;
const FULL = /^\$(2[abxy])\$([0-9]{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

interface ParsedHash {
  ident: string;
  cost: number;
  salt: Uint8Array;
  digest: Uint8Array;
  /** The salt and digest strings are the canonical encoding of their bytes (padding bits zero). */
  canonical: boolean;
}

function parseHash(hash: string): ParsedHash {
  if (typeof hash !== 'string') throw new MalformedHashError(NAME, 'hash must be a string');
  const match = FULL.exec(hash);
  if (!match) {
    throw new MalformedHashError(NAME, `expected $2b$NN$ and ${SALT_CHARS + DIGEST_CHARS} characters of ./A-Za-z0-9`);
  }
  const [, ident, costText, saltText, digestText] = match as unknown as [string, string, string, string, string];
  const cost = Number(costText);
  if (cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
    throw new MalformedHashError(NAME, `cost must be ${BCRYPT_MIN_COST}..${BCRYPT_MAX_COST}`);
  }
  // The alphabet was checked above, so these cannot fail; the last character of each carries
  // unused low bits, which are dropped here (as passlib does) and flagged as non-canonical.
  const salt = decodeBase64(saltText, B64_BCRYPT)!;
  const digest = decodeBase64(digestText, B64_BCRYPT)!;
  const canonical = encodeBase64(salt, B64_BCRYPT) === saltText && encodeBase64(digest, B64_BCRYPT) === digestText;
  return { ident, cost, salt, digest, canonical };
}

function checkCost(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < BCRYPT_MIN_COST || value > BCRYPT_MAX_COST) {
    throw new ConfigurationError(`bcrypt ${what} must be an integer in ${BCRYPT_MIN_COST}..${BCRYPT_MAX_COST}`);
  }
  return value;
}

function checkIdent(value: unknown): BcryptIdent {
  if (typeof value !== 'string' || !IDENTS.includes(value)) {
    throw new ConfigurationError(`bcrypt ident must be one of ${IDENTS.join(', ')}`);
  }
  return value as BcryptIdent;
}

/** OpenBSD's key: the password and its NUL terminator, of which bcrypt reads the first 72 bytes. */
function standardKey(password: Uint8Array): Uint8Array {
  const length = Math.min(password.length, BCRYPT_MAX_PASSWORD_BYTES);
  const key = new Uint8Array(length + 1);
  key.set(password.subarray(0, length));
  return key;
}

/**
 * OpenBSD <= 5.4 stored the key length of `$2a$` in 8 bits, `(u_int8_t)(strlen + 1)`, so for a
 * password of 255 bytes or more it wrapped: 255 bytes read as a zero-length key (the first byte,
 * repeated), 256 as one byte, and so on. OpenBSD (and node's native bcrypt) still compute `$2a$`
 * that way; passlib, crypt_blowfish, bcryptjs and @node-rs/bcrypt never did.
 * Returns null when the wrapped key reads the same 72 bytes as the standard one.
 */
function wrappedKey(password: Uint8Array): Uint8Array | null {
  if (password.length < 255) return null;
  const length = (password.length + 1) & 0xff;
  if (length >= BCRYPT_MAX_PASSWORD_BYTES) return null;
  return password.slice(0, Math.max(length, 1));
}

function digestsEqual(computed: Uint8Array, expected: Uint8Array): boolean {
  return constantTimeEqual(computed.subarray(0, DIGEST_BYTES), expected);
}

/**
 * bcrypt, passlib's `bcrypt` (`$2b$`; reads `$2a$` and `$2y$`). Cost 12 by default (OWASP_SETTINGS).
 *
 * @example
 * import { CryptContext, bcrypt } from 'gatehouse/passwords';
 * const context = new CryptContext({ schemes: [bcrypt] });
 */
export const bcrypt = defineScheme<BcryptSettings>({
  name: NAME,
  defaults: { rounds: OWASP_SETTINGS.bcrypt.rounds, ident: '2b', maxRounds: DEFAULT_LIMITS.bcryptMaxRounds, truncate: false },

  identify(hash: string): boolean {
    return typeof hash === 'string' && PREFIX.test(hash);
  },

  async hash(password: Uint8Array, settings: BcryptSettings): Promise<string> {
    const rounds = checkCost(settings.rounds, 'rounds');
    const ident = checkIdent(settings.ident);
    if (rounds > checkCost(settings.maxRounds, 'maxRounds')) {
      throw new ConfigurationError('bcrypt rounds is above maxRounds: its hashes could not be verified');
    }
    if (typeof settings.truncate !== 'boolean') throw new ConfigurationError('bcrypt truncate must be a boolean');
    if (password.includes(0)) throw new PasswordPolicyError('bcrypt cannot hash a password containing a NUL byte');
    if (password.length > BCRYPT_MAX_PASSWORD_BYTES && !settings.truncate) {
      throw new PasswordPolicyError(
        `bcrypt reads only the first ${BCRYPT_MAX_PASSWORD_BYTES} bytes of a password (set truncate to accept that)`,
      );
    }
    const salt = randomBytes(SALT_BYTES);
    const digest = await bcryptDigest(standardKey(password), salt, rounds);
    const cost = String(rounds).padStart(2, '0');
    return `$${ident}$${cost}$${encodeBase64(salt, B64_BCRYPT)}${encodeBase64(digest.subarray(0, DIGEST_BYTES), B64_BCRYPT)}`;
  },

  async verify(password: Uint8Array, hash: string, settings: BcryptSettings): Promise<boolean> {
    const maxRounds = checkCost(settings.maxRounds, 'maxRounds');
    const { ident, cost, salt, digest } = parseHash(hash);
    if (ident === '2x') {
      throw new UnsupportedHashError(
        NAME,
        "$2x$ marks a hash made with crypt_blowfish's 8-bit bug (CVE-2011-2483); it cannot be verified safely, reset the password",
      );
    }
    if (cost > maxRounds) throw new HashCostLimitError(NAME, `cost ${cost} is above maxRounds ${maxRounds}`);

    // A NUL byte cannot be part of a bcrypt password (C implementations stop there): never a
    // match, but the work is still done so that the answer takes the usual time.
    const hasNul = password.includes(0);
    // Bun verifies natively. Only what means the same there: $2b$/$2y$ (the same algorithm), 1..72
    // bytes (Bun pre-hashes longer passwords with SHA-512; it also refuses an empty one).
    const bun = bunPassword();
    if (bun && (ident === '2b' || ident === '2y') && !hasNul && password.length >= 1 && password.length <= BCRYPT_MAX_PASSWORD_BYTES) {
      return (await bun.verify(password, `$2b$${hash.slice(4)}`)) === true;
    }
    let match = digestsEqual(await bcryptDigest(standardKey(password), salt, cost), digest);
    const wrapped = ident === '2a' ? wrappedKey(password) : null;
    if (wrapped) {
      // Either reading of a long $2a$ password: OpenBSD's wrapped one, everyone else's.
      const wrappedMatch = digestsEqual(await bcryptDigest(wrapped, salt, cost), digest);
      match = match || wrappedMatch;
    }
    return match && !hasNul;
  },

  needsUpdate(hash: string, settings: BcryptSettings, policy: UpdatePolicy): boolean {
    const rounds = checkCost(settings.rounds, 'rounds');
    const ident = checkIdent(settings.ident);
    const parsed = parseHash(hash);
    // A salt or digest with stray padding bits verifies, but a rehash stores the canonical form.
    if (parsed.ident !== ident || !parsed.canonical) return true;
    return policy === 'minimum' ? parsed.cost < rounds : parsed.cost !== rounds;
  },
});
