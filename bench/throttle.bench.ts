/**
 * What the login throttle costs. Over real sockets on 127.0.0.1 (gatehouse/node serve, load from
 * this process): login p50 for a successful login (bcrypt cost 10) with throttling off, on with the
 * memory store and on with Redis; GET /users/me/ req/s (autocannon) off / memory / Redis, with a
 * count of store calls during the run (it must be 0: only /token touches the counters), and the
 * throttle's own work per successful login in process.
 *
 *   node --import tsx bench/throttle.bench.ts      THROTTLE_LOGINS=40 THROTTLE_SECONDS=4 THROTTLE_ROUNDS=3 by default
 */
import autocannon from 'autocannon';
import { createAuthHandler } from '../src/http/index.js';
import { type CounterStore, createMemoryCounterStore } from '../src/http/index.js';
import { createThrottleTurns } from '../src/throttle/policy.js';
import { serve } from '../src/node/index.js';
import { CryptContext } from '../src/passwords/registry.js';
import { createRedisCounterStore } from '../src/throttle/index.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { KEY } from './http-common.js';

const LOGINS = Number(process.env.THROTTLE_LOGINS ?? 40);
const SECONDS = Number(process.env.THROTTLE_SECONDS ?? 4);
const context = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 10 } } });

/** A store that counts the calls made to it. */
function counted(store: CounterStore) {
  const calls = { n: 0 };
  const wrapped: CounterStore = {
    increment: (...a) => (calls.n++, store.increment(...a)),
    get: (...a) => (calls.n++, store.get(...a)),
    reset: (...a) => (calls.n++, store.reset(...a)),
    // Passed through: without it the handler would take the read-then-count path.
    decrement: (...a) => (calls.n++, store.decrement!(...a)),
  };
  return { store: wrapped, calls };
}

async function loginP50(url: string): Promise<number> {
  const body = new URLSearchParams({ username: 'johndoe', password: 'secret' }).toString();
  const times: number[] = [];
  for (let i = 0; i < LOGINS + 3; i++) {
    const start = performance.now();
    const response = await fetch(`${url}/token`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    if (response.status !== 200) throw new Error(`login answered ${response.status}`);
    await response.text();
    if (i >= 3) times.push(performance.now() - start); // the first ones warm up
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function meRate(url: string, token: string): Promise<number> {
  const result = await new Promise<autocannon.Result>((resolve, reject) =>
    autocannon(
      { url: `${url}/users/me/`, connections: 50, duration: SECONDS, headers: { authorization: `Bearer ${token}` } },
      (error, value) => (error ? reject(error) : resolve(value)),
    ),
  );
  if (result.non2xx) throw new Error(`${result.non2xx} non-2xx answers`);
  return result.requests.average;
}

const redis = await startRedis();
const hash = await context.hash('secret');
const users = { johndoe: { username: 'johndoe', full_name: 'John Doe', email: 'johndoe@example.com', hashed_password: hash, disabled: false } };
const configs: Array<[string, () => { throttle: object | false; calls?: { n: number }; close?: () => Promise<void> }]> = [
  ['off', () => ({ throttle: false })],
  ['memory', () => {
    const { store, calls } = counted(createMemoryCounterStore());
    return { throttle: { store }, calls };
  }],
  ['redis', () => {
    const raw = createRedisCounterStore(redis.url);
    const { store, calls } = counted(raw);
    return { throttle: { store }, calls, close: () => Promise.resolve(raw.close?.()) };
  }],
];

// All three servers up at once, measured in turns over several rounds: the machine's noise then
// falls on each alike. Medians of the rounds are reported.
const ROUNDS = Number(process.env.THROTTLE_ROUNDS ?? 3);
const running = [] as Array<{ name: string; url: string; token: string; calls?: { n: number }; stop: () => Promise<void>; p50: number[]; rate: number[]; touched: number }>;
try {
  for (const [name, make] of configs) {
    const config = make();
    const handler = createAuthHandler({ users, key: KEY, context, docs: false, throttle: config.throttle as never });
    const server = await serve(handler, { port: 0 });
    const answer = await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret' }) });
    const token = (JSON.parse(await answer.text()) as { access_token: string }).access_token;
    running.push({ name, url: server.url, token, calls: config.calls, stop: async () => (await server.close(), await config.close?.()), p50: [], rate: [], touched: 0 });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const entry of running) {
      entry.p50.push(await loginP50(entry.url));
      const before = entry.calls?.n ?? 0;
      entry.rate.push(await meRate(entry.url, entry.token));
      entry.touched += (entry.calls?.n ?? 0) - before;
    }
  }
} finally {
  for (const entry of running) await entry.stop();
  await redis.stop();
}
// The throttle's own work per successful login, without sockets or hashing. The handler's flow: read
// the three counters on arrival, count the attempt at its turn (three increments), take it back after
// the success (a reset and two decrements). For comparison, the earlier flow: two checks (reads only).
async function throttleMicros(store: CounterStore): Promise<{ turn: number; checks: number }> {
  const { throttle, turns } = createThrottleTurns({ store });
  const n = 2000;
  const login = async () => {
    const arrival = await turns.arrive('johndoe', '127.0.0.1');
    const turn = await arrival.take();
    if (!turn.allowed) throw new Error('refused');
    await turn.record(true);
  };
  for (let i = 0; i < 200; i++) await login();
  let start = performance.now();
  for (let i = 0; i < n; i++) await login();
  const turn = ((performance.now() - start) * 1000) / n;
  start = performance.now();
  for (let i = 0; i < n; i++) {
    await throttle.check('johndoe', '127.0.0.1');
    await throttle.check('johndoe', '127.0.0.1');
  }
  return { turn, checks: ((performance.now() - start) * 1000) / n };
}
const micro = await startRedis();
const microRedis = createRedisCounterStore(micro.url);
const micros = { memory: await throttleMicros(createMemoryCounterStore()), redis: await throttleMicros(microRedis) };
await microRedis.close?.();
await micro.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rows = running.map((entry) => ({ name: entry.name, p50: median(entry.p50), rate: median(entry.rate), calls: entry.touched }));

const base = rows[0]!;
console.log(`successful login p50 (bcrypt 10, ${LOGINS} sequential) and GET /users/me/ (autocannon, 50 connections, ${SECONDS} s); medians of ${ROUNDS} rounds`);
for (const row of rows) {
  console.log(
    `${row.name.padEnd(7)} login p50 ${row.p50.toFixed(2)} ms (${(row.p50 / base.p50).toFixed(3)}x off)` +
      `   /users/me/ ${Math.round(row.rate)} req/s (${(row.rate / base.rate).toFixed(3)}x off), store calls during it: ${row.calls}`,
  );
}
console.log(
  `throttle work per successful login (in process): arrival read + counted turn + take-back: memory ${micros.memory.turn.toFixed(1)} µs, ` +
    `Redis ${micros.redis.turn.toFixed(1)} µs (${((micros.redis.turn / 1000 / base.p50) * 100).toFixed(2)}% of the login p50); ` +
    `two read-only checks: memory ${micros.memory.checks.toFixed(1)} µs, Redis ${micros.redis.checks.toFixed(1)} µs`,
);
