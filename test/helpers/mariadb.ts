/**
 * A real MariaDB for the tests: Debian's mariadb-server started on a throwaway data directory (a temp
 * dir, a free port of 127.0.0.1, root without a password), or the server at $MYSQL_URL (a fresh
 * database is created there and dropped afterwards; stop/start are then unavailable).
 *
 * Outside CI, a machine without MariaDB gets `{ skip: reason }`; with CI=true it throws instead.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort, waitFor } from './services.js';

const run = promisify(execFile);

export interface TestMariadb {
  /** mysql://root@127.0.0.1:PORT/DB of a database only this test file uses. */
  readonly url: string;
  /** mysql://root@127.0.0.1:PORT/ (no database): for creating more databases. */
  readonly adminUrl: string;
  /** The database name in `url`. */
  readonly database: string;
  /** Whether stop() and start() work (our own server, not $MYSQL_URL). */
  readonly controllable: boolean;
  /** Stop the server (connections are cut). */
  stop(): Promise<void>;
  /** Start it again on the same port and data directory. */
  start(): Promise<void>;
  /** Creates one more empty database on the same server and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stop and remove everything. */
  destroy(): Promise<void>;
}

function findBinary(names: string[], dirs = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']): string | null {
  for (const name of names) for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

const databaseName = () => `gatehouse_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

async function execAdmin(adminUrl: string, sql: string): Promise<void> {
  const connection = await mysql.createConnection({ uri: adminUrl });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

const createSql = (name: string) =>
  `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

async function fromUrl(given: string): Promise<TestMariadb> {
  const admin = new URL(given);
  admin.pathname = '/';
  const adminUrl = admin.href;
  const created: string[] = [];
  const createDatabase = async (name = databaseName()) => {
    await execAdmin(adminUrl, createSql(name));
    created.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.href;
  };
  const database = databaseName();
  const url = await createDatabase(database);
  const unavailable = () => Promise.reject(new Error("stop/start need the tests' own server (unset MYSQL_URL)"));
  return {
    url,
    adminUrl,
    database,
    controllable: false,
    stop: unavailable,
    start: unavailable,
    createDatabase,
    destroy: async () => {
      for (const name of created) await execAdmin(adminUrl, `DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
    },
  };
}

async function ownServer(installDb: string, server: string): Promise<TestMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mariadb-'));
  const data = join(dir, 'data');
  await run(installDb, [
    '--no-defaults',
    `--datadir=${data}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ], { timeout: 120_000 });
  const port = await freePort();
  const adminUrl = `mysql://root@127.0.0.1:${port}/`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    if (child) return;
    const proc = spawn(server, [
      '--no-defaults',
      `--datadir=${data}`,
      '--user=root',
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-flush-log-at-trx-commit=2',
      '--max-connections=500',
      `--log-error=${join(dir, 'log')}`,
    ], { stdio: 'ignore' });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => {
      gone = true;
      if (child === proc) child = null;
    });
    await waitFor(async () => {
      if (gone) throw new Error('mariadbd exited');
      const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
      await connection.end();
      return true;
    }, 30_000, 'mariadbd');
    if (gone) throw new Error(`mariadbd exited while starting (see ${join(dir, 'log')})`);
  };
  const stop = async () => {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
    child = null;
  };
  try {
    await start();
  } catch (error) {
    await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const createDatabase = async (name = databaseName()) => {
    await execAdmin(adminUrl, createSql(name));
    return `mysql://root@127.0.0.1:${port}/${name}`;
  };
  const database = databaseName();
  const url = await createDatabase(database);
  return {
    url,
    adminUrl,
    database,
    controllable: true,
    stop,
    start,
    createDatabase,
    destroy: async () => {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A MariaDB for this test file, or why there is none (outside CI only). */
export async function startTestMariadb(): Promise<TestMariadb | { skip: string }> {
  const inCi = process.env.CI === 'true';
  try {
    if (process.env.MYSQL_URL) return await fromUrl(process.env.MYSQL_URL);
    const installDb = findBinary(['mariadb-install-db', 'mysql_install_db']);
    const server = findBinary(['mariadbd', 'mysqld']);
    if (!installDb || !server) throw new Error('no mariadb-install-db/mariadbd (apt-get install mariadb-server, or set MYSQL_URL)');
    return await ownServer(installDb, server);
  } catch (error) {
    const reason = `MariaDB unavailable: ${(error as Error).message}`;
    if (inCi) throw new Error(`${reason} (CI=true: MariaDB tests must run)`);
    return { skip: reason };
  }
}
