import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MalformedHashError } from '../../../src/errors.js';
import { utf8 } from '../../../src/passwords/encodings.js';
import { better_auth_scrypt } from '../../../src/passwords/schemes/better-auth.js';
import fixtures from '../../fixtures/legacy-better-auth.json' with { type: 'json' };

describe('better_auth_scrypt: hashes made by @better-auth/utils', () => {
  it.each(fixtures.vectors.map((v, i) => ({ ...v, i })))('#$i verifies', async ({ password, hash }) => {
    expect(better_auth_scrypt.identify(hash)).toBe(true);
    expect(await better_auth_scrypt.verify(utf8(password), hash, {})).toBe(true);
    expect(await better_auth_scrypt.verify(utf8(password + '!'), hash, {})).toBe(false);
  });

  it('NFKC-normalises the password', async () => {
    // U+FB01 (the "fi" ligature) and "e" + combining acute normalise to "fi" and "é".
    const hash = await better_auth_scrypt.hash(utf8('\ufb01n\u00e9'), {});
    expect(await better_auth_scrypt.verify(utf8('fine\u0301'), hash, {})).toBe(true);
    expect(await better_auth_scrypt.verify(utf8('fine'), hash, {})).toBe(false);
  });

  it('hashes in better-auth format, checked with node:crypto (salt = the hex string)', async () => {
    const hash = await better_auth_scrypt.hash(utf8('secret'), {});
    const [salt, key] = hash.split(':');
    expect(salt).toMatch(/^[0-9a-f]{32}$/);
    expect(key).toBe(scryptSync('secret', salt!, 64, { N: 16384, r: 16, p: 1, maxmem: 64 * 1024 * 1024 }).toString('hex'));
    expect(better_auth_scrypt.needsUpdate(hash, {}, 'exact')).toBe(false);
  });

  it.each(['abc:def', `${'a'.repeat(32)}:${'b'.repeat(126)}`, `${'A'.repeat(32)}:${'b'.repeat(128)}`])('malformed: %s', async (hash) => {
    await expect(better_auth_scrypt.verify(utf8('x'), hash, {})).rejects.toBeInstanceOf(MalformedHashError);
  });
});
