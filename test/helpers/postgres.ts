/**
 * A real PostgreSQL for the tests: a throwaway cluster (initdb in a temp dir, as the `postgres` user
 * when running as root, on a free port of 127.0.0.1, trust auth), or the server at $PG_URL (a fresh
 * database is created there and dropped afterwards; stop/start are then unavailable).
 *
 * Outside CI, a machine without PostgreSQL gets `{ skip: reason }`; with CI=true it throws instead.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './services.js';

const run = promisify(execFile);

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/DB of a database only this test file uses. */
  readonly url: string;
  /** Whether stop() and start() work (our own cluster, not $PG_URL). */
  readonly controllable: boolean;
  /** Stop the server (fast shutdown: connections are cut). */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  /** Stop and remove everything. */
  destroy(): Promise<void>;
}

function findBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

const databaseName = () => `gatehouse_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

async function fromUrl(adminUrl: string): Promise<TestPostgres> {
  const name = databaseName();
  await createDatabase(adminUrl, name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const unavailable = () => Promise.reject(new Error('stop/start need the tests\' own cluster (unset PG_URL)'));
  return { url: url.href, controllable: false, stop: unavailable, start: unavailable, destroy: () => dropDatabase(adminUrl, name) };
}

async function ownCluster(bin: string, settings: readonly string[] = []): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  const root = userInfo().uid === 0;
  // initdb refuses to run as root: the cluster belongs to the postgres user.
  const as = async (command: string, args: string[]) => {
    const file = join(bin, command);
    return root ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);
  };
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = [`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, ...settings.map((setting) => `-c ${setting}`)].join(' ');
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  const name = databaseName();
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await createDatabase(admin, name);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${name}`,
    controllable: true,
    stop,
    start,
    destroy: async () => {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PostgreSQL for this test file, or why there is none (outside CI only). `settings` are server
 * settings (`shared_preload_libraries=pg_stat_statements`) for the tests' own cluster; a PG_URL
 * server is used as it is.
 */
export async function startTestPostgres(options: { settings?: readonly string[] } = {}): Promise<TestPostgres | { skip: string }> {
  const inCi = process.env.CI === 'true';
  try {
    if (process.env.PG_URL) return await fromUrl(process.env.PG_URL);
    const bin = findBinDir();
    if (!bin) throw new Error('no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql, or set PG_URL)');
    return await ownCluster(bin, options.settings);
  } catch (error) {
    const reason = `PostgreSQL unavailable: ${(error as Error).message}`;
    if (inCi) throw new Error(`${reason} (CI=true: PostgreSQL tests must run)`);
    return { skip: reason };
  }
}

/** Server settings that make statementCounter work (for startTestPostgres). */
export const COUNT_STATEMENTS = ['shared_preload_libraries=pg_stat_statements'];

/**
 * Statements run in `url`'s database, read from pg_stat_statements (counted as each ends, unlike
 * pg_stat_database, which a backend reports up to seconds later). Needs a server started with
 * COUNT_STATEMENTS; its own queries are not counted.
 */
export async function statementCounter(
  url: string,
): Promise<{ reset(): Promise<void>; count(containing?: string): Promise<number>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a server stopped by the test: the next count fails instead
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    async reset() {
      await client.query('SELECT pg_stat_statements_reset()');
    },
    /** Statements run since reset; with `containing`, only those whose text contains it. */
    async count(containing = '') {
      const { rows } = await client.query(
        `SELECT COALESCE(sum(calls), 0)::int AS calls FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'
         AND strpos(query, $1) > 0`,
        [containing],
      );
      return Number(rows[0].calls);
    },
    close: () => client.end(),
  };
}
