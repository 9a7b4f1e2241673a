import { scryptSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js';
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../../src/errors.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { toHex, utf8 } from '../../../src/passwords/encodings.js';
import { scryptKdf } from '../../../src/passwords/kdf/scrypt.js';
import { scrypt, type ScryptSettings } from '../../../src/passwords/schemes/scrypt.js';
import { nodeCrypto, setNodeCryptoForTesting } from '../../../src/platform/runtime.js';
import passlibVectors from '../../fixtures/scrypt-passlib.json' with { type: 'json' };
import passlibExtra from '../../fixtures/scrypt-passlib-extra.json' with { type: 'json' };
import rfc from '../../fixtures/scrypt-rfc7914.json' with { type: 'json' };

const realNodeCrypto = nodeCrypto()!;
afterEach(() => setNodeCryptoForTesting(undefined));

/** Runs `fn` with node:crypto hidden, so scryptKdf takes the @noble/hashes path. */
async function onPortablePath<T>(fn: () => Promise<T>): Promise<T> {
  setNodeCryptoForTesting(null);
  try {
    expect(nodeCrypto()).toBeNull();
    return await fn();
  } finally {
    setNodeCryptoForTesting(undefined);
  }
}

/** A node:crypto stand-in that counts scrypt calls and delegates to the real one. */
function countingNodeCrypto() {
  const calls = { scrypt: 0 };
  const fake = {
    ...realNodeCrypto,
    scrypt: (...args: unknown[]) => {
      calls.scrypt++;
      return (realNodeCrypto.scrypt as (...a: unknown[]) => void)(...args);
    },
  } as typeof realNodeCrypto;
  return { fake, calls };
}

const settings = (overrides: Partial<ScryptSettings> = {}): ScryptSettings => ({ ...scrypt.defaults, ...overrides });
const LOW = settings({ ln: 10 });

describe('scryptKdf: RFC 7914 section 12', () => {
  const cases = rfc.scrypt.map((v) => ({ ...v, name: `N=${v.N} r=${v.r} p=${v.p} "${v.password}"` }));

  it.each(cases)('node:crypto path: $name', async (v) => {
    const { fake, calls } = countingNodeCrypto();
    setNodeCryptoForTesting(fake);
    const out = await scryptKdf(utf8(v.password), utf8(v.salt), { N: v.N, r: v.r, p: v.p, dkLen: v.dkLen });
    expect(toHex(out)).toBe(v.hex);
    expect(calls.scrypt).toBe(1);
  }, 60_000);

  // N = 2^20 (1 GiB, ~9 s in pure JS) is left to the native path to keep the suite fast.
  it.each(cases.filter((v) => v.N < 2 ** 20))('@noble/hashes path: $name', async (v) => {
    const out = await onPortablePath(() =>
      scryptKdf(utf8(v.password), utf8(v.salt), { N: v.N, r: v.r, p: v.p, dkLen: v.dkLen }),
    );
    expect(toHex(out)).toBe(v.hex);
  });
});

describe('scryptKdf: both paths agree', () => {
  const inputs = [
    { password: '', salt: '', N: 2, r: 1, p: 1, dkLen: 1 },
    { password: 'táБℓə 🔐', salt: 'salt', N: 1024, r: 8, p: 1, dkLen: 32 },
    { password: 'x'.repeat(300), salt: 'a much longer salt than usual'.repeat(10), N: 256, r: 3, p: 3, dkLen: 100 },
    { password: 'pw', salt: 'NaCl', N: 4096, r: 1, p: 2, dkLen: 64 },
  ];

  it.each(inputs)('N=$N r=$r p=$p dkLen=$dkLen', async (v) => {
    const args = [utf8(v.password), utf8(v.salt), { N: v.N, r: v.r, p: v.p, dkLen: v.dkLen }] as const;
    const native = await scryptKdf(...args);
    const portable = await onPortablePath(() => scryptKdf(...args));
    expect(toHex(portable)).toBe(toHex(native));
    // And both agree with independent implementations called directly.
    const direct = scryptSync(args[0], args[1], v.dkLen, { N: v.N, r: v.r, p: v.p });
    expect(toHex(native)).toBe(direct.toString('hex'));
    expect(toHex(native)).toBe(toHex(nobleScrypt(args[0], args[1], args[2])));
  });

  it('returns plain Uint8Arrays on both paths', async () => {
    const args = [utf8('pw'), utf8('salt'), { N: 16, r: 1, p: 1, dkLen: 16 }] as const;
    expect((await scryptKdf(...args)).constructor).toBe(Uint8Array);
    expect((await onPortablePath(() => scryptKdf(...args))).constructor).toBe(Uint8Array);
  });

  it('derives N=2^17, r=8 (128 MiB, beyond node:crypto default maxmem) on the native path', async () => {
    const out = await scryptKdf(utf8('pw'), utf8('salt'), { N: 2 ** 17, r: 8, p: 1, dkLen: 32 });
    const direct = scryptSync('pw', 'salt', 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
    expect(toHex(out)).toBe(direct.toString('hex'));
  });

  const invalid = [
    { what: 'N not a power of two', N: 1000, r: 8, p: 1, dkLen: 32 },
    { what: 'N = 1', N: 1, r: 8, p: 1, dkLen: 32 },
    { what: 'N >= 2^(16 r)', N: 2 ** 16, r: 1, p: 1, dkLen: 32 },
    { what: 'r = 0', N: 16, r: 0, p: 1, dkLen: 32 },
    { what: 'p = 0', N: 16, r: 1, p: 0, dkLen: 32 },
    { what: 'r * p >= 2^30', N: 16, r: 2 ** 15, p: 2 ** 15, dkLen: 32 },
    { what: 'dkLen = 0', N: 16, r: 1, p: 1, dkLen: 0 },
    { what: 'fractional r', N: 16, r: 1.5, p: 1, dkLen: 32 },
    { what: 'maxmem below the need', N: 1024, r: 8, p: 1, dkLen: 32, maxmem: 1024 * 1024 },
  ];

  it.each(invalid)('both paths refuse $what with a RangeError', async (v) => {
    const { fake, calls } = countingNodeCrypto();
    setNodeCryptoForTesting(fake);
    await expect(scryptKdf(utf8('pw'), utf8('salt'), v)).rejects.toThrow(RangeError);
    expect(calls.scrypt).toBe(0);
    await expect(onPortablePath(() => scryptKdf(utf8('pw'), utf8('salt'), v))).rejects.toThrow(RangeError);
  });

  it('accepts maxmem exactly at the need', async () => {
    const out = await scryptKdf(utf8('pw'), utf8('salt'), { N: 1024, r: 8, p: 1, dkLen: 32, maxmem: 128 * 8 * (1024 + 3) });
    expect(out.length).toBe(32);
  });
});

describe('scrypt scheme: hashes made by passlib 1.7.4', () => {
  const all = [...passlibVectors.vectors, ...passlibExtra.vectors];

  it.each(all)('$hash verifies with its password only', async ({ password, hash }) => {
    expect(scrypt.identify(hash)).toBe(true);
    expect(await scrypt.verify(utf8(password), hash, LOW)).toBe(true);
    expect(await scrypt.verify(utf8(password + 'x'), hash, LOW)).toBe(false);
    if (password) expect(await scrypt.verify(utf8(password.slice(0, -1)), hash, LOW)).toBe(false);
  });

  it('verifies passlib hashes on the @noble/hashes path too', async () => {
    for (const { password, hash } of passlibVectors.vectors) {
      expect(await onPortablePath(() => scrypt.verify(utf8(password), hash, LOW))).toBe(true);
      expect(await onPortablePath(() => scrypt.verify(utf8('wrong'), hash, LOW))).toBe(false);
    }
  });
});

describe('scrypt scheme: hashing', () => {
  /** Recompute a produced hash's key with node:crypto from its own fields, passlib's way. */
  function independentlyRecomputed(hash: string, password: string) {
    const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash)!;
    const salt = Buffer.from(m[4]!, 'base64');
    const key = Buffer.from(m[5]!, 'base64');
    const N = 2 ** Number(m[1]);
    const derived = scryptSync(password, salt, key.length, { N, r: Number(m[2]), p: Number(m[3]), maxmem: 2 ** 30 });
    return { salt, key, derived };
  }

  it('writes passlib format: ln, r, p, 16-byte salt and 32-byte key in unpadded base64', async () => {
    const hash = await scrypt.hash(utf8('correct horse'), settings({ ln: 10, r: 8, p: 1 }));
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const { salt, key, derived } = independentlyRecomputed(hash, 'correct horse');
    expect(salt.length).toBe(16);
    expect(key.toString('hex')).toBe(derived.toString('hex'));
    expect(await scrypt.verify(utf8('correct horse'), hash, LOW)).toBe(true);
    expect(await scrypt.verify(utf8('correct horsE'), hash, LOW)).toBe(false);
  });

  it('uses the configured r, p, salt and key sizes', async () => {
    const hash = await scrypt.hash(utf8('pw'), settings({ ln: 9, r: 4, p: 2, saltBytes: 24, keyBytes: 64 }));
    expect(hash).toMatch(/^\$scrypt\$ln=9,r=4,p=2\$[A-Za-z0-9+/]{32}\$[A-Za-z0-9+/]{86}$/);
    const { key, derived } = independentlyRecomputed(hash, 'pw');
    expect(key.toString('hex')).toBe(derived.toString('hex'));
    expect(await scrypt.verify(utf8('pw'), hash, LOW)).toBe(true);
  });

  it('round-trips empty, non-ASCII and long passwords, with a fresh salt each time', async () => {
    for (const password of ['', 'táБℓə', '🔐 key', 'p'.repeat(4096)]) {
      const a = await scrypt.hash(utf8(password), LOW);
      const b = await scrypt.hash(utf8(password), LOW);
      expect(a).not.toBe(b);
      expect(await scrypt.verify(utf8(password), a, LOW)).toBe(true);
      expect(await scrypt.verify(utf8(password + '!'), b, LOW)).toBe(false);
    }
  });

  it('hashes on the @noble/hashes path to the same format, verifiable natively', async () => {
    const hash = await onPortablePath(() => scrypt.hash(utf8('pw'), LOW));
    expect(await scrypt.verify(utf8('pw'), hash, LOW)).toBe(true);
    const { key, derived } = independentlyRecomputed(hash, 'pw');
    expect(key.equals(derived)).toBe(true);
  });

  it('defaults: ln=17, r=8, p=1, 16-byte salt, 32-byte key, 256 MiB and p<=16 caps', async () => {
    expect(scrypt.defaults).toEqual({
      ln: 17,
      r: 8,
      p: 1,
      saltBytes: 16,
      keyBytes: 32,
      maxMemoryBytes: 256 * 1024 * 1024,
      maxParallelism: 16,
    });
    const hash = await scrypt.hash(utf8('pw'), scrypt.defaults);
    expect(hash.startsWith('$scrypt$ln=17,r=8,p=1$')).toBe(true);
    expect(scrypt.needsUpdate(hash, scrypt.defaults, 'exact')).toBe(false);
  });

  const badSettings: Array<[string, Partial<ScryptSettings>]> = [
    ['ln = 0', { ln: 0 }],
    ['ln = 32', { ln: 32 }],
    ['ln not an integer', { ln: 10.5 }],
    ['r = 0', { r: 0 }],
    ['p as a string', { p: '1' as unknown as number }],
    ['N >= 2^(16 r)', { ln: 16, r: 1 }],
    ['saltBytes = 4', { saltBytes: 4 }],
    ['keyBytes = 8', { keyBytes: 8 }],
    ['keyBytes = 65', { keyBytes: 65 }],
    ['cost above its own memory cap', { ln: 12, maxMemoryBytes: 1024 * 1024 }],
    ['p above its own cap', { ln: 10, p: 4, maxParallelism: 2 }],
  ];
  it.each(badSettings)('refuses settings with %s (ConfigurationError)', async (_, overrides) => {
    await expect(scrypt.hash(utf8('pw'), settings({ ln: 10, ...overrides }))).rejects.toThrow(ConfigurationError);
  });
});

describe('scrypt scheme: identify', () => {
  it('claims $scrypt$ only', () => {
    expect(scrypt.identify('$scrypt$ln=10,r=8,p=1$aq117h0jZMy5937PmZMyJg$C7VWk10ntQhEba9/myDdKdbVuD1/RFGBLVgXqkF+99U')).toBe(true);
    expect(scrypt.identify('$scrypt$garbage')).toBe(true); // then malformed, not unknown
    for (const other of [
      'scrypt$1024$r4SYD-r5BhrMKG8N7nY6Ew$8$1$VMqTzzVAE8vNR36GoVJsHZN+CZNppDXpM0XG80xX3g3kpdSJ2d8mkBJ2HT1fcuj7lTTeeBWA5Tfc2TQb99ZKfw==',
      'scrypt:1024:8:1$iM3VWQOm2-bB3cot$732f7df4426fedafede7de53c2450ac36b9294182c548c7b1f25e5ece4ca2866',
      '$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D',
      '$pbkdf2-sha256$1000$5jwH4NxbK8WYc8455/yfcw$JluUpokrIxVS9tusBtkOPAF2H39POSSD.NSFFI4jJMI',
      '$SCRYPT$ln=10,r=8,p=1$aq117h0jZMy5937PmZMyJg$C7VWk10ntQhEba9/myDdKdbVuD1/RFGBLVgXqkF+99U',
      '',
    ]) {
      expect(scrypt.identify(other)).toBe(false);
    }
  });
});

describe('scrypt scheme: errors from the hash', () => {
  const salt = 'aq117h0jZMy5937PmZMyJg';
  const key = 'C7VWk10ntQhEba9/myDdKdbVuD1/RFGBLVgXqkF+99U';
  const good = `$scrypt$ln=10,r=8,p=1$${salt}$${key}`;

  it('the well-formed base case verifies', async () => {
    expect(await scrypt.verify(utf8('secret'), good, LOW)).toBe(true);
  });

  const malformed: Array<[string, string]> = [
    ['no key', `$scrypt$ln=10,r=8,p=1$${salt}`],
    ['empty key', `$scrypt$ln=10,r=8,p=1$${salt}$`],
    ['extra field', `${good}$AAAA`],
    ['ln = 0', `$scrypt$ln=0,r=8,p=1$${salt}$${key}`],
    ['ln = 32', `$scrypt$ln=32,r=8,p=1$${salt}$${key}`],
    ['leading zero', `$scrypt$ln=010,r=8,p=1$${salt}$${key}`],
    ['r = 0', `$scrypt$ln=10,r=0,p=1$${salt}$${key}`],
    ['p = 0', `$scrypt$ln=10,r=8,p=0$${salt}$${key}`],
    ['negative r', `$scrypt$ln=10,r=-8,p=1$${salt}$${key}`],
    ['parameters out of order', `$scrypt$r=8,ln=10,p=1$${salt}$${key}`],
    ['missing p', `$scrypt$ln=10,r=8$${salt}$${key}`],
    ['space in parameters', `$scrypt$ln=10, r=8,p=1$${salt}$${key}`],
    ['N >= 2^(16 r)', `$scrypt$ln=16,r=1,p=1$${salt}$${key}`],
    ['huge r', `$scrypt$ln=10,r=99999999999999999999,p=1$${salt}$${key}`],
    ['padded salt', `$scrypt$ln=10,r=8,p=1$${salt}==$${key}`],
    ['url-safe alphabet', `$scrypt$ln=10,r=8,p=1$${salt}$${key.replace('/', '_')}`],
    ['adapted alphabet', `$scrypt$ln=10,r=8,p=1$${salt}$${key.replace('+', '.')}`],
    ['impossible base64 length', `$scrypt$ln=10,r=8,p=1$${salt}AAA$${key}`],
    ['key too short (15 bytes)', `$scrypt$ln=10,r=8,p=1$${salt}$${'A'.repeat(20)}`],
    ['key too long (65 bytes)', `$scrypt$ln=10,r=8,p=1$${salt}$${'A'.repeat(87)}`],
    ['salt over 1024 bytes', `$scrypt$ln=10,r=8,p=1$${'A'.repeat(1368)}$${key}`],
    ['trailing newline', `${good}\n`],
    ['non-ASCII', `$scrypt$ln=１０,r=8,p=1$${salt}$${key}`],
  ];

  it.each(malformed)('%s: MalformedHashError from verify and needsUpdate', async (_, hash) => {
    await expect(scrypt.verify(utf8('secret'), hash, LOW)).rejects.toThrow(MalformedHashError);
    expect(() => scrypt.needsUpdate(hash, LOW, 'exact')).toThrow(MalformedHashError);
  });

  it('accepts an empty salt, as passlib does', async () => {
    const derived = scryptSync('pw', Buffer.alloc(0), 32, { N: 1024, r: 8, p: 1 }).toString('base64').replace(/=+$/, '');
    expect(await scrypt.verify(utf8('pw'), `$scrypt$ln=10,r=8,p=1$$${derived}`, LOW)).toBe(true);
  });

  const tooCostly: Array<[string, string, Partial<ScryptSettings>]> = [
    ['ln=21 r=8 (2 GiB) under the 1 GiB default', `$scrypt$ln=21,r=8,p=1$${salt}$${key}`, {}],
    ['ln=31', `$scrypt$ln=31,r=8,p=1$${salt}$${key}`, {}],
    ['r=1000000', `$scrypt$ln=10,r=1000000,p=1$${salt}$${key}`, {}],
    ['p=17 over the default 16', `$scrypt$ln=10,r=8,p=17$${salt}$${key}`, {}],
    ['ln=11 under a 1 MiB cap', `$scrypt$ln=11,r=8,p=1$${salt}$${key}`, { maxMemoryBytes: 1024 * 1024 }],
    ['p=2 under a cap of 1', `$scrypt$ln=10,r=8,p=2$${salt}$${key}`, { maxParallelism: 1 }],
  ];

  it.each(tooCostly)('%s: HashCostLimitError before any derivation', async (_, hash, caps) => {
    const { fake, calls } = countingNodeCrypto();
    setNodeCryptoForTesting(fake);
    const error = await scrypt.verify(utf8('secret'), hash, settings({ ln: 10, ...caps })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HashCostLimitError);
    expect((error as HashCostLimitError).code).toBe('ERR_HASH_COST_LIMIT');
    expect(calls.scrypt).toBe(0);
  });

  it('allows exactly the cap: ln=10 r=8 is 1 MiB under a 1 MiB cap', async () => {
    expect(await scrypt.verify(utf8('secret'), good, settings({ ln: 10, maxMemoryBytes: 1024 * 1024 }))).toBe(true);
  });

  it('error messages carry no password and no hash material', async () => {
    const error = await scrypt.verify(utf8('hunter2'), `$scrypt$ln=10,r=8,p=1$${salt}$!!${key}`, LOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedHashError);
    const message = (error as Error).message;
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain(salt);
  });
});

describe('scrypt scheme: needsUpdate', () => {
  const saltB64 = 'aq117h0jZMy5937PmZMyJg'; // 16 bytes
  const key32 = 'C7VWk10ntQhEba9/myDdKdbVuD1/RFGBLVgXqkF+99U';
  const h = (params: string, salt = saltB64, key = key32) => `$scrypt$${params}$${salt}$${key}`;
  const target = settings({ ln: 14, r: 8, p: 2 });

  const cases: Array<[string, string, boolean, boolean]> = [
    // [what, hash, needs update under 'exact', under 'minimum']
    ['same parameters', h('ln=14,r=8,p=2'), false, false],
    ['lower ln', h('ln=13,r=8,p=2'), true, true],
    ['higher ln', h('ln=15,r=8,p=2'), true, false],
    ['lower r', h('ln=14,r=4,p=2'), true, true],
    ['higher r', h('ln=14,r=16,p=2'), true, false],
    ['lower p', h('ln=14,r=8,p=1'), true, true],
    ['higher p', h('ln=14,r=8,p=3'), true, false],
    ['higher ln but lower r', h('ln=15,r=4,p=2'), true, true],
    ['shorter key', h('ln=14,r=8,p=2', saltB64, 'A'.repeat(22)), true, true],
    ['longer key', h('ln=14,r=8,p=2', saltB64, 'A'.repeat(86)), true, false],
    ['shorter salt', h('ln=14,r=8,p=2', 'AAAAAAAAAAA'), true, true],
    ['longer salt', h('ln=14,r=8,p=2', 'A'.repeat(43)), false, false],
  ];

  it.each(cases)('%s', (_, hash, exact, minimum) => {
    expect(scrypt.needsUpdate(hash, target, 'exact')).toBe(exact);
    expect(scrypt.needsUpdate(hash, target, 'minimum')).toBe(minimum);
  });

  it('passlib vectors (ln=10,r=8,p=1) are current at ln=10 and outdated at the default ln=17', () => {
    for (const { hash } of passlibVectors.vectors) {
      expect(scrypt.needsUpdate(hash, LOW, 'exact')).toBe(false);
      expect(scrypt.needsUpdate(hash, scrypt.defaults, 'exact')).toBe(true);
      expect(scrypt.needsUpdate(hash, scrypt.defaults, 'minimum')).toBe(true);
    }
  });
});

describe('scrypt through CryptContext', () => {
  const pbkdf2Vector = '$pbkdf2-sha256$1000$5jwH4NxbK8WYc8455/yfcw$JluUpokrIxVS9tusBtkOPAF2H39POSSD.NSFFI4jJMI';
  const scryptVector = passlibVectors.vectors.find((v) => v.password === 'secret')!.hash;
  const ctx = () =>
    new CryptContext({ schemes: ['scrypt', 'pbkdf2_sha256'], deprecated: 'auto', settings: { scrypt: { ln: 10 } } });

  it('upgrades a passlib pbkdf2_sha256 hash to scrypt at login', async () => {
    const context = ctx();
    expect(context.identify(pbkdf2Vector)).toBe('pbkdf2_sha256');
    expect(context.needsUpdate(pbkdf2Vector)).toBe(true);
    const { valid, newHash } = await context.verifyAndUpdate('secret', pbkdf2Vector);
    expect(valid).toBe(true);
    expect(newHash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(context.identify(newHash)).toBe('scrypt');
    expect(await context.verify('secret', newHash!)).toBe(true);
    expect(await context.verify('Secret', newHash!)).toBe(false);
    expect(context.needsUpdate(newHash!)).toBe(false);
  });

  it('gives no new hash for a wrong password or a current hash', async () => {
    const context = ctx();
    expect(await context.verifyAndUpdate('wrong', pbkdf2Vector)).toEqual({ valid: false, newHash: null });
    expect(await context.verifyAndUpdate('secret', scryptVector)).toEqual({ valid: true, newHash: null });
  });

  it('rehashes a scrypt hash whose cost is below the configured one', async () => {
    const context = new CryptContext({ schemes: ['scrypt'], settings: { scrypt: { ln: 11 } } });
    const { valid, newHash } = await context.verifyAndUpdate('secret', scryptVector);
    expect(valid).toBe(true);
    expect(newHash?.startsWith('$scrypt$ln=11,r=8,p=1$')).toBe(true);
  });

  it('surfaces a cost-capped hash as HashCostLimitError', async () => {
    const context = new CryptContext({ schemes: ['scrypt'], settings: { scrypt: { ln: 10, maxParallelism: 1 } } });
    await expect(context.verify('secret', scryptVector.replace('p=1', 'p=2'))).rejects.toThrow(HashCostLimitError);
  });
});
