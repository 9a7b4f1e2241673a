/**
 * The adapter and the auth hot path under wrk (one thread, few connections), side by side with
 * @hono/node-server in the same run, rounds interleaved, medians reported; gatehouse as built (npm
 * run build first), as the peers are compiled JavaScript:
 *   - dist-plain vs hono-plain: `() => new Response(json)` on gatehouse/node's serve() and on
 *     @hono/node-server (the adapter alone)
 *   - dist-gatehouse: GET /users/me/ with a valid token through createAuthHandler on serve(),
 *     against hono-noauth (the same JSON without authentication on @hono/node-server)
 *
 *   npm run bench:http-wrk    BENCH_SECONDS=5 BENCH_CONNECTIONS=10 BENCH_ROUNDS=3 by default
 */
import { execFileSync } from 'node:child_process';
import { fmt, median, startServer, stop } from './harness.js';
import { johndoeToken } from './http-common.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KINDS = (process.env.BENCH_KINDS ?? 'dist-plain,hono-plain,dist-gatehouse,hono-noauth').split(',');

function wrk(url: string, seconds: number, bearer: string): number {
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-H', `Authorization: Bearer ${bearer}`, url],
    { encoding: 'utf8' },
  );
  if (/Non-2xx/.test(out)) throw new Error(`non-2xx answers from ${url}:\n${out}`);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!match) throw new Error(`no result from wrk:\n${out}`);
  return Number(match[1]);
}

async function measure(kind: string, bearer: string): Promise<number> {
  const { child, url } = await startServer(kind);
  try {
    wrk(`${url}/users/me/`, 1, bearer); // warm-up: JIT, caches
    return wrk(`${url}/users/me/`, SECONDS, bearer);
  } finally {
    await stop(child);
  }
}

async function main() {
  const bearer = johndoeToken();
  const runs = new Map<string, number[]>(KINDS.map((kind) => [kind, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of KINDS) runs.get(kind)!.push(await measure(kind, bearer));
  }
  const medians = new Map([...runs].map(([kind, values]) => [kind, median(values)]));
  console.log(`wrk -t1 -c${CONNECTIONS}, ${SECONDS} s, ${ROUNDS} rounds interleaved (median req/s; rounds in brackets)`);
  for (const [kind, values] of runs) console.log(`  ${kind.padEnd(14)} ${fmt(medians.get(kind)!).padStart(8)}  [${values.map(fmt).join(', ')}]`);
  const ratio = (a: string, b: string) =>
    medians.has(a) && medians.has(b) && console.log(`  ${a} / ${b}: ${(medians.get(a)! / medians.get(b)!).toFixed(2)}x`);
  ratio('dist-plain', 'hono-plain');
  ratio('dist-gatehouse', 'hono-noauth');
  ratio('dist-gatehouse', 'hono-plain');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
