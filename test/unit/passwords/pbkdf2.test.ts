import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pbkdf2 as noblePbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../../src/errors.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { toHex, utf8 } from '../../../src/passwords/encodings.js';
import { pbkdf2, type Pbkdf2Digest } from '../../../src/passwords/kdf/pbkdf2.js';
import { pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512, type Pbkdf2Settings } from '../../../src/passwords/schemes/pbkdf2.js';
import type { PasswordScheme } from '../../../src/passwords/scheme.js';
import passlibVectors from '../../fixtures/pbkdf2-passlib.json' with { type: 'json' };
import passlibExtra from '../../fixtures/pbkdf2-passlib-extra.json' with { type: 'json' };
import rfc6070 from '../../fixtures/pbkdf2-rfc6070.json' with { type: 'json' };
import rfc7914 from '../../fixtures/scrypt-rfc7914.json' with { type: 'json' };

const schemes: Record<string, PasswordScheme<Pbkdf2Settings>> = { pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 };
const variants = [
  { scheme: pbkdf2_sha1, ident: '$pbkdf2$', hash: 'SHA-1', node: 'sha1', keyBytes: 20, rounds: 1_300_000 },
  { scheme: pbkdf2_sha256, ident: '$pbkdf2-sha256$', hash: 'SHA-256', node: 'sha256', keyBytes: 32, rounds: 600_000 },
  { scheme: pbkdf2_sha512, ident: '$pbkdf2-sha512$', hash: 'SHA-512', node: 'sha512', keyBytes: 64, rounds: 210_000 },
] as const;
const low = (scheme: PasswordScheme<Pbkdf2Settings>, overrides: Partial<Pbkdf2Settings> = {}): Pbkdf2Settings => ({
  ...scheme.defaults,
  rounds: 1000,
  ...overrides,
});

/** passlib's adapted base64 back to bytes, with Node's decoder (independent of encodings.ts). */
const ab64 = (text: string) => Buffer.from(text.replace(/\./g, '+'), 'base64');

describe('pbkdf2 KDF: known answers', () => {
  it.each(rfc6070.vectors)('RFC 6070 SHA-1: c=$iterations dkLen=$dkLen', async (v) => {
    expect(toHex(await pbkdf2('SHA-1', utf8(v.password), utf8(v.salt), v.iterations, v.dkLen))).toBe(v.hex);
  });

  it.each(rfc7914.pbkdf2_sha256)('RFC 7914 section 11 SHA-256: c=$iterations', async (v) => {
    expect(toHex(await pbkdf2('SHA-256', utf8(v.password), utf8(v.salt), v.iterations, v.dkLen))).toBe(v.hex);
  });

  const hashes: Array<[Pbkdf2Digest, string, typeof sha1]> = [
    ['SHA-1', 'sha1', sha1],
    ['SHA-256', 'sha256', sha256],
    ['SHA-512', 'sha512', sha512],
  ];

  it.each(hashes)('%s agrees with node:crypto and @noble/hashes, including the empty password', async (hash, nodeName, nobleHash) => {
    for (const [password, salt, c, dkLen] of [
      ['', 'salt', 3, 64],
      ['', '', 1, 20],
      ['táБℓə 🔐', 'NaCl', 100, 33],
      ['k'.repeat(200), 'a longer salt', 7, 130],
    ] as const) {
      const ours = toHex(await pbkdf2(hash, utf8(password), utf8(salt), c, dkLen));
      expect(ours).toBe(pbkdf2Sync(password, salt, c, dkLen, nodeName).toString('hex'));
      expect(ours).toBe(toHex(noblePbkdf2(nobleHash, utf8(password), utf8(salt), { c, dkLen })));
    }
  });

  it('accepts a SharedArrayBuffer-backed password', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    shared.set(utf8('password'));
    expect(toHex(await pbkdf2('SHA-1', shared, utf8('salt'), 2, 20))).toBe(rfc6070.vectors[1]!.hex);
  });

  it.each([
    ['unknown hash', 'MD5', 1, 20],
    ['zero iterations', 'SHA-256', 0, 32],
    ['fractional iterations', 'SHA-256', 1.5, 32],
    ['2^32 iterations', 'SHA-256', 2 ** 32, 32],
    ['zero dkLen', 'SHA-256', 1, 0],
    ['huge dkLen', 'SHA-256', 1, 2 ** 30],
  ])('refuses %s with a RangeError', async (_, hash, iterations, dkLen) => {
    await expect(pbkdf2(hash as Pbkdf2Digest, utf8('pw'), utf8('salt'), iterations, dkLen)).rejects.toThrow(RangeError);
  });
});

describe('pbkdf2 schemes: hashes made by passlib 1.7.4', () => {
  const all = [...passlibVectors.vectors, ...passlibExtra.vectors];

  it.each(all)('$scheme $hash verifies with its password only', async ({ scheme: name, password, hash }) => {
    const scheme = schemes[name]!;
    expect(scheme.identify(hash)).toBe(true);
    for (const other of Object.values(schemes)) if (other !== scheme) expect(other.identify(hash)).toBe(false);
    expect(await scheme.verify(utf8(password), hash, low(scheme))).toBe(true);
    expect(await scheme.verify(utf8(password + 'x'), hash, low(scheme))).toBe(false);
    if (password) expect(await scheme.verify(utf8(password.slice(0, -1)), hash, low(scheme))).toBe(false);
  });
});

describe.each(variants)('$scheme.name scheme', ({ scheme, ident, node, keyBytes, rounds }) => {
  it(`defaults: ${rounds} rounds, 16-byte salt, the 3M-round cap`, () => {
    expect(scheme.defaults).toEqual({ rounds, saltBytes: 16, maxRounds: 3_000_000 });
  });

  it('writes passlib format, recomputable with node:crypto from its own fields', async () => {
    const hash = await scheme.hash(utf8('correct horse'), low(scheme, { rounds: 1234 }));
    const fields = hash.slice(ident.length).split('$');
    expect(hash.startsWith(ident)).toBe(true);
    expect(fields[0]).toBe('1234');
    expect(fields[1]).toMatch(/^[A-Za-z0-9./]{22}$/);
    expect(fields[2]).toMatch(new RegExp(`^[A-Za-z0-9./]{${Math.ceil((keyBytes * 4) / 3)}}$`));
    const derived = pbkdf2Sync('correct horse', ab64(fields[1]!), 1234, keyBytes, node);
    expect(ab64(fields[2]!).toString('hex')).toBe(derived.toString('hex'));
    expect(await scheme.verify(utf8('correct horse'), hash, low(scheme))).toBe(true);
    expect(await scheme.verify(utf8('correct horsE'), hash, low(scheme))).toBe(false);
    expect(scheme.needsUpdate(hash, low(scheme, { rounds: 1234 }), 'exact')).toBe(false);
  });

  it('round-trips empty, non-ASCII and long passwords with fresh salts and a configured salt size', async () => {
    for (const password of ['', 'táБℓə', '🔐 key', 'p'.repeat(4096)]) {
      const a = await scheme.hash(utf8(password), low(scheme, { saltBytes: 32 }));
      const b = await scheme.hash(utf8(password), low(scheme, { saltBytes: 32 }));
      expect(a).not.toBe(b);
      expect(ab64(a.slice(ident.length).split('$')[1]!).length).toBe(32);
      expect(await scheme.verify(utf8(password), a, low(scheme))).toBe(true);
      expect(await scheme.verify(utf8(password + '!'), b, low(scheme))).toBe(false);
    }
  });

  it.each([
    ['rounds = 0', { rounds: 0 }],
    ['rounds above maxRounds', { rounds: 1001, maxRounds: 1000 }],
    ['rounds not an integer', { rounds: 1000.5 }],
    ['saltBytes = 4', { saltBytes: 4 }],
    ['saltBytes = 2000', { saltBytes: 2000 }],
    ['maxRounds = 0', { maxRounds: 0 }],
  ])('refuses settings with %s (ConfigurationError)', async (_, overrides) => {
    await expect(scheme.hash(utf8('pw'), low(scheme, overrides))).rejects.toThrow(ConfigurationError);
  });

  describe('errors from the hash', () => {
    const salt = 'K6V07n3vfW9NKUWIsXbO2Q';
    const key = 'A'.repeat(Math.ceil((keyBytes * 4) / 3));
    const malformed: Array<[string, string]> = [
      ['no key', `${ident}1000$${salt}`],
      ['empty key', `${ident}1000$${salt}$`],
      ['extra field', `${ident}1000$${salt}$${key}$x`],
      ['empty rounds', `${ident}$${salt}$${key}`],
      ['rounds = 0', `${ident}0$${salt}$${key}`],
      ['leading zero', `${ident}01000$${salt}$${key}`],
      ['signed rounds', `${ident}+1000$${salt}$${key}`],
      ['hex rounds', `${ident}0x10$${salt}$${key}`],
      ['rounds >= 2^32', `${ident}4294967296$${salt}$${key}`],
      ['standard base64 +', `${ident}1000$${salt.slice(0, -1)}+$${key}`],
      ['padding', `${ident}1000$${salt}==$${key}`],
      ['key one byte short', `${ident}1000$${salt}$${'A'.repeat(Math.ceil(((keyBytes - 1) * 4) / 3))}`],
      ['key one byte long', `${ident}1000$${salt}$${'A'.repeat(Math.ceil(((keyBytes + 1) * 4) / 3))}`],
      ['salt over 1024 bytes', `${ident}1000$${'A'.repeat(1368)}$${key}`],
      ['trailing newline', `${ident}1000$${salt}$${key}\n`],
    ];

    it.each(malformed)('%s: MalformedHashError from verify and needsUpdate', async (_, hash) => {
      expect(scheme.identify(hash)).toBe(true);
      await expect(scheme.verify(utf8('secret'), hash, low(scheme))).rejects.toThrow(MalformedHashError);
      expect(() => scheme.needsUpdate(hash, low(scheme), 'exact')).toThrow(MalformedHashError);
    });

    it('a well-formed hash (all-zero key) is simply a wrong password, not an error', async () => {
      expect(await scheme.verify(utf8('secret'), `${ident}1000$${salt}$${key}`, low(scheme))).toBe(false);
    });

    it('refuses rounds over the cap with HashCostLimitError', async () => {
      await expect(scheme.verify(utf8('x'), `${ident}10000001$${salt}$${key}`, scheme.defaults)).rejects.toThrow(
        HashCostLimitError,
      );
      await expect(scheme.verify(utf8('x'), `${ident}4294967295$${salt}$${key}`, scheme.defaults)).rejects.toThrow(
        HashCostLimitError,
      );
      await expect(
        scheme.verify(utf8('x'), `${ident}1001$${salt}$${key}`, low(scheme, { maxRounds: 1000 })),
      ).rejects.toThrow(HashCostLimitError);
    });
  });

  it('needsUpdate: exact flags any other rounds, minimum only fewer; both flag a short salt', () => {
    const h = (r: number, s = 'K6V07n3vfW9NKUWIsXbO2Q') => `${ident}${r}$${s}$${'A'.repeat(Math.ceil((keyBytes * 4) / 3))}`;
    const target = low(scheme, { rounds: 5000 });
    const table: Array<[string, boolean, boolean]> = [
      [h(5000), false, false],
      [h(4999), true, true],
      [h(5001), true, false],
      [h(5000, 'AAAAAAAAAAA'), true, true], // 8-byte salt
      [h(5000, 'A'.repeat(43)), false, false], // 32-byte salt
    ];
    for (const [hash, exact, minimum] of table) {
      expect(scheme.needsUpdate(hash, target, 'exact')).toBe(exact);
      expect(scheme.needsUpdate(hash, target, 'minimum')).toBe(minimum);
    }
  });
});

describe('identify is unambiguous', () => {
  const foreign = [
    'pbkdf2_sha256$1000$rYXISRrH8nJ48kyZhXSeYG$TmIrXhieflpBoOZhCrbQBXDOdFGDXOI51unNCbe65vw=',
    'pbkdf2_sha1$1000$91NpU4oXgryCrvCv2ki0w1$7n1YqYg+IN7rvgqtkd7Iec+D6Fc=',
    'pbkdf2:sha256:1000$iM3VWQOm2-bB3cot$61c186b9647e06bde95a05195734d4b1e47d6977b4c2051af18a9e1df46c2e65',
    'pbkdf2:sha512:1000$iM3VWQOm2-bB3cot$be316c33967e6ae910a1ed333dcfddd9e0ddcaac859fea4713ba42786ff2dd1d',
    '{PBKDF2-SHA256}1000$5jwH4NxbK8WYc8455/yfcw$JluUpokrIxVS9tusBtkOPAF2H39POSSD.NSFFI4jJMI',
    '$pbkdf2-sha1$1000$5jwH4NxbK8WYc8455/yfcw$JluUpokrIxVS9tusBtkOPAF2H39',
    '$PBKDF2-SHA256$1000$5jwH4NxbK8WYc8455/yfcw$JluUpokrIxVS9tusBtkOPAF2H39POSSD.NSFFI4jJMI',
    '$scrypt$ln=10,r=8,p=1$aq117h0jZMy5937PmZMyJg$C7VWk10ntQhEba9/myDdKdbVuD1/RFGBLVgXqkF+99U',
    '',
  ];

  it('no variant claims Django, Werkzeug, LDAP-wrapped or other formats', () => {
    for (const hash of foreign) for (const scheme of Object.values(schemes)) expect(scheme.identify(hash)).toBe(false);
  });

  it('exactly one variant claims each passlib hash', () => {
    for (const { scheme: name, hash } of passlibVectors.vectors) {
      expect(Object.values(schemes).filter((s) => s.identify(hash)).map((s) => s.name)).toEqual([name]);
    }
  });

  it('a context with all three routes each passlib hash to its own variant', async () => {
    const context = new CryptContext({
      schemes: ['pbkdf2_sha256', 'pbkdf2_sha512', 'pbkdf2_sha1'],
      settings: { pbkdf2_sha256: { rounds: 1000 }, pbkdf2_sha512: { rounds: 1000 }, pbkdf2_sha1: { rounds: 1000 } },
    });
    for (const { scheme, password, hash } of passlibVectors.vectors) {
      expect(context.identify(hash)).toBe(scheme);
      expect(await context.verify(password, hash)).toBe(true);
      expect(await context.verify(`${password}?`, hash)).toBe(false);
    }
  });
});

describe('pbkdf2 through CryptContext', () => {
  it('upgrades a passlib pbkdf2_sha512 hash to pbkdf2_sha256 at the configured rounds', async () => {
    const context = new CryptContext({
      schemes: ['pbkdf2_sha256', 'pbkdf2_sha512'],
      deprecated: 'auto',
      settings: { pbkdf2_sha256: { rounds: 2000 } },
    });
    const old = passlibVectors.vectors.find((v) => v.scheme === 'pbkdf2_sha512' && v.password === 'táБℓə')!;
    const { valid, newHash } = await context.verifyAndUpdate(old.password, old.hash);
    expect(valid).toBe(true);
    expect(newHash).toMatch(/^\$pbkdf2-sha256\$2000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{43}$/);
    expect(await context.verify(old.password, newHash!)).toBe(true);
    expect(context.needsUpdate(newHash!)).toBe(false);
    // passlib's 1000-round hashes fall short of 2000: upgraded too, within the same scheme.
    const current = passlibVectors.vectors.find((v) => v.scheme === 'pbkdf2_sha256')!;
    expect(context.needsUpdate(current.hash)).toBe(true);
  });
});
