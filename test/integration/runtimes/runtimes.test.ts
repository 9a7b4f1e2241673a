/**
 * gatehouse on other runtimes: test/integration/runtimes/smoke.mjs runs against the built package (dist/) under
 * Node, Deno, Bun, workerd (nodejs_compat off) and headless Chromium, and prints its results as JSON;
 * the same exact answers are expected from every runtime. A runtime whose binary is missing is
 * skipped (with its name in the test title); everything else that goes wrong fails.
 *
 * Needs `npm run build` first. Binaries: test/runtimes/node_modules/.bin/{deno,bun,workerd} and the
 * Node 22 / 24 of test/runtimes (the runtime matrix's own package, which `npm test` installs:
 * test/helpers/runtimes.ts), /usr/bin/chromium (Debian) driven by playwright-core.
 */
import * as nodeCrypto from 'node:crypto';
import { createHmac, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hashes from './fixtures/hashes.json' with { type: 'json' };
import tokens from './fixtures/tokens.json' with { type: 'json' };
import pbkdf2AboveCap from './fixtures/pbkdf2-above-cap.json' with { type: 'json' };
import argon2Fixture from './fixtures/argon2.json' with { type: 'json' };
import { argon2Verify } from 'hash-wasm';
import {
  DIST_INDEX,
  RUNTIMES_DIR,
  bundle,
  findBinary,
  lastJsonLine,
  onStop,
  run,
  serveFiles,
  startWorkerd,
  staticNodeImports,
  stopAll,
} from './harness.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/chromium.js';
import { NODE_VERSIONS } from './node-versions.js';
import { INSTALL_RUNTIMES } from '../../helpers/runtimes.js';

/** The password smoke.mjs hashes in its freshHashes step. */
const FRESH_PASSWORD = 'pässwörd 🔑';
const BCRYPT_COST_4 = /^\$2b\$04\$[./A-Za-z0-9]{53}$/;
const SCRYPT_LN_10 = /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
const ARGON2_FRESH = /^\$argon2id\$v=19\$m=256,t=2,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
const RUN_TIMEOUT_MS = 60_000;

const binaries = {
  deno: findBinary('deno'),
  bun: findBinary('bun'),
  workerd: findBinary('workerd'),
  chromium: findBinary('chromium', [CHROMIUM_PATH]),
};

/** A test per runtime; skipped, saying why, only when its binary is missing. */
function runtimeTest(title: string, binary: string | null, name: string, body: (binary: string) => Promise<void>) {
  if (binary) it(title, () => body(binary), RUN_TIMEOUT_MS + 30_000);
  else it.skip(`${title} (skipped: no ${name} binary in test/runtimes, on PATH or at /usr/bin; ${INSTALL_RUNTIMES})`, () => {});
}

let workDir: string;

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error(`${DIST_INDEX} is missing: run \`npm run build\` first`);
  workDir = await mkdtemp(join(tmpdir(), 'gatehouse-runtimes-'));
});

afterAll(async () => {
  await stopAll();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

// ---- independent checks (node:crypto, bcryptjs) ----

function scryptMatches(password: string, hash: string): boolean {
  const [, , params, salt, key] = hash.split('$') as [string, string, string, string, string];
  const { ln, r, p } = Object.fromEntries(params.split(',').map((kv) => kv.split('=') as [string, string]));
  const expected = Buffer.from(key, 'base64');
  const derived = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: 2 ** Number(ln),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(derived, expected);
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The HS256 token PyJWT would make for these claims (header and claims in its order). */
function hs256(claims: Record<string, unknown>, secret: string): string {
  const input = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// ---- what every runtime must answer ----

const TUTORIAL_USER = { username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false };
const unauthorized = (detail: string) => ({
  status: 401,
  contentType: 'application/json',
  wwwAuthenticate: 'Bearer',
  body: { detail },
});

async function expectSmokeResult(result: any, env: { scryptPath: string; bcryptCore: string; argon2Path: string }): Promise<void> {
  expect(result.fatal, 'the page failed').toBeUndefined();
  expect(result.env).toEqual(env);

  // 1. hashes made by other systems (FastAPI's seed at cost 12, passlib, PHP)
  expect(result.knownHashes).toEqual(
    hashes.vectors.map(({ system, scheme }) => ({ system, scheme, identified: scheme, right: true, wrong: false })),
  );

  // 2. fresh hashes, and an independent implementation agrees with them
  expect(result.freshHashes).toEqual({
    defaultScheme: 'bcrypt',
    bcrypt: { hash: expect.stringMatching(BCRYPT_COST_4), identified: 'bcrypt', right: true, wrong: false, needsUpdate: false },
    scrypt: { hash: expect.stringMatching(SCRYPT_LN_10), identified: 'scrypt', right: true, wrong: false, needsUpdate: true },
    upgrade: { valid: true, newHash: expect.stringMatching(BCRYPT_COST_4) },
  });
  const { bcrypt, scrypt, upgrade } = result.freshHashes;
  expect(await bcryptjs.compare(FRESH_PASSWORD, bcrypt.hash)).toBe(true);
  expect(await bcryptjs.compare(`${FRESH_PASSWORD}!`, bcrypt.hash)).toBe(false);
  expect(await bcryptjs.compare(FRESH_PASSWORD, upgrade.newHash)).toBe(true);
  expect(scryptMatches(FRESH_PASSWORD, scrypt.hash)).toBe(true);
  expect(scryptMatches(`${FRESH_PASSWORD}!`, scrypt.hash)).toBe(false);

  // 3. PBKDF2 above workerd's 100,000-iteration Web Crypto cap (made by Werkzeug and Django)
  expect(pbkdf2AboveCap.vectors.map((v) => v.iterations).every((n) => n > 100_000)).toBe(true);
  expect(result.pbkdf2AboveCap).toEqual(
    pbkdf2AboveCap.vectors.map(({ system, scheme }) => ({ system, scheme, identified: scheme, right: true, wrong: false })),
  );

  // 4. argon2: FastAPI's tutorial hash, and a fresh hash that hash-wasm (an independent implementation) verifies
  expect(result.argon2).toEqual({
    tutorialRight: true,
    tutorialWrong: false,
    fresh: { hash: expect.stringMatching(ARGON2_FRESH), right: true, wrong: false },
  });
  expect(await argon2Verify({ password: argon2Fixture.freshPassword, hash: result.argon2.fresh.hash })).toBe(true);
  expect(await argon2Verify({ password: argon2Fixture.password, hash: result.argon2.fresh.hash })).toBe(false);

  // 5. access tokens: PyJWT's seed token reproduced byte for byte, PyJWT's RS256/ES256 tokens verified
  expect(hs256(tokens.seed_claims, tokens.secret)).toBe(tokens.seed_token); // the fixture, checked by Node
  expect(result.accessTokens).toEqual({
    matchesPyJwt: true,
    created: tokens.seed_token,
    claims: expect.objectContaining(tokens.seed_claims),
    pyjwt: Object.fromEntries(tokens.pyjwt.map(({ alg, claims }) => [alg, expect.objectContaining(claims)])),
    tampered: 'ERR_TOKEN_INVALID',
    wrongKey: 'ERR_TOKEN_INVALID',
    expired: 'ERR_TOKEN_EXPIRED',
  });

  // 6. the tutorial's flow through createAuthHandler
  expect(result.fetchHandler).toEqual({
    login: {
      status: 200,
      contentType: 'application/json',
      wwwAuthenticate: null,
      body: { access_token: 'string', token_type: 'bearer' },
    },
    tokenClaims: { sub: 'johndoe', lifetimeIs30m: true },
    me: { status: 200, contentType: 'application/json', wwwAuthenticate: null, body: TUTORIAL_USER },
    wrongPassword: unauthorized('Incorrect username or password'),
    noToken: unauthorized('Not authenticated'),
    forgedToken: unauthorized('Could not validate credentials'),
  });
}

/** Node and the runtimes that implement process.getBuiltinModule take node:crypto and WebAssembly. */
const NATIVE = { scryptPath: 'node:crypto', bcryptCore: 'wasm' };
/** argon2: node:crypto's where it has one (Node >= 24.7, Bun 1.4; not Deno 2.9), else the WebAssembly core. */
const NODE_ENV = { ...NATIVE, argon2Path: 'argon2' in nodeCrypto ? 'node:crypto' : 'wasm-simd' };
const DENO_ENV = { ...NATIVE, argon2Path: 'wasm-simd' };
const BUN_ENV = { ...NATIVE, argon2Path: 'node:crypto' };

async function runCli(binary: string, args: string[]): Promise<any> {
  const result = await run(binary, [...args, join(RUNTIMES_DIR, 'cli-entry.mjs'), DIST_INDEX], { timeoutMs: RUN_TIMEOUT_MS });
  const parsed = lastJsonLine(result);
  expect(result.code, result.stderr).toBe(0);
  return parsed;
}

function report(result: any): void {
  console.log(`${result.runtime} ${result.version}: env ${JSON.stringify(result.env)}, ms ${JSON.stringify(result.timingsMs)}`);
}

describe('gatehouse on other runtimes (against dist/)', () => {
  it('Node (the reference)', async () => {
    const result = await runCli(process.execPath, []);
    report(result);
    expect(result.runtime).toBe('node');
    await expectSmokeResult(result, NODE_ENV);
  }, RUN_TIMEOUT_MS + 30_000);

  // The rest of the Node matrix (node22 / node24 of test/runtimes), the same checks.
  for (const { label, binary } of NODE_VERSIONS.slice(1)) {
    runtimeTest(label, binary, label, async (node) => {
      const result = await runCli(node, []);
      report(result);
      expect(result.runtime).toBe('node');
      expect(result.version.split('.')[0]).toBe(label.split(' ')[1]);
      // node:crypto has argon2 from Node 24.7 on.
      await expectSmokeResult(result, { ...NATIVE, argon2Path: label === 'Node 24' ? 'node:crypto' : 'wasm-simd' });
    });
  }

  runtimeTest('Deno (deno run --allow-read only)', binaries.deno, 'deno', async (deno) => {
    const result = await runCli(deno, ['run', '--allow-read', '--no-lock', '--no-prompt']);
    report(result);
    expect(result.runtime).toBe('deno');
    await expectSmokeResult(result, DENO_ENV);
  });

  runtimeTest('Bun (bun run)', binaries.bun, 'bun', async (bun) => {
    const result = await runCli(bun, ['run']);
    report(result);
    expect(result.runtime).toBe('bun');
    await expectSmokeResult(result, BUN_ENV);
    // bcrypt on Bun: Bun.password for 1..72-byte $2b$/$2y$ passwords (FastAPI's seed, passlib, PHP),
    // gatehouse's core past 72 bytes, where Bun would pre-hash (python3-bcrypt made that hash, of 75 bytes).
    const bcryptVectors = hashes.vectors.filter((v) => v.scheme === 'bcrypt');
    expect(result.nativeBcrypt).toEqual({
      short: bcryptVectors.map(({ system }) => ({ system, right: true, wrong: false })),
      nativeCallsShort: 2 * bcryptVectors.length,
      long: { right: true, first72: true, wrong: false },
      nativeCallsLong: 1, // the 72-byte one; the 75-byte ones ran on gatehouse's core
    });
  });

  runtimeTest('workerd (Cloudflare Workers, nodejs_compat off)', binaries.workerd, 'workerd', async (workerd) => {
    const dir = await mkdtemp(join(workDir, 'workerd-'));
    const code = await bundle(join(RUNTIMES_DIR, 'worker.mjs'), join(dir, 'worker.js'), ['workerd', 'worker', 'browser']);
    expect(staticNodeImports(code)).toEqual([]);
    await copyFile(join(RUNTIMES_DIR, 'workerd.capnp'), join(dir, 'workerd.capnp'));
    const port = await startWorkerd(workerd, 'workerd.capnp', dir, 20_000);
    const base = `http://127.0.0.1:${port}`;

    const smoke = await fetch(`${base}/__smoke`, { signal: AbortSignal.timeout(RUN_TIMEOUT_MS) });
    const result = await smoke.json();
    report({ ...result, version: (await run(workerd, ['--version'], { timeoutMs: 10_000 })).stdout.trim() });
    expect(result.appError, 'createAuthHandler at module scope').toBeNull();
    await expectSmokeResult(result, { scryptPath: '@noble/hashes', bcryptCore: 'js', argon2Path: '@noble/hashes' });

    // Over HTTP, the module-scope app: FastAPI's seed user (bcrypt cost 12 in pure TypeScript).
    const login = await fetch(`${base}/token`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'johndoe', password: 'secret' }),
      signal: AbortSignal.timeout(RUN_TIMEOUT_MS),
    });
    expect(login.status).toBe(200);
    const { access_token: token, token_type: tokenType } = (await login.json()) as { access_token: string; token_type: string };
    expect(tokenType).toBe('bearer');
    // The Worker's HS256 signature, recomputed by node:crypto.
    const [header = '', payload = '', signature] = token.split('.');
    expect(createHmac('sha256', tokens.secret).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ sub: 'johndoe', stp: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/), exp: expect.any(Number) });

    const me = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(TUTORIAL_USER);
    const wrong = await fetch(`${base}/token`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'johndoe', password: 'wrong' }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ detail: 'Incorrect username or password' });
  });

  runtimeTest('browser (headless Chromium), with and without a CSP that forbids WebAssembly', binaries.chromium, 'chromium', async (chromium) => {
    const code = await bundle(join(RUNTIMES_DIR, 'browser.mjs'), join(workDir, 'browser.js'), ['browser']);
    expect(staticNodeImports(code)).toEqual([]);
    const html = '<!doctype html><meta charset="utf-8"><title>gatehouse smoke</title><script type="module" src="/smoke.js"></script>';
    const base = await serveFiles({
      '/': { type: 'text/html; charset=utf-8', body: html },
      // No 'wasm-unsafe-eval': the page may not compile WebAssembly, so bcrypt must take its TypeScript core.
      '/strict-csp/': {
        type: 'text/html; charset=utf-8',
        body: html,
        headers: { 'content-security-policy': "default-src 'none'; script-src 'self'; connect-src 'self'" },
      },
      '/smoke.js': { type: 'text/javascript; charset=utf-8', body: code },
    });

    const { chromium: launcher } = await import('playwright-core');
    const browser = await launcher.launch({
      executablePath: chromium,
      timeout: 30_000,
      args: [...CHROMIUM_ARGS],
    });
    onStop(() => browser.close());
    try {
      for (const [path, bcryptCore, argon2Path] of [['/', 'wasm', 'wasm-simd'], ['/strict-csp/', 'js', '@noble/hashes']] as const) {
        const page = await browser.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(String(error)));
        await page.goto(`${base}${path}`, { timeout: 30_000 });
        await page.waitForFunction(() => '__gatehouseSmoke' in window, undefined, { timeout: 30_000 });
        const result = await page.evaluate(() => (window as unknown as { __gatehouseSmoke: Promise<unknown> }).__gatehouseSmoke);
        expect(pageErrors).toEqual([]);
        report({ ...(result as object), runtime: `browser ${path}`, version: `Chromium ${browser.version()}` });
        await expectSmokeResult(result, { scryptPath: '@noble/hashes', bcryptCore, argon2Path });
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
