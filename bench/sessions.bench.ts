/**
 * The session cookie against the bearer token on the same server, in the same run: GET /users/me/
 * through the built CLI, `node dist/cli/index.js serve --sessions --allow-http-cookies` (users in
 * memory: the tutorial's johndoe), under wrk (one thread, few connections). One login by POST /login
 * gives the cookie, one by POST /token the bearer token (both from this server: the token carries
 * the user's stamp); then rounds alternate cookie and bearer on the same process, and the medians
 * are reported with the ratio cookie / bearer, as req/s and as the server's CPU per request (from
 * /proc: Linux only). The session is not renewed during the run (updateAge: 1 day), so the cookie
 * path is a store read per request, as in production between renewals.
 *
 *   npm run build && npm run bench:sessions   BENCH_SECONDS=5 BENCH_CONNECTIONS=10 BENCH_ROUNDS=3 by default
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fmt, median, stop } from './harness.js';
import { KEY } from './http-common.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLI = new URL('../dist/cli/index.js', import.meta.url).pathname;
const TICK_US = 1e6 / Number(process.env.BENCH_CLK_TCK ?? 100);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const CREDENTIALS = 'username=johndoe&password=secret';

/** Clock ticks of CPU (utime + stime) the process has used, from /proc (Linux), or NaN. */
function cpuTicks(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

/** `gatehouse serve --sessions --allow-http-cookies` on a free loopback port, running. */
async function startCli(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-event-log', '--sessions', '--allow-http-cookies'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SECRET_KEY: KEY },
  });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    const match = /serving on (http:\/\/\S+?) /.exec(out);
    if (match) return { child, url: match[1]! };
  }
  throw new Error(`gatehouse serve --sessions did not start:\n${out}`);
}

/** The `Cookie` header POST /login's session cookie makes. */
async function sessionCookie(url: string): Promise<string> {
  const response = await fetch(`${url}/login`, { method: 'POST', headers: FORM, body: CREDENTIALS });
  const setCookie = response.headers.get('set-cookie');
  if (response.status !== 200 || !setCookie) throw new Error(`POST /login answered ${response.status}: ${await response.text()}`);
  return setCookie.slice(0, setCookie.indexOf(';'));
}

/** A bearer token from POST /token of the same server. */
async function bearerToken(url: string): Promise<string> {
  const response = await fetch(`${url}/token`, { method: 'POST', headers: FORM, body: CREDENTIALS });
  if (response.status !== 200) throw new Error(`POST /token answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Both headers must get the same 200 first: a bench of 401s would measure nothing. */
async function checkSame(url: string, cookie: string, bearer: string): Promise<void> {
  const [byCookie, byBearer] = await Promise.all([
    fetch(`${url}/users/me/`, { headers: { cookie } }),
    fetch(`${url}/users/me/`, { headers: { authorization: `Bearer ${bearer}` } }),
  ]);
  const [a, b] = [await byCookie.text(), await byBearer.text()];
  if (byCookie.status !== 200 || byBearer.status !== 200 || a !== b) {
    throw new Error(`GET /users/me/ answered ${byCookie.status} ${a} with the cookie, ${byBearer.status} ${b} with the token`);
  }
}

const run = promisify(execFile);

/** wrk against GET /users/me/ with one header: req/s and the number of requests. */
async function wrk(url: string, header: string): Promise<{ rate: number; requests: number }> {
  const { stdout } = await run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '-H', header, `${url}/users/me/`], { encoding: 'utf8' });
  if (/Non-2xx/.test(stdout)) throw new Error(`non-2xx answers with ${header.split(':')[0]}:\n${stdout}`);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const requests = /(\d+) requests in/.exec(stdout);
  if (!rate || !requests) throw new Error(`no result from wrk:\n${stdout}`);
  return { rate: Number(rate[1]), requests: Number(requests[1]) };
}

async function main(): Promise<void> {
  const { child, url } = await startCli();
  try {
    const cookie = await sessionCookie(url);
    const bearer = await bearerToken(url);
    await checkSame(url, cookie, bearer);
    const headers = { cookie: `Cookie: ${cookie}`, bearer: `Authorization: Bearer ${bearer}` };
    const results: Record<'cookie' | 'bearer', { rate: number[]; cpu: number[] }> = { cookie: { rate: [], cpu: [] }, bearer: { rate: [], cpu: [] } };
    await wrk(url, headers.bearer); // warm-up: JIT, caches
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so that neither always follows the other.
      const order: Array<'cookie' | 'bearer'> = round % 2 === 0 ? ['cookie', 'bearer'] : ['bearer', 'cookie'];
      for (const kind of order) {
        const before = cpuTicks(child.pid);
        const { rate, requests } = await wrk(url, headers[kind]);
        results[kind].rate.push(rate);
        results[kind].cpu.push(((cpuTicks(child.pid) - before) * TICK_US) / requests);
        console.log(`round ${round + 1} ${kind.padEnd(6)} ${fmt(rate)} req/s`);
      }
    }
    const [cookieRate, bearerRate] = [median(results.cookie.rate), median(results.bearer.rate)];
    const [cookieCpu, bearerCpu] = [median(results.cookie.cpu), median(results.bearer.cpu)];
    console.log(`\nGET /users/me/ on gatehouse serve --sessions, ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections (medians)`);
    console.log(`  cookie  ${fmt(cookieRate)} req/s  ${cookieCpu.toFixed(1)} µs CPU/request`);
    console.log(`  bearer  ${fmt(bearerRate)} req/s  ${bearerCpu.toFixed(1)} µs CPU/request`);
    console.log(`  cookie / bearer: ${(cookieRate / bearerRate).toFixed(2)}x req/s, ${(bearerCpu / cookieCpu).toFixed(2)}x per CPU`);
  } finally {
    await stop(child);
  }
}

await main();
