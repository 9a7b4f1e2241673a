/**
 * The hashing pool (src/passwords/pool/hashing-pool.ts) with the built worker (dist/hash-worker.js,
 * needs `npm run build`): same bytes as the main thread, a killed worker's job fails with
 * HashingWorkerError and the worker is replaced, a worker that cannot start turns the pool off,
 * and a process that hashed through the pool exits on its own (unref'd workers).
 */
import { execFile } from 'node:child_process';
import { pbkdf2Sync, scryptSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as threads from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, HashingWorkerError } from '../../../src/errors.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { toHex, utf8 } from '../../../src/passwords/encodings.js';
import { argon2Derive, type Argon2Params } from '../../../src/passwords/kdf/argon2.js';
import { bcryptDigest } from '../../../src/passwords/kdf/bcrypt.js';
import { phpassDigest } from '../../../src/passwords/kdf/phpass.js';
import { shaCryptDigest } from '../../../src/passwords/kdf/sha-crypt.js';
import { configureHashingPool, HashingPool } from '../../../src/passwords/pool/hashing-pool.js';

const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));
const WORKER = pathToFileURL(`${DIST}passwords/pool/hash-worker.js`);
if (!existsSync(fileURLToPath(WORKER))) throw new Error('dist/passwords/pool/hash-worker.js is missing: run `npm run build` first');

const salt = utf8('somesaltsomesalt');
const params: Argon2Params = { type: 'argon2id', version: 0x13, m: 256, t: 2, p: 2, dkLen: 32 };

const pools: HashingPool[] = [];
function newPool(size: number, url: URL = WORKER): HashingPool {
  const pool = new HashingPool(threads, url, size);
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function ready(pool: HashingPool, count = 1): Promise<void> {
  await pool.warm();
  while (pool.readyWorkers < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('hashing pool', () => {
  it('starts lazily: the first job runs on the caller (null) while the workers boot', async () => {
    const pool = newPool(1);
    expect(pool.run('argon2', [utf8('pw'), salt, params])).toBeNull();
    await ready(pool);
    const pooled = pool.run<Uint8Array>('argon2', [utf8('pw'), salt, params]);
    expect(pooled).toBeInstanceOf(Promise);
    expect(await pooled).toHaveLength(32);
  });

  it('gives the same bytes as the main thread (argon2 d/i/id, both versions; bcrypt)', async () => {
    const pool = newPool(2);
    await ready(pool, 2);
    for (const type of ['argon2d', 'argon2i', 'argon2id'] as const) {
      for (const version of [0x10, 0x13] as const) {
        const p = { ...params, type, version, secret: utf8('key'), ad: utf8('data') };
        const local = await argon2Derive(utf8('pässword'), salt, p, { path: 'wasm-simd' });
        expect(toHex(await pool.run<Uint8Array>('argon2', [utf8('pässword'), salt, p])!)).toBe(toHex(local));
      }
    }
    const key = utf8('secret\0');
    const local = await bcryptDigest(key, salt, 6, { core: 'wasm' });
    expect(toHex(await pool.run<Uint8Array>('bcrypt', [key, salt, 6])!)).toBe(toHex(local));
  });

  it('gives the same bytes as the main thread for the iterated-digest legacy schemes (sha-crypt, phpass)', async () => {
    const pool = newPool(1);
    await ready(pool);
    for (const name of ['sha256', 'sha512'] as const) {
      const local = await shaCryptDigest(name, utf8('pässword'), utf8('saltsalt'), 5000);
      expect(toHex(await pool.run<Uint8Array>('sha-crypt', [name, utf8('pässword'), utf8('saltsalt'), 5000])!)).toBe(toHex(local));
    }
    const local = await phpassDigest(utf8('pässword'), utf8('12345678'), 11);
    expect(toHex(await pool.run<Uint8Array>('phpass', [utf8('pässword'), utf8('12345678'), 11])!)).toBe(toHex(local));
  });

  it("gives node:crypto's bytes for scrypt and PBKDF2", async () => {
    const pool = newPool(1);
    await ready(pool);
    const job = { N: 1024, r: 8, p: 2, dkLen: 64, maxmem: 32 << 20 };
    const expected = scryptSync(utf8('pässword'), salt, 64, { N: 1024, r: 8, p: 2 });
    expect(toHex(await pool.run<Uint8Array>('scrypt', [utf8('pässword'), salt, job])!)).toBe(expected.toString('hex'));
    for (const [hash, name] of [['SHA-1', 'sha1'], ['SHA-256', 'sha256'], ['SHA-512', 'sha512']] as const) {
      for (const password of [utf8('pässword'), new Uint8Array(0)]) {
        const want = pbkdf2Sync(password, salt, 1000, 40, name).toString('hex');
        expect(toHex(await pool.run<Uint8Array>('pbkdf2', [hash, password, salt, 1000, 40])!)).toBe(want);
      }
    }
    // A job beyond its maxmem is refused there as OpenSSL refuses it, and the worker stays.
    await expect(pool.run('scrypt', [utf8('pw'), salt, { ...job, maxmem: 1024 }])!).rejects.toThrow(/memory/i);
    expect(pool.readyWorkers).toBe(1);
  });

  it("runs jobs in parallel and answers each with its own result", async () => {
    const pool = newPool(2);
    await ready(pool, 2);
    const passwords = Array.from({ length: 8 }, (_, i) => utf8(`password ${i}`));
    const pooled = await Promise.all(passwords.map((pw) => pool.run<Uint8Array>('argon2', [pw, salt, params])!));
    for (const [i, pw] of passwords.entries()) {
      expect(toHex(pooled[i]!)).toBe(toHex(await argon2Derive(pw, salt, params, { path: 'noble' })));
    }
  });

  it("a job's own error comes back as that error; the worker stays", async () => {
    const pool = newPool(1);
    await ready(pool);
    await expect(pool.run('argon2', [utf8('pw'), salt, { ...params, dkLen: 2 }])!).rejects.toThrow(RangeError);
    await expect(pool.run('nope' as never, [])!).rejects.toThrow(/unknown hashing job/);
    expect(pool.readyWorkers).toBe(1);
    expect(await pool.run('argon2', [utf8('pw'), salt, params])).toBeInstanceOf(Uint8Array);
  });

  it('a killed worker fails its job with HashingWorkerError and is replaced', async () => {
    const pool = newPool(1);
    await ready(pool);
    const [victim] = pool.workers;
    const slow = pool.run('argon2', [utf8('pw'), salt, { ...params, m: 65536, t: 50 }])!;
    const waiting = pool.run<Uint8Array>('argon2', [utf8('pw'), salt, params])!; // queued behind it
    await new Promise((resolve) => setTimeout(resolve, 50));
    await victim!.terminate();
    const error = await slow.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HashingWorkerError);
    expect((error as HashingWorkerError).code).toBe('ERR_HASH_WORKER');
    // The queued job is not lost: the replacement runs it.
    expect(toHex(await waiting)).toBe(toHex(await argon2Derive(utf8('pw'), salt, params, { path: 'noble' })));
    expect(pool.workers).toHaveLength(1);
    expect(pool.workers[0]).not.toBe(victim);
  });

  it('a worker file that cannot load turns the pool off; callers run jobs themselves', async () => {
    const pool = newPool(2, new URL('./no-such-worker.js', WORKER));
    expect(pool.run('argon2', [utf8('pw'), salt, params])).toBeNull();
    await pool.warm();
    expect(pool.usable).toBe(false);
    expect(pool.run('argon2', [utf8('pw'), salt, params])).toBeNull();
  });

  it('configuration is checked', () => {
    expect(() => configureHashingPool({ size: 0 })).toThrow(RangeError);
    expect(() => configureHashingPool({ size: 1.5 })).toThrow(RangeError);
    expect(() => configureHashingPool(null as never)).toThrow(TypeError);
    expect(() => new CryptContext({ schemes: ['bcrypt'], hashingPool: { size: -1 } })).toThrow(ConfigurationError);
    expect(() => new CryptContext({ schemes: ['bcrypt'], hashingPool: false })).not.toThrow();
  });
});

/** Run a script with the built package in a fresh Node process; resolves with its output and exit code. */
function runNode(script: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: timeoutMs, cwd: DIST }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('hashing pool in a real process (dist/)', () => {
  it('hashes through the pool and exits on its own: idle workers do not keep it alive', async () => {
    const script = `
      import { CryptContext, warmHashingPool } from './index.js';
      const ctx = new CryptContext({ schemes: ['argon2', 'bcrypt'], settings: { argon2: { memoryCost: 1024, timeCost: 1 }, bcrypt: { rounds: 6 } } });
      await warmHashingPool();
      const a = await ctx.hash('secret'), b = await ctx.hash('secret', { scheme: 'bcrypt' });
      console.log(JSON.stringify([await ctx.verify('secret', a), await ctx.verify('x', a), await ctx.verify('secret', b)]));
      // nothing else to do: the process must end here, with the workers idle
    `;
    // A generous bound: the failure this catches is a process that never exits (the test's own timeout).
    const { code, stdout, stderr } = await runNode(script, 20_000);
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('[true,false,true]');
    expect(code).toBe(0);
  }, 30_000);

  it("verifies passlib's sha512_crypt and phpass hashes through the pool", async () => {
    const script = `
      import { CryptContext, warmHashingPool } from './index.js';
      const ctx = new CryptContext({ schemes: ['sha512_crypt', 'phpass'] });
      await warmHashingPool();
      const sha = ${JSON.stringify('$6$KbU.a0L3vWMh/tPD$meXHoH/EaVPXj8PxaEzeBfFn70rZACSeTbg1GPo2uIKFXCND0EmUq393SS3kikCzv47L.OqODy5M7pNc9frPq.')};
      const php = ${JSON.stringify('$P$6bv8pKB1DOud6Ygu.0XL3fde5U09xn/')};
      console.log(JSON.stringify([await ctx.verify('secret', sha), await ctx.verify('Secret', sha), await ctx.verify('secret', php), await ctx.verify('', php)]));
    `;
    const { code, stdout, stderr } = await runNode(script, 20_000);
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('[true,false,true,false]');
    expect(code).toBe(0);
  }, 30_000);

  it('a process that only started the pool (no job finished on it) exits too', async () => {
    const script = `
      import { verifyPassword } from './index.js';
      console.log(await verifyPassword('secret', '$argon2id$v=19$m=1024,t=2,p=8$GCOktHauVcoZw1irVUrJmQ$oec1DDqaAUzpAPZ2ac5fkQ'));
    `;
    const { code, stdout } = await runNode(script, 20_000);
    expect(stdout.trim()).toBe('true');
    expect(code).toBe(0);
  }, 30_000);
});

describe('a dead worker under a login', () => {
  it('POST /token answers 503, not 500', async () => {
    const { createAuthHandler } = await import('../../../src/http/index.js');
    const dying = {
      name: 'dying',
      defaults: {},
      identify: (hash: string) => hash.startsWith('$dying$'),
      hash: async () => '$dying$',
      verify: async () => {
        throw new HashingWorkerError('the worker stopped while hashing');
      },
      needsUpdate: () => false,
    };
    const context = new CryptContext({ schemes: [dying] });
    const users = { alice: { username: 'alice', hashed_password: '$dying$x', disabled: false } };
    const handler = createAuthHandler({ users, key: 'k'.repeat(32), context, docs: false, onError: () => {} });
    const response = await handler(
      new Request('http://test/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=alice&password=pw',
      }),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ detail: 'Service Unavailable' });
  });
});
