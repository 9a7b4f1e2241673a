import { pbkdf2Sync, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashCostLimitError, MalformedHashError } from '../../../src/errors.js';
import { utf8 } from '../../../src/passwords/encodings.js';
import { werkzeug_pbkdf2, werkzeug_scrypt } from '../../../src/passwords/schemes/werkzeug.js';
import type { PasswordScheme } from '../../../src/passwords/scheme.js';
import fixtures from '../../fixtures/legacy-werkzeug.json' with { type: 'json' };

const schemes: Record<string, PasswordScheme<any>> = { werkzeug_pbkdf2, werkzeug_scrypt };

describe("werkzeug family: Werkzeug's format", () => {
  it.each(fixtures.vectors.map((v, i) => ({ ...v, i })))('#$i $scheme verifies', async ({ scheme: name, password, hash }) => {
    const scheme = schemes[name]!;
    expect(Object.values(schemes).filter((s) => s.identify(hash))).toEqual([scheme]);
    expect(await scheme.verify(utf8(password), hash, scheme.defaults)).toBe(true);
    expect(await scheme.verify(utf8(password + '!'), hash, scheme.defaults)).toBe(false);
  });

  it('hashes like Werkzeug, checked with node:crypto', async () => {
    const p = await werkzeug_pbkdf2.hash(utf8('pässword'), { ...werkzeug_pbkdf2.defaults, rounds: 1000 });
    const [method, salt, hex] = p.split('$');
    expect(method).toBe('pbkdf2:sha256:1000');
    expect(salt).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(hex).toBe(pbkdf2Sync('pässword', salt!, 1000, 32, 'sha256').toString('hex'));
    const s512 = await werkzeug_pbkdf2.hash(utf8('x'), { ...werkzeug_pbkdf2.defaults, digest: 'sha512', rounds: 1000 });
    expect(await werkzeug_pbkdf2.verify(utf8('x'), s512, werkzeug_pbkdf2.defaults)).toBe(true);

    const settings = { ...werkzeug_scrypt.defaults, N: 1024 };
    const s = await werkzeug_scrypt.hash(utf8('pässword'), settings);
    const [smethod, ssalt, shex] = s.split('$');
    expect(smethod).toBe('scrypt:1024:8:1');
    expect(shex).toBe(scryptSync('pässword', ssalt!, 64, { N: 1024, r: 8, p: 1 }).toString('hex'));
    expect(werkzeug_scrypt.defaults).toMatchObject({ N: 32768, r: 8, p: 1 });
    expect(werkzeug_pbkdf2.defaults.rounds).toBe(1_000_000);
  });

  it('needsUpdate per policy', () => {
    const hash = fixtures.vectors.find((v) => v.hash.startsWith('pbkdf2:sha256:1000$'))!.hash;
    const s = { ...werkzeug_pbkdf2.defaults, rounds: 1000 };
    expect(werkzeug_pbkdf2.needsUpdate(hash, s, 'exact')).toBe(false);
    expect(werkzeug_pbkdf2.needsUpdate(hash, werkzeug_pbkdf2.defaults, 'exact')).toBe(true);
    expect(werkzeug_pbkdf2.needsUpdate(hash, { ...s, digest: 'sha512' }, 'minimum')).toBe(true);
    const sh = fixtures.vectors.find((v) => v.scheme === 'werkzeug_scrypt')!.hash; // 1024:8:1
    expect(werkzeug_scrypt.needsUpdate(sh, { ...werkzeug_scrypt.defaults, N: 1024 }, 'exact')).toBe(false);
    expect(werkzeug_scrypt.needsUpdate(sh, werkzeug_scrypt.defaults, 'minimum')).toBe(true);
  });

  it('caps costs before any work', async () => {
    const hex64 = 'ab'.repeat(64);
    await expect(werkzeug_scrypt.verify(utf8('x'), `scrypt:16777216:8:1$salt$${hex64}`, werkzeug_scrypt.defaults)).rejects.toBeInstanceOf(HashCostLimitError);
    await expect(werkzeug_scrypt.verify(utf8('x'), `scrypt:1024:8:64$salt$${hex64}`, werkzeug_scrypt.defaults)).rejects.toBeInstanceOf(HashCostLimitError);
    await expect(werkzeug_pbkdf2.verify(utf8('x'), `pbkdf2:sha256:4000000000$salt$${'ab'.repeat(32)}`, werkzeug_pbkdf2.defaults)).rejects.toBeInstanceOf(
      HashCostLimitError,
    );
  });

  it.each([
    'pbkdf2:sha256$iM3VWQOm2-bB3cot$61c186b9647e06bde95a05195734d4b1e47d6977b4c2051af18a9e1df46c2e65', // iterations left to the version
    'pbkdf2$iM3VWQOm2-bB3cot$61c186b9647e06bde95a05195734d4b1e47d6977b4c2051af18a9e1df46c2e65',
    'pbkdf2:md5:1000$iM3VWQOm2-bB3cot$61c186b9647e06bde95a05195734d4b1',
    'pbkdf2:sha256:1000$iM3VWQOm2-bB3cot$61C186B9647E06BDE95A05195734D4B1E47D6977B4C2051AF18A9E1DF46C2E65', // uppercase
    'pbkdf2:sha256:1000$iM3VWQOm2-bB3cot$61c186b9647e06bde95a05195734d4b1e47d6977b4c2051af18a9e1df46c2e', // short
    'pbkdf2:sha256:1000$$61c186b9647e06bde95a05195734d4b1e47d6977b4c2051af18a9e1df46c2e65',
    'scrypt:1000:8:1$salt$' + 'ab'.repeat(64),
    'scrypt:1024:8$salt$' + 'ab'.repeat(64),
    'scrypt:1024:8:1$salt$' + 'ab'.repeat(32),
  ])('malformed: %s', async (hash) => {
    const scheme: PasswordScheme<any> = hash.startsWith('scrypt') ? werkzeug_scrypt : werkzeug_pbkdf2;
    await expect(scheme.verify(utf8('secret'), hash, scheme.defaults)).rejects.toBeInstanceOf(MalformedHashError);
  });
});
