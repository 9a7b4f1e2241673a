/**
 * Opening the database drivers from a path or URL, shared by the SQL user stores (users/sql/) and
 * the login throttle's counter stores (throttle/): SQLite through better-sqlite3 when it is
 * installed, else node:sqlite (Node 22.5+, Deno), both in WAL mode with a busy timeout; PostgreSQL
 * through pg's Pool. Each driver is imported only when a store is given a path or URL to open.
 */
import { ConfigurationError } from '../../errors.js';
import { createPrivateFile } from '../../platform/private-file.js';
import { nodeBuiltin } from '../../platform/runtime.js';

/** Whether an import() failed because the package is not installed (ESM and CommonJS codes). */
export function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * The file a SQLite path or `sqlite:` URL names, shared by createSqliteUserStore, the SQLite counter
 * store and the CLI's --database / --throttle-store: `sqlite:./users.db`, `sqlite://./users.db` ->
 * `./users.db`; `sqlite:///var/lib/users.db` -> `/var/lib/users.db`; `sqlite::memory:` -> `:memory:`;
 * %XX escapes are decoded when they are valid. Anything else is a path already, returned as it is.
 */
export function sqliteFilePath(pathOrUrl: string): string {
  const match = /^sqlite:(?:\/\/)?(.*)$/is.exec(pathOrUrl);
  if (!match) return pathOrUrl;
  const rest = match[1]!;
  if (rest === '') throw new ConfigurationError('a SQLite URL names a file: sqlite:./users.db or sqlite:///var/lib/users.db');
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest; // a lone % is part of the name
  }
}

/** A synchronous SQLite database opened from a file: better-sqlite3's or node:sqlite's. */
export interface OpenedSqlite {
  prepare(sql: string): { all(...params: any[]): unknown; get(...params: any[]): unknown; run(...params: any[]): unknown };
  exec(sql: string): unknown;
  close(): unknown;
}

export interface OpenSqliteOptions {
  /** Milliseconds a statement waits for another process's lock before SQLITE_BUSY. */
  timeoutMs: number;
  /** Refuse a missing file instead of creating it. */
  mustExist: boolean;
  /** Who asks, for the message when no driver is there ('createSqliteUserStore(path)'). */
  what: string;
}

type BetterSqliteConstructor = new (path: string, options: { timeout: number; fileMustExist: boolean }) => OpenedSqlite & {
  pragma(source: string): unknown;
};
type NodeSqliteModule = { DatabaseSync: new (path: string) => OpenedSqlite };

/** A SQLite file, opened with better-sqlite3 when installed, else node:sqlite. */
export async function openSqliteFile(path: string, options: OpenSqliteOptions): Promise<OpenedSqlite> {
  // 0600, not SQLite's 0644 (and so its -wal and -shm): the file holds hashes or login counts.
  if (!options.mustExist) createPrivateFile(path);
  let Database: BetterSqliteConstructor | undefined;
  try {
    const mod = (await import(/* @vite-ignore */ 'better-sqlite3' as string)) as { default?: BetterSqliteConstructor };
    Database = mod.default ?? (mod as unknown as BetterSqliteConstructor);
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
  }
  if (Database) {
    const db = new Database(path, { timeout: options.timeoutMs, fileMustExist: options.mustExist });
    return inWalMode(db, () => db.pragma('journal_mode = WAL'));
  }
  let sqlite: NodeSqliteModule;
  try {
    sqlite = (await import(/* @vite-ignore */ 'node:sqlite' as string)) as NodeSqliteModule;
  } catch (cause) {
    throw new ConfigurationError(
      `${options.what} opens the file with better-sqlite3 (npm install better-sqlite3@12) or node:sqlite (Node 22.5+); neither is available here`,
      { cause },
    );
  }
  // node:sqlite creates a missing file; better-sqlite3's fileMustExist refuses it with this code.
  if (options.mustExist && nodeBuiltin<typeof import('node:fs')>('node:fs')?.existsSync(path) === false) {
    throw Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' });
  }
  const db = new sqlite.DatabaseSync(path);
  return inWalMode(db, () => db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.timeoutMs))}; PRAGMA journal_mode = WAL`));
}

/** Readers do not wait for the writer, and several processes share the file; closed again if that fails. */
function inWalMode<D extends OpenedSqlite>(db: D, setUp: () => unknown): D {
  try {
    setUp();
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** pg's Pool class, imported on first use; ConfigurationError naming `what` when pg is not installed. */
export async function importPgPool<P>(what: string): Promise<new (config: Record<string, unknown>) => P> {
  let mod: { default?: { Pool?: unknown }; Pool?: unknown };
  try {
    mod = (await import(/* @vite-ignore */ 'pg' as string)) as typeof mod;
  } catch (cause) {
    throw new ConfigurationError(`${what} makes a pool with pg, which is not installed (npm install pg@8)`, { cause });
  }
  const Pool = mod.default?.Pool ?? mod.Pool;
  if (typeof Pool !== 'function') throw new ConfigurationError(`${what}: the pg module has no Pool`);
  return Pool as new (config: Record<string, unknown>) => P;
}

/** What the stores use of mysql2/promise: createPool. */
export interface Mysql2Module {
  createPool(config: Record<string, unknown>): unknown;
}

/** mysql2/promise, imported on first use; ConfigurationError naming `what` when mysql2 is not installed. */
export async function importMysql2(what: string): Promise<Mysql2Module> {
  let mod: Partial<Mysql2Module> & { default?: Partial<Mysql2Module> };
  try {
    mod = (await import(/* @vite-ignore */ 'mysql2/promise' as string)) as typeof mod;
  } catch (cause) {
    throw new ConfigurationError(`${what} makes a pool with mysql2, which is not installed (npm install mysql2@3)`, { cause });
  }
  const createPool = mod.createPool ?? mod.default?.createPool;
  if (typeof createPool !== 'function') throw new ConfigurationError(`${what}: the mysql2/promise module has no createPool`);
  return { createPool };
}

/** A `mysql://` or `mariadb://` URL (mysql2 reads the first spelling: a mariadb:// one is given as mysql://). */
export function mysqlUrl(url: string): string | null {
  const match = /^(mysql|mariadb):\/\//i.exec(url);
  return match ? `mysql://${url.slice(match[0].length)}` : null;
}
