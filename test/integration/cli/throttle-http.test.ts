/**
 * The login throttle over HTTP: real `gatehouse serve` processes (dist/cli/index.js, built by `npm test`),
 * clients bound to distinct loopback addresses (127.0.0.2, 127.0.0.3, ...). 429 with a correct
 * Retry-After, the owner getting in while another address keeps guessing, and two servers sharing
 * one Redis / PostgreSQL / SQLite file: counts add up, a burst of 200 concurrent failures counts 200,
 * a success resets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import bcryptjs from 'bcryptjs';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { unavailable } from '../../helpers/services.js';

const root = new URL('../../..', import.meta.url).pathname;
const built = join(root, 'dist/cli/index.js');
const command = existsSync(built) ? [built] : ['--import', 'tsx', join(root, 'src/cli/index.ts')];
if (!existsSync(built)) console.warn('throttle-http.test.ts: no dist/cli/index.js (npm test builds it): running src/cli/index.ts through tsx');

const USER_KEY = 'gatehouse:login:u:johndoe'; // the folded name's counter: a success never resets it
const EXACT_KEY = 'gatehouse:login:x:johndoe'; // the exact name's: reset by a success
const ADDRESS_KEY = 'gatehouse:login:a:127.0.0.1';

let dir: string;
let hashed_password: string;
let files = 0;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-throttle-http-'));
  // Cost 4, hashed by bcryptjs: 200 failed logins take well under a second of hashing.
  hashed_password = bcryptjs.hashSync('secret', 4);
});

/** A users file per server: a login rehashes the cost-4 hash to bcrypt cost 12 (--preset passlib) and saves it. */
function usersFile(): string {
  const file = join(dir, `users-${++files}.json`);
  writeFileSync(file, JSON.stringify({ johndoe: { username: 'johndoe', hashed_password, disabled: false } }));
  return file;
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `gatehouse serve` and resolves with its URL. */
function serve(args: string[]): Promise<string> {
  // passlib's bcrypt-12 policy, not the CLI's default scrypt: these tests count failures, each padded to
  // the policy's hash time (bcrypt 12 ~0.3 s here, scrypt ln=17 ~1.1 s on the same loaded machine).
  const policy = ['--preset', 'passlib', '--coexist'];
  const child = spawn(process.execPath, [...command, 'serve', '--port', '0', '--users', usersFile(), ...policy, ...args], {
    cwd: root,
    env: { ...process.env, SECRET_KEY: 'k'.repeat(64) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
}

/** Runs `gatehouse serve` expecting it to stop: exit code and stderr. */
function serveFails(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...command, 'serve', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** POST /token on its own connection, from a given local address (default 127.0.0.1). */
function login(url: string, password: string, from?: string, username = 'johndoe'): Promise<Answer> {
  const body = new URLSearchParams({ username, password }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/token`,
      { method: 'POST', ...(from ? { localAddress: from } : {}), agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const options = (value: object) => ['--throttle-options', JSON.stringify(value)];
const TOO_MANY = '{"detail":"Too many failed login attempts"}';

describe('gatehouse serve (memory store)', () => {
  it('answers 429 with Retry-After after the limit, and lets the owner in while another address keeps guessing', async () => {
    const url = await serve(options({ username: { freeFailures: 3, delayMs: 1000, maxDelayMs: 2000 }, address: { maxFailures: 4, windowMs: 600_000 } }));
    const attacker = '127.0.0.2';
    for (let i = 0; i < 3; i++) expect((await login(url, `guess${i}`, attacker)).status).toBe(401);
    const refused = await login(url, 'guess3', attacker);
    expect(refused).toEqual({ status: 429, retryAfter: '1', body: TOO_MANY });
    await sleep(1000);
    expect((await login(url, 'guess4', attacker)).status).toBe(401); // the window passed: one more check
    // 4 failures from the attacker's address: it is blocked; the username waits 2 s (the cap).
    let guessing = true;
    const attackerAnswers: number[] = [];
    const loop = (async () => {
      while (guessing) {
        attackerAnswers.push((await login(url, 'more', attacker)).status);
        await sleep(20);
      }
    })();
    const owner = '127.0.0.3';
    const waiting = await login(url, 'secret', owner);
    expect(waiting.status).toBe(429);
    expect(waiting.retryAfter).toBe('2');
    await sleep(Number(waiting.retryAfter) * 1000);
    const inside = await login(url, 'secret', owner);
    guessing = false;
    await loop;
    expect(inside.status).toBe(200);
    expect(JSON.parse(inside.body).token_type).toBe('bearer');
    expect(attackerAnswers.length).toBeGreaterThan(20);
    expect(new Set(attackerAnswers)).toEqual(new Set([429]));
  });

  it('--no-throttle turns it off; bad throttle flags stop with usage errors', async () => {
    const url = await serve(['--no-throttle']);
    for (let i = 0; i < 8; i++) expect((await login(url, 'wrong')).status).toBe(401);
    expect((await serveFails(['--throttle-store', 'mongodb://x'])).code).toBe(2);
    expect((await serveFails(['--throttle-options', '{nope'])).code).toBe(2);
    const down = await serveFails(['--throttle-store', 'redis://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/throttle-store is unreachable/);
  });
});

interface Shared {
  url(): string;
  /** The raw counter of a key, read without gatehouse's code. */
  count(key: string): Promise<number | null>;
  close(): Promise<void>;
}

let redis: TestRedis | undefined;
let postgres: TestPostgres | undefined;
const missing: Record<string, string> = {};

beforeAll(async () => {
  redis = await startRedis().catch((error: Error) => (unavailable('throttle-http.test.ts', 'redis-server', error.message), undefined));
  const started = await startTestPostgres(); // throws in CI when there is none
  postgres = 'skip' in started ? (unavailable('throttle-http.test.ts', 'PostgreSQL', started.skip), undefined) : started;
  if (!redis) missing.Redis = 'no redis-server';
  if (!postgres) missing.PostgreSQL = 'no PostgreSQL';
}, 60_000);

afterAll(async () => {
  await redis?.stop();
  await postgres?.destroy();
});

const backends: Record<string, () => Promise<Shared>> = {
  async Redis() {
    const client = createClient({ url: redis!.url });
    client.on('error', () => {}); // the server stops at the end of the file
    await client.connect();
    await client.flushAll();
    return {
      url: () => redis!.url,
      count: async (key) => {
        const value = await client.get(key);
        return value === null ? null : Number(value);
      },
      close: async () => void client.destroy(),
    };
  },
  async PostgreSQL() {
    const pool = new pg.Pool({ connectionString: postgres!.url });
    await pool.query('DROP TABLE IF EXISTS gatehouse_login_counters');
    return {
      url: () => postgres!.url,
      count: async (key) => {
        const { rows } = await pool.query('SELECT count FROM gatehouse_login_counters WHERE key = $1 AND expires_at > $2', [key, Date.now()]);
        return rows.length ? Number(rows[0].count) : null;
      },
      close: () => pool.end(),
    };
  },
  async SQLite() {
    const file = join(dir, 'counters.sqlite');
    return {
      url: () => `sqlite:${file}`,
      count: async (key) => {
        const db = new Database(file, { readonly: true });
        try {
          const row = db.prepare('SELECT count FROM gatehouse_login_counters WHERE key = ? AND expires_at > ?').get(key, Date.now()) as { count: number } | undefined;
          return row ? row.count : null;
        } finally {
          db.close();
        }
      },
      close: async () => {},
    };
  },
};

for (const [name, open] of Object.entries(backends)) {
  describe(`two gatehouse serve processes sharing ${name}`, () => {
    it('count every one of 200 concurrent failures, share the limit, and reset on success', async (ctx) => {
      if (missing[name]) return ctx.skip();
      const shared = await open();
      try {
        // One client sends all 200: its login queue must hold them (the default per client is 8).
        const queue = ['--login-queue-per-client', '100'];
        const args = ['--throttle-store', shared.url(), ...queue, ...options({ username: { freeFailures: 205, delayMs: 1000 }, address: { maxFailures: 1000 } })];
        const [a, b] = await Promise.all([serve(args), serve(args)]);
        const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => login(i % 2 ? b : a, `burst${i}`)));
        expect(burst.map((r) => r.status)).toEqual(new Array(200).fill(401));
        expect(await shared.count(USER_KEY)).toBe(200);
        expect(await shared.count(EXACT_KEY)).toBe(200);
        expect(await shared.count(ADDRESS_KEY)).toBe(200);
        // Five more, alternating servers: the limit is reached on both.
        for (let i = 0; i < 5; i++) expect((await login(i % 2 ? a : b, `more${i}`)).status).toBe(401);
        expect(await shared.count(EXACT_KEY)).toBe(205);
        for (const server of [a, b]) expect(await login(server, 'secret')).toEqual({ status: 429, retryAfter: '1', body: TOO_MANY });
        await sleep(1000);
        expect((await login(b, 'secret')).status).toBe(200);
        expect(await shared.count(EXACT_KEY)).toBeNull(); // the success reset the exact name's shared count
        expect(await shared.count(USER_KEY)).toBe(205); // the folded and address counts stay (the success counted and took itself back)
        expect(await shared.count(ADDRESS_KEY)).toBe(205);
        expect((await login(a, 'wrong')).status).toBe(401);
        expect(await shared.count(EXACT_KEY)).toBe(1);
        expect(await shared.count(USER_KEY)).toBe(206);
      } finally {
        await shared.close();
      }
    }, 300_000); // every failure on the cost-4 hash is padded to a bcrypt-12 verify (harden runtime): 200 of them
  });
}
