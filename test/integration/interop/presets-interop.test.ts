import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashPassword as betterAuthHash, verifyPassword as betterAuthVerify } from '@better-auth/utils/password';
import { describe, expect, it } from 'vitest';
import { presets, type CryptContext } from '../../../src/index.js';

/**
 * Proof by the old systems: every hash gatehouse writes in coexistence mode is accepted by the old
 * system's own check (and refused with a wrong password), and the old system would not rehash it
 * (no ping-pong between the two apps). Django 3.2, Werkzeug 2.2, passlib 1.7.4 and argon2-cffi from
 * Debian (/usr/bin/python3), PHP 8.2's password_verify, better-auth's own verifyPassword. In CI
 * (CI=true) a missing system fails instead of skipping.
 */
const python = '/usr/bin/python3';
const php = '/usr/bin/php';
const inCi = process.env.CI === 'true';
const pythonHas = existsSync(python) && spawnSync(python, ['-c', 'import django, werkzeug, passlib, bcrypt, argon2'], { stdio: 'ignore' }).status === 0;
const phpHas = existsSync(php) && spawnSync(php, ['-r', 'exit(defined("PASSWORD_ARGON2ID") ? 0 : 1);'], { stdio: 'ignore' }).status === 0;

type Item = { system: string; password: string; hash: string } & Record<string, unknown>;
type Verdict = { valid: boolean; wrong: boolean; rehash: boolean | null };

function run(command: string, script: string, items: Item[]): Verdict[] {
  const path = fileURLToPath(new URL(`./checks/${script}`, import.meta.url));
  const result = spawnSync(command, [path], { input: JSON.stringify({ items }), encoding: 'utf8', maxBuffer: 1 << 24 });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Verdict[];
}

const PASSWORDS = ['secret', 'correct horse battery staple', 'pässwörd ✓ 🔐', ' padded ', 'x'.repeat(100)];

/** Hash every password with the context; the first one at the context's own cost. */
async function hashes(context: CryptContext, system: string, extra: Record<string, unknown> = {}, passwords = PASSWORDS): Promise<Item[]> {
  const items: Item[] = [];
  for (const password of passwords) items.push({ system, password, hash: await context.hash(password), ...extra });
  return items;
}

function expectAccepted(items: Item[], verdicts: Verdict[], rehash: boolean | null = false): void {
  expect(verdicts).toHaveLength(items.length);
  verdicts.forEach((verdict, i) => expect({ hash: items[i]!.hash, ...verdict }).toEqual({ hash: items[i]!.hash, valid: true, wrong: false, rehash }));
}

describe('the systems are there', () => {
  it.runIf(inCi)('in CI, Django, Werkzeug, passlib, argon2-cffi and PHP (with Argon2) are installed', () => {
    expect({ pythonHas, phpHas }).toEqual({ pythonHas: true, phpHas: true });
  });
});

describe.skipIf(!pythonHas && !inCi)('Python systems accept what coexistence writes', () => {
  it("Django's check_password: pbkdf2_sha256 at Django 6.1's 1,500,000 iterations and at the deployment's own", async () => {
    const items = [
      ...(await hashes(presets.django({ coexist: true }), 'django', { iterations: 1_500_000 }, ['secret'])),
      ...(await hashes(presets.django({ coexist: true, iterations: 260_000 }), 'django', { iterations: 260_000 }, ['pässwörd ✓ 🔐'])),
      ...(await hashes(presets.django({ coexist: true, iterations: 1000 }), 'django', { iterations: 1000 })),
    ];
    expect(items[0]!.hash).toMatch(/^pbkdf2_sha256\$1500000\$/);
    expectAccepted(items, run(python, 'presets_check.py', items));
    // And Django 3.2 (260,000 iterations) rehashes a 1,500,000 one: why `iterations` must match the deployment.
    expect(run(python, 'presets_check.py', [{ ...items[0]!, iterations: 260_000 }])[0]).toMatchObject({ valid: true, rehash: true });
  });

  it("Django's check_password: the other first hashers (pbkdf2_sha1, argon2, bcrypt_sha256)", async () => {
    const items = [
      ...(await hashes(presets.django({ coexist: true, hasher: 'pbkdf2_sha1', iterations: 1000 }), 'django', { hasher: 'pbkdf2_sha1', iterations: 1000 })),
      // As Django with argon2-cffi >= 21.2 writes them (32-byte hashes; Debian 12's 21.1 writes 16).
      ...(await hashes(presets.django({ coexist: true, hasher: 'argon2' }), 'django', { hasher: 'argon2', argon2_hash_len: 32 }, ['secret', ' padded '])),
      ...(await hashes(presets.django({ coexist: true, hasher: 'bcrypt_sha256' }), 'django', { hasher: 'bcrypt_sha256' }, ['secret', 'x'.repeat(100)])),
    ];
    expectAccepted(items, run(python, 'presets_check.py', items));
  });

  it("Werkzeug's check_password_hash: scrypt:32768:8:1, and pbkdf2:sha256 for Werkzeug < 2.3", async () => {
    const items = [
      ...(await hashes(presets.werkzeug({ coexist: true }), 'werkzeug')),
      ...(await hashes(presets.werkzeug({ coexist: true, method: 'pbkdf2', iterations: 1000 }), 'werkzeug')),
      ...(await hashes(presets.werkzeug({ coexist: true, method: 'pbkdf2' }), 'werkzeug', {}, ['secret'])),
    ];
    expect(items[0]!.hash).toMatch(/^scrypt:32768:8:1\$/);
    expect(items.at(-1)!.hash).toMatch(/^pbkdf2:sha256:1000000\$/);
    expectAccepted(items, run(python, 'presets_check.py', items), null);
  });

  it("passlib's CryptContext(schemes=['bcrypt']).verify: passlib's and the FastAPI seed's $2b$12$", async () => {
    const items = [
      ...(await hashes(presets.passlib({ coexist: true }), 'passlib', {}, ['secret', 'pässwörd ✓ 🔐'])),
      ...(await hashes(presets.fastapi({ coexist: true, library: 'passlib' }), 'passlib', {}, ['correct horse battery staple'])),
      ...(await hashes(presets.passlib({ coexist: true, rounds: 4 }), 'passlib', {}, PASSWORDS.slice(0, 4))),
    ];
    expect(items[0]!.hash).toMatch(/^\$2b\$12\$/);
    expectAccepted(items, run(python, 'presets_check.py', items));
  });

  it("pwdlib's argon2 (argon2-cffi at PasswordHash.recommended()'s parameters): FastAPI's current tutorial", async () => {
    const items = await hashes(presets.fastapi({ coexist: true }), 'pwdlib', {}, ['secret', 'pässwörd ✓ 🔐', 'x'.repeat(100)]);
    expectAccepted(items, run(python, 'presets_check.py', items));
  });
});

describe.skipIf(!phpHas && !inCi)('PHP accepts what coexistence writes', () => {
  it("password_verify and password_needs_rehash: PHP 8.4's / Laravel's $2y$12$, and the Argon2 variants", async () => {
    const items = [
      ...(await hashes(presets.php({ coexist: true }), 'php', { cost: 12 }, ['secret', 'pässwörd ✓ 🔐'])),
      ...(await hashes(presets.php({ coexist: true, cost: 4 }), 'php', { cost: 4 }, PASSWORDS.slice(0, 4))),
      ...(await hashes(presets.php({ coexist: true, algorithm: 'argon2id' }), 'php', { algorithm: 'argon2id' }, ['secret'])),
      ...(await hashes(presets.php({ coexist: true, algorithm: 'argon2i' }), 'php', { algorithm: 'argon2i' }, ['pässwörd ✓ 🔐'])),
    ];
    expect(items[0]!.hash).toMatch(/^\$2y\$12\$/);
    expectAccepted(items, run(php, 'presets_check.php', items));
  });

  it("WordPress 6.8's $wp$ rule, re-done in PHP: $wp$2y$12$ (PHP >= 8.4) and $wp$2y$10$", async () => {
    const items = [
      ...(await hashes(presets.wordpress({ coexist: true }), 'wordpress', { cost: 12 }, ['secret', 'x'.repeat(100)])),
      ...(await hashes(presets.wordpress({ coexist: true, cost: 10 }), 'wordpress', { cost: 10 })),
    ];
    expect(items[0]!.hash).toMatch(/^\$wp\$2y\$12\$/);
    expectAccepted(items, run(php, 'presets_check.php', items));
    // WordPress trims the password at login: ' padded ' and 'padded' are one password on both sides.
    const padded = items.find((item) => item.password === ' padded ')!;
    expect(run(php, 'presets_check.php', [{ ...padded, password: 'padded' }])[0]).toMatchObject({ valid: true });
  });
});

describe("better-auth's own verifyPassword accepts what coexistence writes", () => {
  it('and gatehouse reads what better-auth writes', async () => {
    const ctx = presets.betterAuth({ coexist: true });
    for (const password of ['secret', 'pässwörd ✓ 🔐', 'ｆｕｌｌｗｉｄｔｈ']) {
      const hash = await ctx.hash(password);
      expect(await betterAuthVerify(hash, password)).toBe(true);
      expect(await betterAuthVerify(hash, `y${password}`)).toBe(false);
      const theirs = await betterAuthHash(password);
      expect(await ctx.verify(password, theirs)).toBe(true);
      expect(ctx.needsUpdate(theirs)).toBe(false);
    }
  });
});
