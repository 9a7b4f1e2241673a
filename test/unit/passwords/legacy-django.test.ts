import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { HashCostLimitError, MalformedHashError, PasswordPolicyError } from '../../../src/errors.js';
import { utf8 } from '../../../src/passwords/encodings.js';
import {
  django_argon2,
  django_bcrypt,
  django_bcrypt_sha256,
  django_pbkdf2_sha1,
  django_pbkdf2_sha256,
  django_scrypt,
} from '../../../src/passwords/schemes/django.js';
import type { PasswordScheme } from '../../../src/passwords/scheme.js';
import fixtures from '../../fixtures/legacy-django.json' with { type: 'json' };

const schemes: Record<string, PasswordScheme<any>> = {
  django_argon2,
  django_bcrypt,
  django_bcrypt_sha256,
  django_pbkdf2_sha1,
  django_pbkdf2_sha256,
  django_scrypt,
};

describe('django family: hashes made by Django 3.2 (and Django 4 scrypt format)', () => {
  it.each(fixtures.vectors.map((v, i) => ({ ...v, i })))('#$i $scheme verifies', async ({ scheme: name, password, hash }) => {
    const scheme = schemes[name]!;
    expect(Object.values(schemes).filter((s) => s.identify(hash))).toEqual([scheme]);
    expect(await scheme.verify(utf8(password), hash, scheme.defaults)).toBe(true);
    expect(await scheme.verify(utf8(password + '!'), hash, scheme.defaults)).toBe(false);
  });
});

describe('django_pbkdf2_sha256 / _sha1', () => {
  it('hashes in Django format, checked with node:crypto', async () => {
    for (const [scheme, algo, bytes] of [[django_pbkdf2_sha256, 'sha256', 32], [django_pbkdf2_sha1, 'sha1', 20]] as const) {
      const hash = await scheme.hash(utf8('pässword'), { ...scheme.defaults, rounds: 1000 });
      const [prefix, rounds, salt, key] = hash.split('$');
      expect(prefix).toBe(algo === 'sha256' ? 'pbkdf2_sha256' : 'pbkdf2_sha1');
      expect(rounds).toBe('1000');
      expect(salt).toMatch(/^[A-Za-z0-9]{22}$/);
      expect(key).toBe(pbkdf2Sync('pässword', salt!, 1000, bytes, algo).toString('base64'));
      expect(await scheme.verify(utf8('pässword'), hash, scheme.defaults)).toBe(true);
    }
    expect(django_pbkdf2_sha256.defaults.rounds).toBe(1_000_000);
  });

  it('caps iterations and needsUpdate per policy', async () => {
    const hash = fixtures.vectors.find((v) => v.scheme === 'django_pbkdf2_sha256')!.hash; // 1000 iterations, 22-char salt
    await expect(django_pbkdf2_sha256.verify(utf8('x'), hash, { ...django_pbkdf2_sha256.defaults, rounds: 500, maxRounds: 500 })).rejects.toBeInstanceOf(
      HashCostLimitError,
    );
    const s = { ...django_pbkdf2_sha256.defaults, rounds: 1000 };
    expect(django_pbkdf2_sha256.needsUpdate(hash, s, 'exact')).toBe(false);
    expect(django_pbkdf2_sha256.needsUpdate(hash, django_pbkdf2_sha256.defaults, 'exact')).toBe(true);
    expect(django_pbkdf2_sha256.needsUpdate(hash, { ...s, rounds: 500 }, 'minimum')).toBe(false);
    expect(django_pbkdf2_sha256.needsUpdate(hash, { ...s, saltChars: 24 }, 'minimum')).toBe(true);
  });

  it.each([
    'pbkdf2_sha256$1000$rYXISRrH8nJ48kyZhXSeYG$TmIrXhieflpBoOZhCrbQBXDOdFGDXOI51unNCbe65vw', // unpadded
    'pbkdf2_sha256$01000$rYXISRrH8nJ48kyZhXSeYG$TmIrXhieflpBoOZhCrbQBXDOdFGDXOI51unNCbe65vw=',
    'pbkdf2_sha256$1000$$TmIrXhieflpBoOZhCrbQBXDOdFGDXOI51unNCbe65vw=',
    'pbkdf2_sha256$1000$rYXISRrH8nJ48kyZhXSeYG$7n1YqYg+IN7rvgqtkd7Iec+D6Fc=', // 20-byte key
    'pbkdf2_sha256$1000$rYXISRrH8nJ48kyZhXSeYG$TmIrXhieflpBoOZhCrbQBXDOdFGDXOI51unNCbe65vw=$',
  ])('malformed: %s', async (hash) => {
    await expect(django_pbkdf2_sha256.verify(utf8('secret'), hash, django_pbkdf2_sha256.defaults)).rejects.toBeInstanceOf(MalformedHashError);
  });
});

describe('django_bcrypt_sha256 / django_bcrypt', () => {
  const fast = { ...django_bcrypt.defaults, rounds: 4 };

  it('hash: Django format, readable by bcryptjs with the same pre-hash', async () => {
    const long = 'é'.repeat(60); // 120 bytes: the sha256 variant keeps all of it
    const hash = await django_bcrypt_sha256.hash(utf8(long), fast);
    expect(hash).toMatch(/^bcrypt_sha256\$\$2b\$04\$[./A-Za-z0-9]{53}$/);
    const prehash = createHash('sha256').update(long).digest('hex');
    expect(bcryptjs.compareSync(prehash, hash.slice('bcrypt_sha256$'.length))).toBe(true);
    expect(await django_bcrypt_sha256.verify(utf8(long.slice(0, 59) + 'e'), hash, fast)).toBe(false);

    const plain = await django_bcrypt.hash(utf8('secret'), fast);
    expect(bcryptjs.compareSync('secret', plain.slice('bcrypt$'.length))).toBe(true);
    await expect(django_bcrypt.hash(utf8(long), fast)).rejects.toBeInstanceOf(PasswordPolicyError);
  });

  it('errors and needsUpdate', async () => {
    const hash = fixtures.vectors.find((v) => v.scheme === 'django_bcrypt')!.hash; // cost 5
    expect(django_bcrypt.needsUpdate(hash, { ...fast, rounds: 5 }, 'exact')).toBe(false);
    expect(django_bcrypt.needsUpdate(hash, django_bcrypt.defaults, 'exact')).toBe(true);
    await expect(django_bcrypt.verify(utf8('x'), 'bcrypt$$2b$05$short', fast)).rejects.toMatchObject({ scheme: 'django_bcrypt', code: 'ERR_HASH_MALFORMED' });
    await expect(django_bcrypt.verify(utf8('x'), 'bcrypt$pbkdf2', fast)).rejects.toBeInstanceOf(MalformedHashError);
    await expect(django_bcrypt.verify(utf8('x'), hash, { ...fast, maxRounds: 4 })).rejects.toMatchObject({ scheme: 'django_bcrypt', code: 'ERR_HASH_COST_LIMIT' });
  });
});

describe('django_scrypt', () => {
  it('hash: Django 4 field order (N, salt, r, p), checked with node:crypto', async () => {
    const settings = { ...django_scrypt.defaults, N: 1024 };
    const hash = await django_scrypt.hash(utf8('pässword'), settings);
    const [prefix, n, salt, r, p, key] = hash.split('$');
    expect([prefix, n, r, p]).toEqual(['scrypt', '1024', '8', '1']);
    expect(key).toBe(scryptSync('pässword', salt!, 64, { N: 1024, r: 8, p: 1 }).toString('base64'));
    expect(await django_scrypt.verify(utf8('pässword'), hash, settings)).toBe(true);
    expect(django_scrypt.needsUpdate(hash, settings, 'exact')).toBe(false);
    expect(django_scrypt.needsUpdate(hash, django_scrypt.defaults, 'exact')).toBe(true);
    expect(django_scrypt.defaults).toMatchObject({ N: 16384, r: 8, p: 1 });
  });

  it('caps memory and parallelism before any work', async () => {
    const key = 'VMqTzzVAE8vNR36GoVJsHZN+CZNppDXpM0XG80xX3g3kpdSJ2d8mkBJ2HT1fcuj7lTTeeBWA5Tfc2TQb99ZKfw==';
    for (const params of ['1048576$salt$1024$1', '1024$salt$8$1000']) {
      const [n, salt, r, p] = params.split('$');
      await expect(django_scrypt.verify(utf8('x'), `scrypt$${n}$${salt}$${r}$${p}$${key}`, django_scrypt.defaults)).rejects.toBeInstanceOf(
        HashCostLimitError,
      );
    }
  });

  it.each([
    'scrypt$1000$r4SYD-r5BhrMKG8N7nY6Ew$8$1$VMqTzzVAE8vNR36GoVJsHZN+CZNppDXpM0XG80xX3g3kpdSJ2d8mkBJ2HT1fcuj7lTTeeBWA5Tfc2TQb99ZKfw==',
    'scrypt$1024$8$r4SYD-r5BhrMKG8N7nY6Ew$1$VMqTzzVAE8vNR36GoVJsHZN+CZNppDXpM0XG80xX3g3kpdSJ2d8mkBJ2HT1fcuj7lTTeeBWA5Tfc2TQb99ZKfw==',
    'scrypt$1024$r4SYD-r5BhrMKG8N7nY6Ew$8$1$C7VWk10ntQhEba9/myDdKdbVuD1/RFGBLVgXqkF+99U=',
  ])('malformed: %s', async (hash) => {
    await expect(django_scrypt.verify(utf8('secret'), hash, django_scrypt.defaults)).rejects.toBeInstanceOf(MalformedHashError);
  });
});

describe('django_argon2', () => {
  it('hash: argon2 + PHC, Django defaults', async () => {
    expect(django_argon2.defaults).toMatchObject({ type: 'argon2id', memoryCost: 102400, timeCost: 2, parallelism: 8 });
    const settings = { ...django_argon2.defaults, memoryCost: 64, timeCost: 1, parallelism: 2 };
    const hash = await django_argon2.hash(utf8('secret'), settings);
    expect(hash).toMatch(/^argon2\$argon2id\$v=19\$m=64,t=1,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await django_argon2.verify(utf8('secret'), hash, settings)).toBe(true);
    expect(django_argon2.needsUpdate(hash, settings, 'exact')).toBe(false);
    expect(django_argon2.needsUpdate(hash, django_argon2.defaults, 'exact')).toBe(true);
  });

  it('errors carry its own name', async () => {
    await expect(django_argon2.verify(utf8('x'), 'argon2$argon2id$v=19$m=1024,t=2,p=8$bad', django_argon2.defaults)).rejects.toMatchObject({
      scheme: 'django_argon2',
      code: 'ERR_HASH_MALFORMED',
    });
    const costly = 'argon2$argon2id$v=19$m=4194304,t=2,p=8$Rmd2NVVqeFFiVm1GSkd1MlR6YUpFYg$69wxcSsS4eEn+2Cy0N680Q';
    await expect(django_argon2.verify(utf8('x'), costly, django_argon2.defaults)).rejects.toMatchObject({ scheme: 'django_argon2', code: 'ERR_HASH_COST_LIMIT' });
  });
});
