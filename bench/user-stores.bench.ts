/**
 * GET /users/me/ with the user read from a database on every request, against the memory store, in
 * the same run: memory (gatehouse's handler on the seed object), sqlite (better-sqlite3 on a file),
 * postgres (pg pool to a local server), postgres-cache (the same with `cache: { ttl: 1000 }`), mariadb
 * and mariadb-cache (mysql2 pool to a local MariaDB, without and with the cache).
 * Each server runs in its own process; autocannon loads it from this one, from 127.0.0.1.
 * PostgreSQL: a throwaway cluster (test/helpers/postgres.ts) or $PG_URL; MariaDB: a throwaway server
 * (test/helpers/mariadb.ts) or $MYSQL_URL; each left out when neither works.
 *
 *   npm run bench:stores     BENCH_SECONDS=5 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3 by default
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres } from '../test/helpers/postgres.js';
import { startTestMariadb } from '../test/helpers/mariadb.js';
import { createMysqlUserStore } from '../src/users/sql/mysql.js';
import { createPostgresUserStore } from '../src/users/sql/postgres.js';
import { createSqliteUserStore } from '../src/users/sql/sqlite.js';
import { cpuOf, fmt, load, median, startServer, stop } from './harness.js';
import { SEED, johndoeToken } from './http-common.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Run {
  rps: number;
  p99: number;
  non2xx: number;
  cpuPerRequest: number;
}

async function measure(kind: string, env: Record<string, string>, bearer: string): Promise<Run> {
  const server = kind === 'memory' ? 'gatehouse' : kind;
  const { child, url } = await startServer(server, env);
  try {
    const options = { url: `${url}/users/me/`, connections: CONNECTIONS, headers: { authorization: `Bearer ${bearer}` } };
    await load({ ...options, duration: 1 }); // warm-up: JIT, connections, caches
    const before = await cpuOf(child);
    const result = await load({ ...options, duration: SECONDS });
    const cpu = (await cpuOf(child)) - before;
    return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, cpuPerRequest: cpu / result.requests.total };
  } finally {
    await stop(child);
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-stores-'));
  const sqlitePath = join(dir, 'users.db');
  const sqlite = createSqliteUserStore(sqlitePath);
  await sqlite.migrate();
  await sqlite.createUser(SEED.johndoe);
  await sqlite.close();

  const env: Record<string, string> = { BENCH_SQLITE_PATH: sqlitePath };
  const kinds = ['memory', 'sqlite'];
  const postgres = await startTestPostgres().catch((error: Error) => ({ skip: error.message }));
  if ('url' in postgres) {
    const store = createPostgresUserStore(postgres.url);
    await store.migrate();
    await store.createUser(SEED.johndoe);
    await store.close();
    env.BENCH_PG_URL = postgres.url;
    kinds.push('postgres', 'postgres-cache');
  } else {
    console.log(`(PostgreSQL left out: ${postgres.skip})`);
  }
  const mariadb = await startTestMariadb().catch((error: Error) => ({ skip: error.message }));
  if ('url' in mariadb) {
    const store = createMysqlUserStore(mariadb.url);
    await store.migrate();
    await store.createUser(SEED.johndoe);
    await store.close();
    env.BENCH_MYSQL_URL = mariadb.url;
    kinds.push('mariadb', 'mariadb-cache');
  } else {
    console.log(`(MariaDB left out: ${mariadb.skip})`);
  }

  console.log(
    `GET /users/me/, user read from the store on every request; ${CONNECTIONS} connections, ${SECONDS} s per run, ` +
      `${ROUNDS} rounds, node ${process.version}\n(rounds rotate the order; throughput is each server's best run, ` +
      'CPU per request the median: the steadier figure on a busy machine)',
  );
  const bearer = johndoeToken();
  const runs = new Map<string, Run[]>(kinds.map((k) => [k, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of kinds.map((_, i) => kinds[(i + round) % kinds.length]!)) runs.get(kind)!.push(await measure(kind, env, bearer));
    }
  } finally {
    if ('destroy' in postgres) await postgres.destroy();
    if ('destroy' in mariadb) await mariadb.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const best = (kind: string) => Math.max(...runs.get(kind)!.map((r) => r.rps));
  const cpu = (kind: string) => median(runs.get(kind)!.map((r) => r.cpuPerRequest));
  for (const kind of kinds) {
    const all = runs.get(kind)!;
    const non2xx = all.reduce((sum, r) => sum + r.non2xx, 0);
    console.log(
      `  ${kind.padEnd(15)} ${fmt(best(kind)).padStart(7)} req/s   ${cpu(kind).toFixed(1).padStart(6)} µs CPU/request` +
        `   p99 ${median(all.map((r) => r.p99))} ms   runs: ${all.map((r) => fmt(r.rps)).join(', ')}${non2xx ? `   NON-2XX: ${non2xx}` : ''}`,
    );
  }
  for (const kind of kinds.slice(1)) {
    const ratio = best(kind) / best('memory');
    const cpuRatio = cpu('memory') / cpu(kind);
    console.log(
      `  ${`${kind} / memory`.padEnd(24)} = ${ratio.toFixed(2)}x req/s, ${cpuRatio.toFixed(2)}x CPU per request` +
        `   target >= 0.8: ${ratio >= 0.8 ? 'ok' : 'below'}`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
