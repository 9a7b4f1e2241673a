import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CryptContext } from '../src/index.js';

/**
 * Hashes gatehouse produces are read by passlib 1.7.4 itself (Debian's python3-passlib, installed
 * by .ci/run): same identification, verify true for the password and false for another, and an
 * identical re-serialisation (so the format is passlib's to the letter).
 */
const python = '/usr/bin/python3';
const script = fileURLToPath(new URL('./interop/passlib_check.py', import.meta.url));
const havePasslib =
  existsSync(python) && spawnSync(python, ['-c', 'import passlib, bcrypt'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!havePasslib)('passlib reads the hashes gatehouse writes', () => {
  it('bcrypt, scrypt and pbkdf2 in every configured variant', async () => {
    const cases: Array<{ scheme: string; settings: Record<string, unknown> }> = [
      { scheme: 'bcrypt', settings: { rounds: 4 } },
      { scheme: 'bcrypt', settings: { rounds: 5, ident: '2a' } },
      { scheme: 'bcrypt', settings: { rounds: 4, ident: '2y' } },
      { scheme: 'scrypt', settings: { ln: 10, r: 8, p: 1 } },
      { scheme: 'scrypt', settings: { ln: 8, r: 4, p: 2 } },
      { scheme: 'pbkdf2_sha256', settings: { rounds: 1000 } },
      { scheme: 'pbkdf2_sha512', settings: { rounds: 1000 } },
      { scheme: 'pbkdf2_sha1', settings: { rounds: 1000 } },
    ];
    const passwords = ['secret', '', 'pässwörd ✓', 'x'.repeat(72)];
    const items: Array<{ scheme: string; password: string; hash: string }> = [];
    for (const { scheme, settings } of cases) {
      const ctx = new CryptContext({ schemes: [scheme], settings: { [scheme]: settings } });
      for (const password of passwords) items.push({ scheme, password, hash: await ctx.hash(password) });
    }
    const run = spawnSync(python, [script], { input: JSON.stringify(items), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(results).toHaveLength(items.length);
    results.forEach((result, i) => {
      expect({ hash: items[i]!.hash, ...result }).toEqual({
        hash: items[i]!.hash,
        identified: items[i]!.scheme,
        valid: true,
        wrong: false,
        roundtrip: true,
      });
    });
  });
});
