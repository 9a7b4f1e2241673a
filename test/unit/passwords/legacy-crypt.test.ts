import { describe, expect, it } from 'vitest';
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../../src/errors.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { setNodeCryptoForTesting } from '../../../src/platform/runtime.js';
import { utf8 } from '../../../src/passwords/encodings.js';
import { apr_md5_crypt, md5_crypt } from '../../../src/passwords/schemes/md5-crypt.js';
import { sha256_crypt, sha512_crypt, type ShaCryptSettings } from '../../../src/passwords/schemes/sha-crypt.js';
import type { PasswordScheme } from '../../../src/passwords/scheme.js';
import fixtures from '../../fixtures/legacy-crypt.json' with { type: 'json' };

const schemes: Record<string, PasswordScheme<any>> = { sha256_crypt, sha512_crypt, md5_crypt, apr_md5_crypt };
const all = [
  ...fixtures.vectors,
  ...fixtures.drepper.vectors,
  ...fixtures.glibc_md5.vectors,
  ...fixtures.openssl_apr1.vectors,
];

describe('crypt family: hashes made by passlib, PHP, glibc and OpenSSL', () => {
  it.each(all.map((v, i) => ({ ...v, i })))('#$i $scheme verifies', async ({ scheme: name, password, hash }) => {
    const scheme = schemes[name]!;
    expect(scheme.identify(hash)).toBe(true);
    expect(await scheme.verify(utf8(password), hash, scheme.defaults)).toBe(true);
    expect(await scheme.verify(utf8(password + '!'), hash, scheme.defaults)).toBe(false);
  });

  it("includes Drepper's vector from the spec", () => {
    expect(fixtures.drepper.vectors).toContainEqual({
      scheme: 'sha256_crypt',
      password: 'Hello world!',
      hash: '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5',
    });
  });
});

describe('sha256_crypt / sha512_crypt', () => {
  const low = (s: PasswordScheme<ShaCryptSettings>, o: Partial<ShaCryptSettings> = {}) => ({ ...s.defaults, rounds: 1000, ...o });

  it.each([sha256_crypt, sha512_crypt])('$name hashes in passlib format and verifies its own hashes', async (scheme) => {
    const hash = await scheme.hash(utf8('pässword'), low(scheme));
    const ident = scheme === sha256_crypt ? '\\$5\\$' : '\\$6\\$';
    expect(hash).toMatch(new RegExp(`^${ident}rounds=1000\\$[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{${scheme === sha256_crypt ? 43 : 86}}$`));
    expect(await scheme.verify(utf8('pässword'), hash, scheme.defaults)).toBe(true);
    expect(await scheme.verify(utf8('password'), hash, scheme.defaults)).toBe(false);
    // 5000 rounds: passlib (and glibc) omit `rounds=`.
    expect(await scheme.hash(utf8('x'), low(scheme, { rounds: 5000 }))).toMatch(/^\$[56]\$[./0-9A-Za-z]{16}\$/);
  });

  it('the portable path (@noble/hashes, no node:crypto) gives the same answers', async () => {
    setNodeCryptoForTesting(null);
    try {
      for (const v of fixtures.drepper.vectors.filter((x) => x.hash.includes('rounds=1400$'))) {
        expect(await schemes[v.scheme]!.verify(utf8(v.password), v.hash, schemes[v.scheme]!.defaults)).toBe(true);
      }
    } finally {
      setNodeCryptoForTesting(undefined);
    }
  });

  it('defaults follow passlib', () => {
    expect(sha256_crypt.defaults.rounds).toBe(535_000);
    expect(sha512_crypt.defaults.rounds).toBe(656_000);
    expect(sha512_crypt.defaults.maxRounds).toBe(1_000_000);
  });

  it('refuses rounds over maxRounds before any work', async () => {
    const hash = '$5$rounds=999999999$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5';
    const started = performance.now();
    await expect(sha256_crypt.verify(utf8('x'), hash, sha256_crypt.defaults)).rejects.toBeInstanceOf(HashCostLimitError);
    expect(performance.now() - started).toBeLessThan(1000);
    // Raising the cap makes the same rounds acceptable.
    const drepper = fixtures.drepper.vectors.find((v) => v.hash.startsWith('$5$rounds=123456$'))!;
    await expect(
      sha256_crypt.verify(utf8(drepper.password), drepper.hash, { ...sha256_crypt.defaults, rounds: 1000, maxRounds: 100_000 }),
    ).rejects.toBeInstanceOf(HashCostLimitError);
  });

  it.each([
    '$5$rounds=999$salt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5', // below 1000
    '$5$rounds=1000000000$salt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5', // above 999,999,999
    '$5$rounds=05000$salt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5', // leading zero
    '$5$saltstringsaltstr$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5', // salt over 16
    '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc', // short checksum
    '$5$salt string$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5', // space in salt
    '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5$', // trailing field
  ])('malformed: %s', async (hash) => {
    await expect(sha256_crypt.verify(utf8('x'), hash, sha256_crypt.defaults)).rejects.toBeInstanceOf(MalformedHashError);
    expect(() => sha256_crypt.needsUpdate(hash, sha256_crypt.defaults, 'exact')).toThrow(MalformedHashError);
  });

  it('needsUpdate per policy', () => {
    const s = { ...sha512_crypt.defaults, rounds: 10_000 };
    const hash = (rounds: number) => `$6$rounds=${rounds}$0123456789abcdef$${'a'.repeat(86)}`;
    expect(sha512_crypt.needsUpdate(hash(10_000), s, 'exact')).toBe(false);
    expect(sha512_crypt.needsUpdate(hash(20_000), s, 'exact')).toBe(true);
    expect(sha512_crypt.needsUpdate(hash(20_000), s, 'minimum')).toBe(false);
    expect(sha512_crypt.needsUpdate(hash(5_000), s, 'minimum')).toBe(true);
    // A short salt (PHP's, glibc's default) is upgraded whatever the rounds.
    expect(sha512_crypt.needsUpdate(`$6$rounds=10000$abc$${'a'.repeat(86)}`, s, 'minimum')).toBe(true);
  });

  it('rejects bad settings', async () => {
    await expect(sha256_crypt.hash(utf8('x'), { ...sha256_crypt.defaults, rounds: 999 })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(sha256_crypt.hash(utf8('x'), { ...sha256_crypt.defaults, rounds: 2_000_000 })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    await expect(sha256_crypt.hash(utf8('x'), { ...sha256_crypt.defaults, rounds: 1000, saltChars: 4 })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });
});

describe('md5_crypt / apr_md5_crypt', () => {
  it('are verify-only and always need an update', () => {
    expect('hash' in md5_crypt).toBe(false);
    expect('hash' in apr_md5_crypt).toBe(false);
    expect(md5_crypt.needsUpdate('$1$f3J6rRYD$YLlCJifCk38cRDgZWYrt/.', {}, 'minimum')).toBe(true);
  });

  it('md5_crypt does not claim $apr1$ and vice versa', () => {
    expect(md5_crypt.identify('$apr1$nMOpvRV8$7pZb1z2L/F4AmJKJE6eM80')).toBe(false);
    expect(apr_md5_crypt.identify('$1$f3J6rRYD$YLlCJifCk38cRDgZWYrt/.')).toBe(false);
  });

  it.each(['$1$saltsaltx$7fq7ZEc75157blrz18yX./', '$1$saltsalt$7fq7ZEc75157blrz18yX.', '$1$saltsalt'])('malformed: %s', async (hash) => {
    await expect(md5_crypt.verify(utf8('abc'), hash, {})).rejects.toBeInstanceOf(MalformedHashError);
  });

  it('a context upgrades them to its default at login', async () => {
    const context = new CryptContext({ schemes: [sha512_crypt, md5_crypt], settings: { sha512_crypt: { rounds: 1000 } } });
    const result = await context.verifyAndUpdate('secret', '$1$f3J6rRYD$YLlCJifCk38cRDgZWYrt/.');
    expect(result.valid).toBe(true);
    expect(context.identify(result.newHash)).toBe('sha512_crypt');
    expect(await context.verify('secret', result.newHash)).toBe(true);
  });
});
