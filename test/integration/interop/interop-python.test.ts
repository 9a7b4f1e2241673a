import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CryptContext, createAccessToken } from '../../../src/index.js';

/**
 * Hashes gatehouse produces are read by passlib 1.7.4 itself (Debian's python3-passlib, installed
 * by .ci/run): same identification, verify true for the password and false for another, and an
 * identical re-serialisation (so the format is passlib's to the letter). Tokens gatehouse issues
 * are decoded by PyJWT, as the FastAPI tutorial does.
 */
const python = '/usr/bin/python3';
const canImport = (modules: string) =>
  existsSync(python) && spawnSync(python, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
const havePasslib = canImport('passlib, bcrypt');
const havePyJwt = canImport('jwt');

function runPython(name: string, input: unknown): unknown {
  const script = fileURLToPath(new URL(`./checks/${name}`, import.meta.url));
  const run = spawnSync(python, [script], { input: JSON.stringify(input), encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout);
}

describe.skipIf(!havePasslib)('passlib reads the hashes gatehouse writes', () => {
  it('bcrypt, scrypt, pbkdf2, SHA-crypt, bcrypt_sha256 and the Django formats', async () => {
    const cases: Array<{ scheme: string; settings: Record<string, unknown> }> = [
      { scheme: 'bcrypt', settings: { rounds: 4 } },
      { scheme: 'bcrypt', settings: { rounds: 5, ident: '2a' } },
      { scheme: 'bcrypt', settings: { rounds: 4, ident: '2y' } },
      { scheme: 'scrypt', settings: { ln: 10, r: 8, p: 1 } },
      { scheme: 'scrypt', settings: { ln: 8, r: 4, p: 2 } },
      { scheme: 'pbkdf2_sha256', settings: { rounds: 1000 } },
      { scheme: 'pbkdf2_sha512', settings: { rounds: 1000 } },
      { scheme: 'pbkdf2_sha1', settings: { rounds: 1000 } },
      { scheme: 'sha256_crypt', settings: { rounds: 5000 } },
      { scheme: 'sha256_crypt', settings: { rounds: 12345 } },
      { scheme: 'sha512_crypt', settings: { rounds: 5000 } },
      { scheme: 'bcrypt_sha256', settings: { rounds: 4 } },
      { scheme: 'django_pbkdf2_sha256', settings: { rounds: 1000 } },
      { scheme: 'django_pbkdf2_sha1', settings: { rounds: 1000 } },
      { scheme: 'django_bcrypt', settings: { rounds: 4 } },
      { scheme: 'django_bcrypt_sha256', settings: { rounds: 4 } },
    ];
    const passwords = ['secret', '', 'pässwörd ✓', 'x'.repeat(72)];
    const items: Array<{ scheme: string; password: string; hash: string }> = [];
    for (const { scheme, settings } of cases) {
      const ctx = new CryptContext({ schemes: [scheme], settings: { [scheme]: settings } });
      for (const password of passwords) items.push({ scheme, password, hash: await ctx.hash(password) });
    }
    const results = runPython('passlib_check.py', items) as Array<Record<string, unknown>>;
    expect(results).toHaveLength(items.length);
    results.forEach((result, i) => {
      expect({ hash: items[i]!.hash, ...result }).toEqual({
        hash: items[i]!.hash,
        identified: items[i]!.scheme,
        valid: true,
        wrong: false,
        roundtrip: items[i]!.scheme === 'django_bcrypt' ? null : true,
      });
    });
  });
});

describe.skipIf(!havePyJwt)('PyJWT reads the tokens gatehouse issues', () => {
  it('HS256/384/512 with the seed-style hex secret, and rejects a token signed with another key', async () => {
    const secret = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
    const exp = Math.floor(Date.now() / 1000) + 30 * 60;
    const tokens = [];
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      // the seed's secret: the UTF-8 bytes of 64 hex characters, long enough for HS512 too
      tokens.push({ alg, token: await createAccessToken({ sub: 'johndoe', scope: 'me items' }, { key: secret, algorithm: alg, expiresIn: '30m' }) });
    }
    const forged = await createAccessToken({ sub: 'johndoe' }, { key: 'f'.repeat(64), expiresIn: '30m' });
    const seen = runPython('pyjwt_check.py', { secret, tokens: [tokens[0], { alg: 'HS256', token: forged }] }) as unknown[];
    expect(seen[0]).toEqual({ header: { alg: 'HS256', typ: 'JWT' }, claims: { sub: 'johndoe', scope: 'me items', exp: expect.any(Number) } });
    expect(Math.abs((seen[0] as { claims: { exp: number } }).claims.exp - exp)).toBeLessThanOrEqual(2);
    expect(seen[1]).toEqual({ error: 'InvalidSignatureError' });
    for (const { alg, token } of tokens.slice(1)) {
      const [result] = runPython('pyjwt_check.py', { secret, tokens: [{ alg, token }] }) as Array<{ header: unknown }>;
      expect(result).toMatchObject({ header: { alg, typ: 'JWT' }, claims: { sub: 'johndoe', scope: 'me items' } });
    }
  });
});
