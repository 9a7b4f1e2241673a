/**
 * Issue 18, item 4: do scrypt logins leave libuv's threads to the app? Against a server in its own
 * process (bench/libuv-share-server.ts: the built package, scrypt N=2^17 by default, a
 * JSON-file store, whose every GET /users/me/ stats the file on libuv) with UV_THREADPOOL_SIZE=2
 * by default (a 4-core host's default pool of 4 against 4 concurrent checks, on 2 cores):
 *   1. GET /users/me/ p50/p99 (one connection, back to back, timed here to the microsecond) without logins;
 *   2. the same while one client (4 connections) logs in with an unknown name;
 *   3. login throughput: johndoe's right password, 4 connections, no reads.
 * Measure another build (before/after) with GATEHOUSE_DIST=/path/to/dist; another pool size with
 * BENCH_UV_THREADS (empty: libuv's default, 4); a cheaper scrypt with BENCH_SCRYPT_LN (default 17);
 * every hash on libuv (the pool off, BENCH_LOGIN_CONCURRENCY checks at once, default 2) with
 * BENCH_HASHING_POOL=off.
 *
 *   npm run bench:libuv      BENCH_SECONDS=8 BENCH_UV_THREADS=2 BENCH_SCRYPT_LN=17 by default
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Agent, get } from 'node:http';
import { cpuOf, load, stop } from './harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const UV_THREADS = process.env.BENCH_UV_THREADS ?? '2';
const KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const env: Record<string, string | undefined> = { ...process.env, UV_THREADPOOL_SIZE: UV_THREADS || undefined };
  if (!UV_THREADS) delete env.UV_THREADPOOL_SIZE;
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./libuv-share-server.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env,
  });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    const match = /READY (\d+)/.exec(out);
    if (match) return { child, url: `http://127.0.0.1:${match[1]}` };
  }
  throw new Error('the server did not start');
}

function token(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'johndoe', exp: Math.floor(Date.now() / 1000) + 1200 })}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}

/** GET `url` back to back on one kept-alive connection until `seconds` have passed: each one's ms. */
async function readLoop(url: string, headers: Record<string, string>, seconds: number): Promise<{ ms: number[]; failures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ms: number[] = [];
  let failures = 0;
  const until = performance.now() + seconds * 1000;
  try {
    while (performance.now() < until) {
      const start = performance.now();
      const status = await new Promise<number>((resolve, reject) =>
        get(url, { agent, headers }, (res) => res.resume().on('end', () => resolve(res.statusCode!))).on('error', reject),
      );
      ms.push(performance.now() - start);
      if (status !== 200) failures++;
    }
  } finally {
    agent.destroy();
  }
  return { ms, failures };
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
const summary = ({ ms }: { ms: number[] }) =>
  `p50 ${quantile(ms, 0.5).toFixed(2)} ms, p99 ${quantile(ms, 0.99).toFixed(2)} ms (${ms.length} reads)`;

const form = (username: string, password: string) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ username, password }).toString(),
  connections: 4,
  timeout: 120, // seconds: a loaded host takes seconds per N=2^17 hash
});

const { child, url } = await startServer();
try {
  const reads = () => readLoop(`${url}/users/me/`, { authorization: `Bearer ${token()}` }, SECONDS);
  const unknown = { url: `${url}/token`, ...form('nobody-here', 'guess') };
  const johndoe = { url: `${url}/token`, ...form('johndoe', 'secret') };
  // autocannon stops sending at the end of a run, but the server finishes the logins it took: one
  // more login, answered after those (first come, first served), so the next phase starts quiet.
  const drain = () => fetch(johndoe.url, { method: 'POST', headers: johndoe.headers, body: johndoe.body }).then((r) => r.arrayBuffer());
  await load({ ...johndoe, duration: 2 }); // warm-up: JIT, the hashing pool's workers
  await drain();

  const quiet = await reads();
  const [busy, guesses] = await Promise.all([reads(), load({ ...unknown, duration: SECONDS })]);
  await drain();
  const cpuBefore = await cpuOf(child);
  const logins = await load({ ...johndoe, duration: SECONDS });
  const cpu = (await cpuOf(child)) - cpuBefore;

  const failures = quiet.failures + busy.failures + logins.non2xx + logins.errors + guesses.errors;
  console.log(`node ${process.version}, ${process.env.GATEHOUSE_DIST ?? 'dist/'}, UV_THREADPOOL_SIZE=${UV_THREADS || 'default'}, pool ${process.env.BENCH_HASHING_POOL === 'off' ? 'off' : 'on'}, ${SECONDS} s per phase, scrypt N=2^${process.env.BENCH_SCRYPT_LN ?? 17}`);
  console.log(`GET /users/me/ without logins:            ${summary(quiet)}`);
  console.log(`GET /users/me/ while one client guesses:  ${summary(busy)}; ${(guesses.non2xx / SECONDS).toFixed(2)} unknown-name logins/s`);
  console.log(`login throughput, 4 connections:          ${(logins.requests.total / SECONDS).toFixed(2)} logins/s, CPU ${(cpu / 1000 / Math.max(1, logins.requests.total)).toFixed(0)} ms/login`);
  console.log(`unexpected answers: ${failures}`);
} finally {
  await stop(child);
}
