/**
 * Refresh-token rotation on PostgreSQL, side by side in one run, rounds interleaved, medians:
 *   - gatehouse: the real CLI, `node dist/cli/index.js serve --database postgres://... --refresh-tokens`
 *     (rotation with reuse detection and the grace window, the user checked at every refresh);
 *   - peer: bench/refresh-peer-server.ts, node:http + pg doing only the unavoidable work of a
 *     rotation (one compare-and-swap UPDATE and one INSERT) and an HS256 signature.
 * Each of CLIENTS clients holds one refresh token (one family) and refreshes in a loop, always with
 * the token it was just given. Statements per refresh are read from PostgreSQL itself
 * (pg_stat_statements, counted as each statement ends) and must be at most 3.
 *
 * Second part: GET /users/me/ under wrk with an access token whose revocation is checked per
 * request (`--refresh-tokens`: the token has `sid` and `jti`) against the same server without it.
 *
 *   npm run build && npm run bench:refresh   (BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_CLIENTS=10)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import pg from 'pg';
import { COUNT_STATEMENTS, startTestPostgres, statementCounter } from '../test/helpers/postgres.js';
import { fmt, median, stop } from './harness.js';
import { seedPeerTokens } from './refresh-peer-server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10);
const SECRET = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
const CLI = new URL('../dist/cli/index.js', import.meta.url).pathname;
const PEER = new URL('./refresh-peer-server.ts', import.meta.url).pathname;
const PASSWORD = 'secret';

async function spawnReady(args: string[], pattern: RegExp, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    const match = pattern.exec(out);
    if (match) return { child, url: match[1]!.startsWith('http') ? match[1]! : `http://127.0.0.1:${match[1]}` };
  }
  throw new Error(`${args.join(' ')} did not start:\n${out}`);
}

const startGatehouse = (database: string, extra: string[]) =>
  spawnReady([CLI, 'serve', '--port', '0', '--no-event-log', '--database', database, ...extra], /serving on (http:\/\/\S+?) /, { SECRET_KEY: SECRET });
const startPeer = (database: string) =>
  spawnReady(['--import', 'tsx', PEER], /READY (\d+)/, { BENCH_PG_URL: database, BENCH_SECRET: SECRET });

async function post(url: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(form) });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** CLIENTS loops, each refreshing its own family for SECONDS; refreshes done per second. */
async function refreshLoad(url: string, tokens: string[]): Promise<{ rate: number; count: number }> {
  let count = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    tokens.map(async (first) => {
      let token = first;
      while (performance.now() < end) {
        const body = await post(`${url}/token`, { grant_type: 'refresh_token', refresh_token: token });
        token = body.refresh_token as string;
        count++;
      }
      tokens[tokens.indexOf(first)] = token;
    }),
  );
  return { rate: count / SECONDS, count };
}

function wrk(url: string, bearer: string): number {
  const out = execFileSync('wrk', ['-t1', '-c10', `-d${SECONDS}s`, '-H', `Authorization: Bearer ${bearer}`, url], { encoding: 'utf8' });
  if (/Non-2xx/.test(out)) throw new Error(`non-2xx answers from ${url}:\n${out}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
}

async function main(): Promise<void> {
  const database = await startTestPostgres({ settings: COUNT_STATEMENTS });
  if ('skip' in database) throw new Error(database.skip);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const statements = await statementCounter(database.url);
  try {
    const { createPostgresUserStore } = await import('gatehouse/postgres');
    const { hashPassword } = await import('gatehouse');
    const users = createPostgresUserStore(database.url);
    await users.migrate();
    await users.createUser({ username: 'johndoe', hashed_password: await hashPassword(PASSWORD) });
    await users.close();

    const ratios: number[] = [];
    const perRefresh: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const gatehouse = await startGatehouse(database.url, ['--refresh-tokens']);
      let ours: { rate: number; count: number };
      try {
        const tokens: string[] = [];
        for (let i = 0; i < CLIENTS; i++) {
          const body = await post(`${gatehouse.url}/token`, { username: 'johndoe', password: PASSWORD });
          tokens.push(body.refresh_token as string);
        }
        await statements.reset();
        ours = await refreshLoad(gatehouse.url, tokens);
        perRefresh.push((await statements.count()) / ours.count);
      } finally {
        await stop(gatehouse.child);
      }
      const peer = await startPeer(database.url);
      let theirs: { rate: number };
      try {
        theirs = await refreshLoad(peer.url, await seedPeerTokens(pool, 'johndoe', CLIENTS));
      } finally {
        await stop(peer.child);
      }
      ratios.push(ours.rate / theirs.rate);
      console.log(`round ${round + 1}: gatehouse ${fmt(ours.rate)}/s, peer ${fmt(theirs.rate)}/s, ratio ${(ours.rate / theirs.rate).toFixed(2)}x`);
    }
    const perOne = median(perRefresh);
    console.log(`refreshes/s on PostgreSQL: ${median(ratios).toFixed(2)}x the minimal pg server (median of ${ROUNDS}); ${perOne.toFixed(2)} statements per refresh`);
    if (perOne > 3) throw new Error(`more than 3 statements per refresh: ${perOne}`);

    // GET /users/me/ with the per-request revocation check, against the same server without it.
    const meRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const rates: Record<string, number> = {};
      // The order alternates by round: neither side always runs on a machine just warmed by the other.
      const sides = [['on', ['--refresh-tokens']], ['off', []]] as const;
      for (const [name, flags] of round % 2 === 0 ? sides : [...sides].reverse()) {
        const server = await startGatehouse(database.url, [...flags]);
        try {
          const body = await post(`${server.url}/token`, { username: 'johndoe', password: PASSWORD });
          rates[name] = wrk(`${server.url}/users/me/`, body.access_token as string);
        } finally {
          await stop(server.child);
        }
      }
      meRatios.push(rates.on! / rates.off!);
      console.log(`round ${round + 1}: /users/me/ revocation on ${fmt(rates.on!)}/s, off ${fmt(rates.off!)}/s`);
    }
    console.log(`GET /users/me/ with revocation checked: ${median(meRatios).toFixed(2)}x the same server without (median of ${ROUNDS})`);
  } finally {
    await statements.close();
    await pool.end();
    await database.destroy();
  }
}

await main();
