/**
 * HTTP benchmark: GET /users/me/ with a valid token, each server in its own process, loaded from
 * 127.0.0.1 by autocannon in this one.
 *   - gatehouse: createAuthHandler on gatehouse/node (bcrypt-12 seed user, HS256 token)
 *   - noauth: the same JSON, no authentication, same adapter and response helper (a sync function)
 *   - noauth-async: the same, as an async function
 *   - noauth-plain: the same, with a plain `new Response` (a handler as users write it)
 *   - hono-jwt: Hono + hono/jwt on @hono/node-server (the peer); hono-noauth for reference
 * Then: does logging in starve other requests? 4 clients log in continuously (bcrypt cost 12)
 * while GET /users/me/ is loaded; its p99 latency is printed next to the one without logins.
 *
 *   npm run bench:http     BENCH_SECONDS=5 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3 by default;
 *                          BENCH_ONLY=throughput|starvation runs one part
 */
import { cpuOf, fmt, load, median, startServer as startKind, stop } from './harness.js';
import { johndoeToken } from './http-common.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KINDS = ['gatehouse', 'noauth', 'noauth-async', 'noauth-plain', 'hono-jwt', 'hono-noauth'] as const;
type Kind = (typeof KINDS)[number];

interface Run {
  rps: number;
  p99: number;
  non2xx: number;
  /** Server CPU time per request: what the server spends, whatever the load generator gets. */
  cpuPerRequest: number;
}

async function measure(kind: Kind, bearer: string): Promise<Run> {
  const { child, url } = await startKind(kind);
  try {
    const options = {
      url: `${url}/users/me/`,
      connections: CONNECTIONS,
      headers: { authorization: `Bearer ${bearer}` },
    };
    await load({ ...options, duration: 1 }); // warm-up: JIT, caches
    const before = await cpuOf(child);
    const result = await load({ ...options, duration: SECONDS });
    const cpu = (await cpuOf(child)) - before;
    return {
      rps: result.requests.average,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      cpuPerRequest: cpu / result.requests.total,
    };
  } finally {
    await stop(child);
  }
}

async function starvation(bearer: string) {
  const { child, url } = await startKind('gatehouse');
  try {
    const me = { url: `${url}/users/me/`, connections: 10, headers: { authorization: `Bearer ${bearer}` } };
    await load({ ...me, duration: 1 });
    const quiet = await load({ ...me, duration: SECONDS });
    const logins = load({
      url: `${url}/token`,
      method: 'POST',
      connections: 4,
      duration: SECONDS + 1,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=johndoe&password=secret',
    });
    await new Promise((r) => setTimeout(r, 500)); // let the logins get going
    const busy = await load({ ...me, duration: SECONDS });
    const login = await logins;
    return { quiet, busy, login };
  } finally {
    await stop(child);
  }
}

async function main() {
  const bearer = johndoeToken();
  if (process.env.BENCH_ONLY !== 'starvation') await throughput(bearer);
  if (process.env.BENCH_ONLY !== 'throughput') await noStarvation(bearer);
}

async function throughput(bearer: string) {
  console.log(
    `GET /users/me/, ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds, node ${process.version}\n` +
      '(every round runs each server once, in a rotating order. Other load on the machine only slows runs down,\n' +
      ' so throughput is the best run of each server; the server CPU time per request (median) does not\n' +
      ' depend on how much CPU the load generator gets, and is the steadier figure on a busy machine)',
  );
  const runs = new Map<Kind, Run[]>(KINDS.map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]!);
    for (const kind of order) runs.get(kind)!.push(await measure(kind, bearer));
  }
  const best = (kind: Kind) => Math.max(...runs.get(kind)!.map((r) => r.rps));
  const cpu = (kind: Kind) => median(runs.get(kind)!.map((r) => r.cpuPerRequest));
  for (const kind of KINDS) {
    const all = runs.get(kind)!;
    const non2xx = all.reduce((sum, r) => sum + r.non2xx, 0);
    console.log(
      `  ${kind.padEnd(13)} ${fmt(best(kind)).padStart(7)} req/s   ${cpu(kind).toFixed(1).padStart(6)} µs CPU/request` +
        `   p99 ${median(all.map((r) => r.p99))} ms   runs: ${all.map((r) => fmt(r.rps)).join(', ')}` +
        `${non2xx ? `   NON-2XX: ${non2xx}` : ''}`,
    );
  }
  const line = (a: Kind, b: Kind, target?: number) => {
    const byRps = best(a) / best(b);
    const byCpu = cpu(b) / cpu(a);
    const verdict = target === undefined ? '' : `   target >= ${target}: ${byRps >= target ? 'ok' : 'below'} by req/s, ${byCpu >= target ? 'ok' : 'below'} by CPU`;
    console.log(`  ${`${a} / ${b}`.padEnd(26)} = ${byRps.toFixed(2)}x req/s, ${byCpu.toFixed(2)}x CPU per request${verdict}`);
  };
  line('gatehouse', 'hono-jwt', 3);
  line('gatehouse', 'noauth', 0.8);
  line('gatehouse', 'noauth-async', 0.8);
  line('gatehouse', 'noauth-plain');
  line('noauth', 'hono-noauth');
}

async function noStarvation(bearer: string) {
  console.log(`\nLogins do not starve other requests: GET /users/me/ (10 connections) while 4 clients log in (bcrypt cost 12)`);
  const { quiet, busy, login } = await starvation(bearer);
  console.log(`  without logins: ${fmt(quiet.requests.average)} req/s, p50 ${quiet.latency.p50} ms, p99 ${quiet.latency.p99} ms, max ${quiet.latency.max} ms`);
  console.log(`  with logins:    ${fmt(busy.requests.average)} req/s, p50 ${busy.latency.p50} ms, p99 ${busy.latency.p99} ms, max ${busy.latency.max} ms`);
  console.log(`  logins:         ${login.requests.total} in ${SECONDS + 1} s (${(login.requests.total / (SECONDS + 1)).toFixed(1)}/s), ${login.non2xx} non-2xx`);
  console.log(`  p99 with logins = ${busy.latency.p99} ms  (target <= 50 ms)   ${busy.latency.p99 <= 50 ? 'ok' : 'ABOVE TARGET'}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
