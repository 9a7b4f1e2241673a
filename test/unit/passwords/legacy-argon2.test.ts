import { argon2d, argon2i, argon2id } from '@noble/hashes/argon2.js';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../../src/errors.js';
import { toHex, utf8 } from '../../../src/passwords/encodings.js';
import { argon2, type Argon2Settings } from '../../../src/passwords/schemes/argon2.js';
import fixtures from '../../fixtures/legacy-argon2.json' with { type: 'json' };

const fast: Argon2Settings = { ...argon2.defaults, memoryCost: 64, timeCost: 1 };

describe('argon2: hashes made by passlib (argon2-cffi) and PHP', () => {
  it.each(fixtures.vectors.map((v, i) => ({ ...v, i })))('#$i $hash', async ({ password, hash }) => {
    expect(argon2.identify(hash)).toBe(true);
    expect(await argon2.verify(utf8(password), hash, argon2.defaults)).toBe(true);
    expect(await argon2.verify(utf8(password + '!'), hash, argon2.defaults)).toBe(false);
  });
});

describe('argon2: known answers', () => {
  // RFC 9106 section 5: the KDF with secret and associated data (the PHC format has neither).
  const rfc = { t: 3, m: 32, p: 4, dkLen: 32, key: new Uint8Array(8).fill(3), personalization: new Uint8Array(12).fill(4) };
  const pw = new Uint8Array(32).fill(1);
  const salt = new Uint8Array(16).fill(2);
  it.each([
    ['argon2d', argon2d, '512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb'],
    ['argon2i', argon2i, 'c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8'],
    ['argon2id', argon2id, '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659'],
  ] as const)('RFC 9106 %s', (_name, kdf, hex) => {
    expect(toHex(kdf(pw, salt, rfc))).toBe(hex);
  });

  it("the reference implementation's test.c: argon2i v=19, version 16 absent", async () => {
    const v19 = '$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8';
    expect(await argon2.verify(utf8('password'), v19, argon2.defaults)).toBe(true);
    expect(await argon2.verify(utf8('passwore'), v19, argon2.defaults)).toBe(false);
    const v16 = '$argon2i$m=256,t=2,p=1$c29tZXNhbHQ$/U3YPXYsSb3q9XxHvc0MLxur+GP960kN9j7emXX8zwY';
    expect(await argon2.verify(utf8('password'), v16, argon2.defaults)).toBe(true);
  });
});

describe('argon2 scheme', () => {
  it('hashes with OWASP defaults in PHC format', async () => {
    expect(argon2.defaults).toMatchObject({ type: 'argon2id', memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const hash = await argon2.hash(utf8('pässword'), fast);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await argon2.verify(utf8('pässword'), hash, fast)).toBe(true);
    expect(await argon2.verify(utf8('password'), hash, fast)).toBe(false);
    const d = await argon2.hash(utf8('x'), { ...fast, type: 'argon2d', parallelism: 2, memoryCost: 32 });
    expect(d).toMatch(/^\$argon2d\$v=19\$m=32,t=1,p=2\$/);
    expect(await argon2.verify(utf8('x'), d, fast)).toBe(true);
  });

  it('needsUpdate per policy', () => {
    const hash = fixtures.vectors.find((v) => v.hash.startsWith('$argon2i$'))!.hash; // m=1024,t=2,p=1
    const s = { ...argon2.defaults, type: 'argon2i' as const, memoryCost: 1024, timeCost: 2, parallelism: 1 };
    expect(argon2.needsUpdate(hash, s, 'exact')).toBe(false);
    expect(argon2.needsUpdate(hash, { ...s, timeCost: 3 }, 'exact')).toBe(true);
    expect(argon2.needsUpdate(hash, { ...s, timeCost: 1 }, 'exact')).toBe(true);
    expect(argon2.needsUpdate(hash, { ...s, timeCost: 1 }, 'minimum')).toBe(false);
    expect(argon2.needsUpdate(hash, { ...s, memoryCost: 2048 }, 'minimum')).toBe(true);
    expect(argon2.needsUpdate(hash, argon2.defaults, 'minimum')).toBe(true); // argon2i -> argon2id
  });

  it('refuses costs beyond the caps before any work', async () => {
    const salt = 'c29tZXNhbHQ';
    const tag = 'iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8';
    for (const params of ['m=4194304,t=2,p=1', 'm=256,t=1000000,p=1', 'm=4096,t=1,p=64']) {
      const started = performance.now();
      await expect(argon2.verify(utf8('x'), `$argon2id$v=19$${params}$${salt}$${tag}`, argon2.defaults)).rejects.toBeInstanceOf(
        HashCostLimitError,
      );
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it.each([
    '$argon2id$v=18$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8',
    '$argon2id$v=19$m=4,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8', // m < 8p
    '$argon2id$v=19$m=256,t=0,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8',
    '$argon2id$v=19$m=0256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8',
    '$argon2id$v=19$t=2,m=256,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8',
    '$argon2id$v=19$m=256,t=2,p=1$c29tZQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8', // salt < 8 bytes
    '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8', // padding
    '$argon2id$v=19$m=256,t=2,p=1,keyid=abc$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8',
    '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$aaa',
  ])('malformed: %s', async (hash) => {
    await expect(argon2.verify(utf8('x'), hash, argon2.defaults)).rejects.toBeInstanceOf(MalformedHashError);
  });

  it('rejects bad settings', async () => {
    await expect(argon2.hash(utf8('x'), { ...fast, memoryCost: 4 })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(argon2.hash(utf8('x'), { ...fast, type: 'argon2x' as never })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(argon2.hash(utf8('x'), { ...fast, memoryCost: 300_000 })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
