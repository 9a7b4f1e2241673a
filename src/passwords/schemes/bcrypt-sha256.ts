/**
 * passlib's bcrypt_sha256: bcrypt of a SHA-256 pre-hash, so passwords over 72 bytes keep all their bytes.
 *   v2 (passlib >= 1.7.3): $bcrypt-sha256$v=2,t=2b,r=12$<22 salt>$<31 digest>
 *                          bcrypt input = base64(HMAC-SHA256(key = the 22-char salt string, msg = password))
 *   v1:                    $bcrypt-sha256$2a,12$<22 salt>$<31 digest>, input = base64(SHA-256(password))
 * The pre-hash is 44 characters of padded standard base64.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConfigurationError, MalformedHashError } from '../../errors.js';
import { B64_BCRYPT, B64_STANDARD, decodeBase64, encodeBase64, parseDecimal, randomBytes, utf8 } from '../encodings.js';
import { BCRYPT_MAX_COST, BCRYPT_MIN_COST, bcryptDigest } from '../kdf/bcrypt.js';
import { defineScheme } from '../scheme.js';
import { bcrypt, type BcryptSettings } from './bcrypt.js';
import { relabelled } from './legacy-util.js';

/**
 * Settings of `bcrypt_sha256`: bcrypt's cost of new hashes and cap on stored ones.
 *
 * @example
 * new CryptContext({ schemes: [bcrypt_sha256], settings: { bcrypt_sha256: { rounds: 12 } } });
 */
export type BcryptSha256Settings = Pick<BcryptSettings, 'rounds' | 'maxRounds'>;

const NAME = 'bcrypt_sha256';
const IDENT = '$bcrypt-sha256$';
const V2 = /^\$bcrypt-sha256\$v=2,t=(2b),r=([0-9]{1,2})\$([./A-Za-z0-9]{22})\$([./A-Za-z0-9]{31})$/;
const V1 = /^\$bcrypt-sha256\$(2a|2b),([0-9]{1,2})\$([./A-Za-z0-9]{22})\$([./A-Za-z0-9]{31})$/;

interface Parsed {
  version: 1 | 2;
  ident: '2a' | '2b';
  rounds: number;
  salt: string;
  digest: string;
}

function parse(hash: string): Parsed {
  const v2 = typeof hash === 'string' ? V2.exec(hash) : null;
  const match = v2 ?? (typeof hash === 'string' ? V1.exec(hash) : null);
  if (!match) throw new MalformedHashError(NAME, 'expected $bcrypt-sha256$v=2,t=2b,r=<cost>$<22 salt chars>$<31 digest chars>');
  const [, ident = '', roundsText = '', salt = '', digest = ''] = match;
  const rounds = parseDecimal(roundsText, 4, 31);
  if (rounds === null) throw new MalformedHashError(NAME, 'cost must be 4..31 without leading zeros');
  return { version: v2 ? 2 : 1, ident: ident as '2a' | '2b', rounds, salt, digest };
}

function isCost(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= BCRYPT_MIN_COST && value <= BCRYPT_MAX_COST;
}

function prehash(password: Uint8Array, version: 1 | 2, salt: string): Uint8Array {
  const digest = version === 2 ? hmac(sha256, utf8(salt), password) : sha256(password);
  return utf8(encodeBase64(digest, B64_STANDARD, true));
}

function bcryptSettings(settings: BcryptSha256Settings, ident: '2a' | '2b'): BcryptSettings {
  if (!settings || typeof settings !== 'object') throw new ConfigurationError(`${NAME}: settings must be an object`);
  return { ...bcrypt.defaults, rounds: settings.rounds, maxRounds: settings.maxRounds, ident, truncate: false };
}

/**
 * passlib's `bcrypt_sha256`; new hashes are v2 with `$2b$` and cost 12.
 *
 * @example
 * // $bcrypt-sha256$v=2,t=2b,r=12$<22-char salt>$<31-char digest>
 * new CryptContext({ schemes: [scrypt, bcrypt_sha256], deprecated: 'auto' });
 */
export const bcrypt_sha256 = defineScheme<BcryptSha256Settings>({
  name: NAME,
  defaults: { rounds: 12, maxRounds: bcrypt.defaults.maxRounds } as Readonly<BcryptSha256Settings>,

  identify(hash) {
    return typeof hash === 'string' && hash.startsWith(IDENT);
  },

  async hash(password, settings) {
    const s = bcryptSettings(settings, '2b');
    if (!isCost(s.rounds) || !isCost(s.maxRounds) || s.rounds > s.maxRounds) {
      throw new ConfigurationError(`${NAME}: rounds and maxRounds must be integers in ${BCRYPT_MIN_COST}..${BCRYPT_MAX_COST}, rounds <= maxRounds`);
    }
    // The salt keys the HMAC, so it is drawn here rather than by bcrypt. Canonical encoding of 16 bytes.
    const salt = encodeBase64(randomBytes(16), B64_BCRYPT);
    const key = prehash(password, 2, salt);
    const keyWithNul = new Uint8Array(key.length + 1);
    keyWithNul.set(key);
    const digest = await bcryptDigest(keyWithNul, decodeBase64(salt, B64_BCRYPT)!, s.rounds);
    return `${IDENT}v=2,t=2b,r=${s.rounds}$${salt}$${encodeBase64(digest.subarray(0, 23), B64_BCRYPT)}`;
  },

  async verify(password, hash, settings) {
    const h = parse(hash);
    const inner = `$${h.ident}$${String(h.rounds).padStart(2, '0')}$${h.salt}${h.digest}`;
    return relabelled(NAME, () => bcrypt.verify(prehash(password, h.version, h.salt), inner, bcryptSettings(settings, h.ident)));
  },

  /** v1 hashes always; otherwise the cost ('exact': differs; 'minimum': lower). */
  needsUpdate(hash, settings, policy) {
    const h = parse(hash);
    const s = bcryptSettings(settings, '2b');
    if (h.version === 1) return true;
    return policy === 'minimum' ? h.rounds < s.rounds : h.rounds !== s.rounds;
  },
});
