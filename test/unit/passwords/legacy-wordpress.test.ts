import { createHmac } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { HashCostLimitError, MalformedHashError, UnsupportedHashError } from '../../../src/errors.js';
import { utf8 } from '../../../src/passwords/encodings.js';
import { phpass, wordpress_bcrypt } from '../../../src/passwords/schemes/wordpress.js';
import type { PasswordScheme } from '../../../src/passwords/scheme.js';
import { setNodeCryptoForTesting } from '../../../src/platform/runtime.js';
import fixtures from '../../fixtures/legacy-wordpress.json' with { type: 'json' };

const schemes: Record<string, PasswordScheme<any>> = { phpass, wordpress_bcrypt };
const fast = { ...wordpress_bcrypt.defaults, rounds: 4 };

describe('wordpress family: hashes made by passlib and PHP', () => {
  it.each(fixtures.vectors.map((v, i) => ({ ...v, i })))('#$i $scheme verifies', async ({ scheme: name, password, hash }) => {
    const scheme = schemes[name]!;
    expect(scheme.identify(hash)).toBe(true);
    expect(await scheme.verify(utf8(password), hash, scheme.defaults)).toBe(true);
    expect(await scheme.verify(utf8(password + '!'), hash, scheme.defaults)).toBe(false);
  });
});

describe('phpass', () => {
  // From passlib's own phpass test vectors.
  it.each([
    ['test12345', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'],
    ['test12345', '$H$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'],
  ])('%s -> %s', async (password, hash) => {
    expect(await phpass.verify(utf8(password), hash, phpass.defaults)).toBe(true);
    expect(await phpass.verify(utf8('test1234'), hash, phpass.defaults)).toBe(false);
  });

  it('the portable MD5 gives the same answers', async () => {
    setNodeCryptoForTesting(null);
    try {
      const v = fixtures.vectors.find((x) => x.scheme === 'phpass')!;
      expect(await phpass.verify(utf8(v.password), v.hash, phpass.defaults)).toBe(true);
    } finally {
      setNodeCryptoForTesting(undefined);
    }
  });

  it('is verify-only and always needs an update', () => {
    expect('hash' in phpass).toBe(false);
    expect(phpass.needsUpdate('$P$6bv8pKB1DOud6Ygu.0XL3fde5U09xn/', phpass.defaults, 'minimum')).toBe(true);
  });

  it('refuses a cost above maxRoundsLog2 before any work', async () => {
    const hash = '$P$zbv8pKB1DOud6Ygu.0XL3fde5U09xn/'; // 'z' = 2^63: outside phpass's 7..30
    await expect(phpass.verify(utf8('x'), hash, phpass.defaults)).rejects.toBeInstanceOf(MalformedHashError);
    const costly = '$P$Sbv8pKB1DOud6Ygu.0XL3fde5U09xn/'; // 'S' = 2^30
    await expect(phpass.verify(utf8('x'), costly, phpass.defaults)).rejects.toBeInstanceOf(HashCostLimitError);
    await expect(phpass.verify(utf8('secret'), '$P$6bv8pKB1DOud6Ygu.0XL3fde5U09xn/', { maxRoundsLog2: 7 })).rejects.toBeInstanceOf(
      HashCostLimitError,
    );
  });

  it.each(['$P$6bv8pKB1DOud6Ygu.0XL3fde5U09xn', '$P$6bv8pKB1DOud6Ygu.0XL3fde5U09xn/x', '$P$6bv8pKB1DOud6Ygu 0XL3fde5U09xn/', '$P$4bv8pKB1DOud6Ygu.0XL3fde5U09xn/'])(
    'malformed: %s',
    async (hash) => {
      await expect(phpass.verify(utf8('secret'), hash, phpass.defaults)).rejects.toBeInstanceOf(MalformedHashError);
    },
  );
});

describe('wordpress_bcrypt', () => {
  /** WordPress 6.8's wp_hash_password, rebuilt with node:crypto and bcryptjs (independent of the scheme). */
  const wordpressHash = (password: string) =>
    '$wp' + bcryptjs.hashSync(createHmac('sha384', 'wp-sha384').update(password.trim()).digest('base64'), 4).replace(/^\$2b\$/, '$2y$');

  it('verifies hashes made the way WordPress makes them', async () => {
    for (const password of ['hunter2', 'ünïcödé', 'x'.repeat(200)]) {
      const hash = wordpressHash(password);
      expect(await wordpress_bcrypt.verify(utf8(password), hash, fast)).toBe(true);
      expect(await wordpress_bcrypt.verify(utf8(password.slice(1)), hash, fast)).toBe(false);
    }
  });

  it('PHP-trims the password (" \\t\\n\\r\\0\\x0B"), as WordPress does when hashing and at login', async () => {
    const hash = wordpressHash('secret');
    for (const padded of [' secret', 'secret\n', '\t\r\0\x0bsecret \x0b']) {
      expect(await wordpress_bcrypt.verify(utf8(padded), hash, fast)).toBe(true);
    }
    // Not trimmed: other Unicode spaces, and inner spaces.
    expect(await wordpress_bcrypt.verify(utf8('secret\u00a0'), hash, fast)).toBe(false);
    expect(await wordpress_bcrypt.verify(utf8('sec ret'), hash, fast)).toBe(false);
  });

  it('hashes in WordPress format, readable by plain bcrypt of the pre-hash', async () => {
    const hash = await wordpress_bcrypt.hash(utf8('  correct horse  '), fast);
    expect(hash).toMatch(/^\$wp\$2y\$04\$[./A-Za-z0-9]{53}$/);
    const prehash = createHmac('sha384', 'wp-sha384').update('correct horse').digest('base64');
    expect(bcryptjs.compareSync(prehash, hash.slice(3))).toBe(true);
    expect(await wordpress_bcrypt.verify(utf8('correct horse'), hash, fast)).toBe(true);
    expect(wordpress_bcrypt.defaults.rounds).toBe(10);
    expect(wordpress_bcrypt.needsUpdate(hash, fast, 'exact')).toBe(false);
    expect(wordpress_bcrypt.needsUpdate(hash, wordpress_bcrypt.defaults, 'exact')).toBe(true);
  });

  it('errors carry its own name', async () => {
    const bad = '$wp$2y$05$sjYWAKqt0AQgJZ5Ru96dH.eGXPZ9n7hua4a/zA3WGm8aBSrNxFjV';
    await expect(wordpress_bcrypt.verify(utf8('x'), bad, fast)).rejects.toMatchObject({ scheme: 'wordpress_bcrypt', code: 'ERR_HASH_MALFORMED' });
    await expect(wordpress_bcrypt.verify(utf8('x'), '$wp$P$6bv8pKB1DOud6Ygu.0XL3fde5U09xn/', fast)).rejects.toBeInstanceOf(MalformedHashError);
    const costly = '$wp$2y$25$sjYWAKqt0AQgJZ5Ru96dH.eGXPZ9n7hua4a/zA3WGm8aBSrNxFjVi';
    await expect(wordpress_bcrypt.verify(utf8('x'), costly, fast)).rejects.toBeInstanceOf(HashCostLimitError);
    const buggy = '$wp$2x$05$sjYWAKqt0AQgJZ5Ru96dH.eGXPZ9n7hua4a/zA3WGm8aBSrNxFjVi';
    await expect(wordpress_bcrypt.verify(utf8('x'), buggy, fast)).rejects.toBeInstanceOf(UnsupportedHashError);
  });
});
