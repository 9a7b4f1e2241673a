/**
 * Issue 18, item 4: password hashing never takes every libuv thread. A real server (the built
 * package: `npm run build` first; scrypt, the default scheme, over a JSON-file store, on
 * gatehouse/node) runs in its own process with UV_THREADPOOL_SIZE=2; concurrent logins
 * with unknown names run while GET /users/me/ is read with a valid token. An async_hooks observer
 * in the server process counts the node:crypto hash jobs (scrypt, PBKDF2, argon2) handed to libuv
 * and not yet answered: at most UV_THREADPOOL_SIZE - 1 at any moment, so the app's own fs, dns and
 * zlib work always finds a thread. A count, not a latency: bench/libuv-share.bench.ts measures the
 * GET latencies and the login throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSlots, libuvHashLimit, uvThreadpoolSize } from '../../../src/platform/libuv-slots.js';

const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));
if (!existsSync(`${DIST}passwords/pool/hash-worker.js`)) throw new Error('dist/ is missing: run `npm run build` first');

const UV_THREADS = 2;
const KEY = 'k'.repeat(64);
// The tutorial's johndoe; his hash is never checked here (only his token is used).
const USERS = {
  johndoe: {
    username: 'johndoe',
    full_name: 'John Doe',
    email: 'johndoe@example.com',
    hashed_password: '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW',
    disabled: false,
  },
};

/**
 * The server: `mode` 'default' (the hashing pool as shipped) or 'no-pool' (pool off, four checks at
 * once: every hash on node:crypto). Answers 'stats' over IPC with the most hash jobs seen in libuv at once.
 */
const SERVER = `
  import { createHook } from 'node:async_hooks';
  const HASH_JOBS = new Set(['SCRYPTREQUEST', 'PBKDF2REQUEST', 'ARGON2REQUEST']);
  const inLibuv = new Set();
  let most = 0;
  createHook({
    init(id, type) { if (HASH_JOBS.has(type)) { inLibuv.add(id); most = Math.max(most, inLibuv.size); } },
    before(id) { inLibuv.delete(id); }, // its callback runs: the thread has finished
    destroy(id) { inLibuv.delete(id); },
  }).enable();
  const { createAuthHandler, configureHashingPool, CryptContext } = await import('./index.js');
  const { serve, createJsonFileUserStore } = await import('./node/index.js');
  const [mode, usersFile, key] = process.argv.slice(-3);
  if (mode === 'no-pool') configureHashingPool(false);
  const handler = createAuthHandler({
    users: createJsonFileUserStore(usersFile),
    key,
    // The default scheme at a lower cost (N=2^14, 16 MiB) than OWASP's: the count does not depend on it.
    context: new CryptContext({ schemes: ['scrypt'], settings: { scrypt: { ln: 14 } } }),
    docs: false,
    throttle: false, // distinct unknown names from one address: the queue, not the throttle, is under test
    ...(mode === 'no-pool' ? { loginConcurrency: 4 } : {}),
  });
  const server = await serve(handler, { port: 0 });
  process.on('message', (m) => { if (m === 'stats') process.send({ most, now: inLibuv.size }); });
  process.stdout.write('READY ' + new URL(server.url).port + '\\n');
`;

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-libuv-'));
const usersFile = join(dir, 'users.json');
writeFileSync(usersFile, JSON.stringify(USERS));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
});

async function startServer(mode: 'default' | 'no-pool'): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER, mode, usersFile, KEY], {
    cwd: DIST,
    env: { ...process.env, UV_THREADPOOL_SIZE: String(UV_THREADS) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.push(child);
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    const match = /READY (\d+)/.exec(out);
    if (match) return { child, url: `http://127.0.0.1:${match[1]}` };
  }
  throw new Error('the server did not start');
}

async function stats(child: ChildProcess): Promise<{ most: number; now: number }> {
  child.send('stats');
  const [reply] = (await once(child, 'message')) as [{ most: number; now: number }];
  return reply;
}

function token(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'johndoe', exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}

/** `clients` loops of `each` logins with unknown names, while GET /users/me/ is read in a loop. */
async function loginsWithReads(url: string, clients: number, each: number) {
  const statuses: number[] = [];
  const reads: number[] = [];
  let done = false;
  const bearer = { authorization: `Bearer ${token()}` };
  const reader = (async () => {
    while (!done) reads.push((await fetch(`${url}/users/me/`, { headers: bearer }).then(async (r) => (await r.arrayBuffer(), r))).status);
  })();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < each; i++) {
        const body = new URLSearchParams({ username: `ghost-${c}-${i}`, password: 'guess' });
        const response = await fetch(`${url}/token`, { method: 'POST', body });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
    }),
  );
  done = true;
  await reader;
  return { statuses, reads };
}

describe('password hashing leaves a libuv thread free (UV_THREADPOOL_SIZE=2)', () => {
  it('scrypt logins with the hashing pool as shipped: at most UV_THREADPOOL_SIZE - 1 hashes in libuv at once', async () => {
    const { child, url } = await startServer('default');
    const { statuses, reads } = await loginsWithReads(url, 4, 2);
    expect(statuses).toEqual(Array(8).fill(401));
    expect(reads.length).toBeGreaterThan(0);
    expect(new Set(reads)).toEqual(new Set([200]));
    const { most, now } = await stats(child);
    expect(now).toBe(0);
    expect(most).toBeLessThanOrEqual(UV_THREADS - 1);
  }, 120_000);

  it('with the pool off and loginConcurrency 4, node:crypto still gets at most UV_THREADPOOL_SIZE - 1 hashes at once', async () => {
    const { child, url } = await startServer('no-pool');
    const { statuses, reads } = await loginsWithReads(url, 4, 1);
    expect(statuses).toEqual(Array(4).fill(401));
    expect(new Set(reads)).toEqual(new Set([200]));
    const { most, now } = await stats(child);
    expect(now).toBe(0);
    expect(most).toBe(UV_THREADS - 1); // bounded, and still used: the hashes ran there
  }, 120_000);
});

describe('the libuv bound (libuv-slots.ts)', () => {
  const saved = process.env.UV_THREADPOOL_SIZE;
  afterEach(() => {
    if (saved === undefined) delete process.env.UV_THREADPOOL_SIZE;
    else process.env.UV_THREADPOOL_SIZE = saved;
  });

  it('reads UV_THREADPOOL_SIZE as libuv does (atoi, 0 is 1, above 1024 or negative is 1024; default 4)', () => {
    const cases: Array<[string | undefined, number]> = [
      [undefined, 4], ['2', 2], ['1', 1], ['0', 1], ['', 1], ['abc', 1], ['3threads', 3], ['1024', 1024], ['5000', 1024], ['-2', 1024],
    ];
    for (const [value, threads] of cases) {
      if (value === undefined) delete process.env.UV_THREADPOOL_SIZE;
      else process.env.UV_THREADPOOL_SIZE = value;
      expect(uvThreadpoolSize(), String(value)).toBe(threads);
    }
  });

  it('leaves one thread free, but always lets one hash run', () => {
    expect([1, 2, 3, 4, 1024].map((n) => libuvHashLimit(n))).toEqual([1, 1, 2, 3, 1023]);
    expect(libuvHashLimit(null)).toBe(Number.POSITIVE_INFINITY); // Deno, Bun: no libuv pool to share
  });

  it('runs at most `limit` tasks at once, the others in order of arrival, and frees a slot on failure', async () => {
    const slots = createSlots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 6 }, () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    const tasks = gates.map((gate, i) =>
      slots(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        try {
          await gate.promise;
          if (i === 1) throw new Error('task 1 fails');
          return i;
        } finally {
          running--;
        }
      }),
    );
    const outcomes = Promise.allSettled(tasks); // attached now: task 1 rejects before the end
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve(); // fails: its slot goes to the next in line
    await settle();
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    const results = await outcomes;
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual([0, 'failed', 2, 3, 4, 5]);
  });
});
