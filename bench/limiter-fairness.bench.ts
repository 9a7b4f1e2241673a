/**
 * Login fairness (issue 7, part 3), against a server in its own process (bench/limiter-fairness-server.ts,
 * bcrypt cost 10, one check at a time). Clients bind distinct loopback addresses (127.0.0.x), so the
 * server sees distinct clients:
 *   1. login throughput: 4 clients (4 addresses) logging in back to back;
 *   2. GET /users/me/ p50/p99 (autocannon, 10 connections) while those 4 log in, and without logins;
 *   3. a real user's login latency (sequential logins from 127.0.0.3) while 127.0.0.2 keeps 120
 *      wrong logins in flight;
 *   4. the same while 13 addresses (127.0.0.20-32) keep 9 wrong logins each in flight: together
 *      more than the shared queue (100) holds (issue 18, item 3).
 * Run it on this checkout and on another (before/after) with GATEHOUSE_ROOT=/path/to/checkout.
 *
 *   node --import tsx bench/limiter-fairness.bench.ts     BENCH_SECONDS=5 by default
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest, Agent } from 'node:http';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';

async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./limiter-fairness-server.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    const match = /READY (\d+)/.exec(out);
    if (match) return { child, port: Number(match[1]) };
  }
  throw new Error('the server did not start');
}

const agents = new Map<string, Agent>();
function login(port: number, from: string, username: string, password: string): Promise<{ status: number; ms: number }> {
  let agent = agents.get(from);
  if (!agent) agents.set(from, (agent = new Agent({ keepAlive: true, maxSockets: 200, localAddress: from } as never)));
  const body = new URLSearchParams({ username, password }).toString();
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/token', method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - start }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;

/** `clients` loops logging in until `until`; returns successful logins. */
async function loginLoops(port: number, clients: number, until: number): Promise<number> {
  let ok = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (performance.now() < until) {
        const { status } = await login(port, `127.0.0.${10 + i}`, ['johndoe', 'alice', 'bob', 'carol'][i % 4]!, 'secret');
        if (status === 200) ok++;
        else await sleep(5);
      }
    }),
  );
  return ok;
}

function token(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'johndoe', exp: Math.floor(Date.now() / 1000) + 1200 })}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}

function getLoad(port: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) =>
    autocannon(
      { url: `http://127.0.0.1:${port}/users/me/`, connections: 10, duration: SECONDS, headers: { authorization: `Bearer ${token()}` } },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
}

/**
 * A real user's logins (127.0.0.3) for SECONDS while each of `flood` (an address each) keeps a wrong
 * login in flight, sent again `retryMs` after a 429. The real user's tries are sequential, or one
 * every `everyMs` without waiting for the answers (a queued try can take seconds to be served).
 */
async function realUserDuring(port: number, flood: string[], retryMs: number, everyMs?: number) {
  let flooding = true;
  const floodStatus = new Map<number, number>();
  const flooder = Promise.all(
    flood.map(async (address) => {
      while (flooding) {
        const { status } = await login(port, address, 'johndoe', 'wrong');
        floodStatus.set(status, (floodStatus.get(status) ?? 0) + 1);
        if (status === 429) await sleep(retryMs);
      }
    }),
  );
  await sleep(500);
  const real: Array<{ status: number; ms: number }> = [];
  const realEnd = performance.now() + SECONDS * 1000;
  const tries: Array<Promise<void>> = [];
  while (performance.now() < realEnd) {
    const answer = login(port, '127.0.0.3', 'alice', 'secret').then((result) => void real.push(result));
    if (everyMs === undefined) {
      await answer;
    } else {
      tries.push(answer);
      await sleep(everyMs);
    }
  }
  await Promise.all(tries);
  flooding = false;
  await flooder;
  const realMs = real.map((r) => r.ms);
  const realOk = real.filter((r) => r.status === 200).length;
  return {
    summary: `${real.length} tries, ${realOk} ok, ${real.length - realOk} refused; latency p50 ${quantile(realMs, 0.5).toFixed(0)} ms, p99 ${quantile(realMs, 0.99).toFixed(0)} ms, max ${Math.max(...realMs).toFixed(0)} ms`,
    floodAnswers: [...floodStatus].map(([status, count]) => `${status}: ${count}`).join(', '),
  };
}

const { child, port } = await startServer();
try {
  await login(port, '127.0.0.1', 'johndoe', 'secret'); // warm up

  // 1. login throughput
  const throughputEnd = performance.now() + SECONDS * 1000;
  const logins = await loginLoops(port, 4, throughputEnd);
  const loginsPerSecond = logins / SECONDS;

  // 2. GET p99 without and with logins
  const quiet = await getLoad(port);
  const busyEnd = performance.now() + SECONDS * 1000;
  const [busy] = await Promise.all([getLoad(port), loginLoops(port, 4, busyEnd)]);

  // 3. a real user's login while one client floods; 4. while 13 clients flood together
  const oneFlooder = await realUserDuring(port, Array.from({ length: 120 }, () => '127.0.0.2'), 1000); // as Retry-After says
  const thirteen = Array.from({ length: 13 }, (_, i) => `127.0.0.${20 + i}`);
  // These ignore Retry-After (an attacker would), so that the shared queue stays full.
  const thirteenFlooders = await realUserDuring(port, thirteen.flatMap((address) => new Array<string>(9).fill(address)), 50, 500);

  console.log(`node ${process.version}, server ${process.env.GATEHOUSE_ROOT ?? 'this checkout'}, ${SECONDS} s per phase, bcrypt cost 10`);
  console.log(`login throughput, 4 clients:            ${loginsPerSecond.toFixed(1)} logins/s`);
  console.log(`GET /users/me/ without logins:          ${quiet.requests.average.toFixed(0)} req/s, p50 ${quiet.latency.p50} ms, p99 ${quiet.latency.p99} ms`);
  console.log(`GET /users/me/ during 4 clients' logins: ${busy.requests.average.toFixed(0)} req/s, p50 ${busy.latency.p50} ms, p99 ${busy.latency.p99} ms`);
  console.log(`real user's login while one client keeps 120 in flight: ${oneFlooder.summary}`);
  console.log(`flooder's answers: ${oneFlooder.floodAnswers}`);
  console.log(`real user's login (one every 500 ms) while 13 clients keep 9 each in flight (retrying 429s after 50 ms): ${thirteenFlooders.summary}`);
  console.log(`flooders' answers: ${thirteenFlooders.floodAnswers}`);
} finally {
  child.kill('SIGKILL');
  if (child.exitCode === null) await once(child, 'exit');
  for (const agent of agents.values()) agent.destroy();
}
