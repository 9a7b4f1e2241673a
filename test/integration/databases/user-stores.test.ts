/**
 * The SQL user stores against real databases, one suite for each:
 * - SQLite files through better-sqlite3, and through node:sqlite where the runtime has it (Node 22.5+;
 *   bun:sqlite and Deno's node:sqlite run test/integration/runtimes/sqlite-store.mjs, see sqlite-runtimes.test.ts);
 * - Cloudflare D1 as miniflare runs it locally (workerd's own D1 over SQLite; miniflare is a package
 *   of test/runtimes, which `npm test` installs: skipped, saying so, without it, a failure in CI);
 * - PostgreSQL: a throwaway cluster (test/helpers/postgres.ts) or $PG_URL; skipped with the reason
 *   outside CI when there is none, a failure in CI.
 * - MariaDB (or MySQL): Debian's mariadb-server in a temp dir (test/helpers/mariadb.ts) or $MYSQL_URL,
 *   a database per test; skipped with the reason outside CI when there is none, a failure in CI.
 * A few fake drivers inject what no real database returns (non-rows, hostile thenables, no answer).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, UserStoreError } from '../../../src/errors.js';
import { createAuthHandler } from '../../../src/http/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { authenticateUser } from '../../../src/users/index.js';
import { createPostgresUserStore } from '../../../src/users/sql/postgres.js';
import { createMysqlUserStore } from '../../../src/users/sql/mysql.js';
import { type D1Database, type SqliteDatabase, createD1UserStore, createSqliteUserStore } from '../../../src/users/sql/sqlite.js';
import type { SqlUserStore, SqlUserStoreOptions } from '../../../src/users/sql/store.js';
import { type FieldMapping, DEFAULT_LAYOUT, sqlBoolean } from '../../../src/users/sql/layouts.js';
import { KEY } from '../../helpers/http.js';
import { startTestPostgres } from '../../helpers/postgres.js';
import { startTestMariadb } from '../../helpers/mariadb.js';
import { INSTALL_RUNTIMES, importRuntimePackage } from '../../helpers/runtimes.js';

/** The policy: bcrypt cost 5, so cost-4 hashes are outdated and get upgraded at login. */
const context = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto', settings: { bcrypt: { rounds: 5 } } });
const hash4 = (password: string) => bcryptjs.hashSync(password, 4);

const HOSTILE = [
  "o'neil",
  `"; DROP TABLE users; --`,
  "' OR '1'='1",
  'semi;colon;--comment',
  'back\\slash\\\'',
  '$1 ? ?1 :name @x',
  '/* c */ -- x',
  'ünïcödé 🔑 用户',
  'x'.repeat(256),
];

interface Db {
  store: SqlUserStore;
  /** Another store on the same database, through a new connection where the driver has them. */
  another(options?: SqlUserStoreOptions): SqlUserStore;
  /** SQL run directly on the database (tables another app made, faults). */
  exec(sql: string): Promise<void>;
  readonly dialect: 'sqlite' | 'postgres' | 'mysql';
}

interface Target {
  name: string;
  skip?: string;
  fresh(options?: SqlUserStoreOptions): Promise<Db>;
}

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-stores-'));
const cleanups: Array<() => unknown> = [];
const finals: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  for (const cleanup of finals.splice(0).reverse()) await cleanup();
  rmSync(temp, { recursive: true, force: true });
});

let files = 0;
const newFile = () => join(temp, `users-${++files}.db`);

const betterSqlite: Target = {
  name: 'SQLite file (better-sqlite3, opened from a path)',
  async fresh(options = {}) {
    const path = newFile();
    const store = createSqliteUserStore(path, options);
    cleanups.push(() => store.close());
    const raw = new Database(path);
    cleanups.push(() => raw.close());
    return {
      store,
      dialect: 'sqlite',
      another: (more = options) => {
        const other = createSqliteUserStore(path, more);
        cleanups.push(() => other.close());
        return other;
      },
      exec: async (sql) => void raw.exec(sql),
    };
  },
};

type DatabaseSyncClass = new (path: string) => SqliteDatabase & { close(): void };
const nodeSqlite = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:sqlite') as
  | { DatabaseSync: DatabaseSyncClass }
  | undefined;

const nodeSqliteTarget: Target = {
  name: 'SQLite file (node:sqlite DatabaseSync, handed in)',
  skip: nodeSqlite ? undefined : `node:sqlite is not in Node ${process.versions.node} (22.5+); Deno's runs in sqlite-runtimes.test.ts`,
  async fresh(options = {}) {
    const path = newFile();
    const open = () => {
      const db = new nodeSqlite!.DatabaseSync(path);
      cleanups.push(() => db.close());
      return db;
    };
    const raw = open();
    return {
      store: createSqliteUserStore(open(), options),
      dialect: 'sqlite',
      another: (more = options) => createSqliteUserStore(open(), more),
      exec: async (sql) => void raw.exec(sql),
    };
  },
};

/** What these tests use of miniflare (test/runtimes): typed here, so the typecheck does not need it installed. */
interface Miniflare {
  getD1Database(name: string): Promise<unknown>;
  dispose(): Promise<void>;
}
const miniflarePackage = await importRuntimePackage<{ Miniflare: new (options: object) => Miniflare }>('miniflare');
if (!miniflarePackage && process.env.CI === 'true') throw new Error(`miniflare is not installed in test/runtimes: ${INSTALL_RUNTIMES}`);

let miniflare: Miniflare | undefined;
let d1Count = 0;
const D1_DATABASES = 40;
const d1Target: Target = {
  name: 'Cloudflare D1 (miniflare: workerd\'s D1, local)',
  skip: miniflarePackage ? undefined : `miniflare is not installed in test/runtimes: ${INSTALL_RUNTIMES}`,
  async fresh(options = {}) {
    if (!miniflare) {
      miniflare = new miniflarePackage!.Miniflare({
        modules: true,
        script: 'export default { fetch() { return new Response("") } }',
        d1Databases: Object.fromEntries(Array.from({ length: D1_DATABASES }, (_, i) => [`DB${i}`, `db-${i}`])),
      });
      finals.push(() => miniflare!.dispose());
    }
    if (d1Count >= D1_DATABASES) throw new Error('raise D1_DATABASES');
    const db = (await miniflare.getD1Database(`DB${d1Count++}`)) as unknown as D1Database & { exec(sql: string): Promise<unknown> };
    return {
      store: createD1UserStore(db, options),
      dialect: 'sqlite',
      another: (more = options) => createSqliteUserStore(db, more),
      exec: async (sql) => void (await db.prepare(sql).run()),
    };
  },
};

const postgres = await startTestPostgres();
if ('destroy' in postgres) finals.push(() => postgres.destroy());
let schemas = 0;
const pgTarget: Target = {
  name: 'PostgreSQL (pg.Pool handed in; a schema per test)',
  skip: 'skip' in postgres ? postgres.skip : undefined,
  async fresh(options = {}) {
    if ('skip' in postgres) throw new Error(postgres.skip);
    const schema = `t${++schemas}`;
    const pool = (search = schema) => {
      const made = new pg.Pool({ connectionString: postgres.url, options: `-c search_path=${search}`, max: 4 });
      made.on('error', () => {});
      cleanups.push(() => made.end());
      return made;
    };
    const admin = pool('public');
    await admin.query(`CREATE SCHEMA ${schema}`);
    const raw = pool();
    return {
      store: createPostgresUserStore(pool(), options),
      dialect: 'postgres',
      another: (more = options) => createPostgresUserStore(pool(), more),
      exec: async (sql) => void (await raw.query(sql)),
    };
  },
};

const mariadb = await startTestMariadb();
if ('destroy' in mariadb) finals.push(() => mariadb.destroy());
const mysqlTarget: Target = {
  name: 'MariaDB (mysql2 pool handed in; a database per test)',
  skip: 'skip' in mariadb ? mariadb.skip : undefined,
  async fresh(options = {}) {
    if ('skip' in mariadb) throw new Error(mariadb.skip);
    const url = await mariadb.createDatabase();
    const pool = () => {
      const made = mysql.createPool({ uri: url, connectionLimit: 4, timezone: 'Z' });
      cleanups.push(() => made.end());
      return made;
    };
    const raw = pool();
    return {
      store: createMysqlUserStore(pool(), options),
      dialect: 'mysql',
      another: (more = options) => createMysqlUserStore(pool(), more),
      exec: async (sql) => void (await raw.query(sql)),
    };
  },
};

const targets: Target[] = [betterSqlite, nodeSqliteTarget, d1Target, pgTarget, mysqlTarget];

async function seeded(target: Target, options?: SqlUserStoreOptions): Promise<Db> {
  const db = await target.fresh(options);
  expect(await db.store.migrate()).toBe(true);
  return db;
}

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe;
  suite(`${target.name}${target.skip ? ` (skipped: ${target.skip})` : ''}`, () => {
    it('migrate creates the table once; create, find, list, disable, passwd, remove; another connection sees it all', async () => {
      const { store, another } = await target.fresh();
      expect(await store.migrate()).toBe(true);
      expect(await store.migrate()).toBe(false); // exists: left alone
      const johndoe = { username: 'johndoe', hashed_password: hash4('secret'), email: 'johndoe@example.com', full_name: 'John Doe' };
      expect(await store.createUser(johndoe)).toEqual({ ...johndoe, disabled: false });
      await store.createUser({ username: 'alice', hashed_password: null, disabled: true });
      await expect(store.createUser({ username: 'alice', hashed_password: 'x' })).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });

      const other = another();
      expect(await other.findUser('johndoe')).toEqual({ ...johndoe, disabled: false });
      expect(await other.findUser('JohnDoe')).toBeNull();
      expect(await other.findUser('nobody')).toBeNull();
      const listed = await other.listUsers();
      expect(listed.map((u) => [u.username, u.disabled, u.email])).toEqual([
        ['alice', true, null],
        ['johndoe', false, 'johndoe@example.com'],
      ]);
      for (const user of listed) {
        expect(user).not.toHaveProperty('hashed_password');
        expect(user.created_at).toEqual(expect.any(String));
      }
      expect((await other.listUsers({ after: 'alice' })).map((u) => u.username)).toEqual(['johndoe']);
      expect(await other.listUsers({ after: 'johndoe' })).toEqual([]);
      expect((await other.listUsers({ limit: 1 })).map((u) => u.username)).toEqual(['alice']);

      await store.setDisabled('johndoe', true);
      expect((await other.findUser('johndoe'))?.disabled).toBe(true);
      await store.setDisabled('johndoe', false);
      expect((await other.findUser('johndoe'))?.disabled).toBe(false);
      const changed = hash4('new secret');
      await store.setPassword('johndoe', changed);
      expect((await other.findUser('johndoe'))?.hashed_password).toBe(changed);
      await store.deleteUser('alice');
      expect(await other.findUser('alice')).toBeNull();
      for (const call of [() => store.deleteUser('alice'), () => store.setPassword('alice', 'x'), () => store.setDisabled('alice', true)]) {
        await expect(call()).rejects.toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
      }
    });

    it('rehash-on-login is a compare-and-swap on the verified hash', async () => {
      const { store, another } = await seeded(target);
      const first = hash4('pw');
      await store.createUser({ username: 'bob', hashed_password: first });
      const user = await authenticateUser(store, 'bob', 'pw', { context });
      expect(user?.hashed_password).toMatch(/^\$2b\$05\$/);
      const saved = (await another().findUser('bob'))!.hashed_password!;
      expect(saved).toBe(user!.hashed_password);
      expect(bcryptjs.compareSync('pw', saved)).toBe(true);
      // A swap from a hash that is no longer stored changes nothing.
      expect(await store.updatePasswordHash('bob', hash4('zzz'), first)).toBe(false);
      expect((await store.findUser('bob'))!.hashed_password).toBe(saved);
      expect(await store.updatePasswordHash('nobody', hash4('zzz'), first)).toBe(false);
    });

    it('20 concurrent logins with an outdated hash while a password change lands: the new password wins', async () => {
      const { store, another } = await seeded(target);
      // Cost 8: verifying takes a while, so the change lands between the reads and the upgrades.
      await store.createUser({ username: 'racer', hashed_password: bcryptjs.hashSync('old password', 8) });
      let reads = 0;
      let allRead!: () => void;
      const readsDone = new Promise<void>((resolve) => (allRead = resolve));
      // The real store, told when each login has read the old hash.
      const counting = {
        findUser: async (name: string) => {
          const user = await store.findUser(name);
          if (++reads === 20) allRead();
          return user;
        },
        updatePasswordHash: (name: string, newHash: string, oldHash: string) => store.updatePasswordHash(name, newHash, oldHash),
      };
      const logins = Array.from({ length: 20 }, () => authenticateUser(counting, 'racer', 'old password', { context }));
      await readsDone;
      const changed = hash4('new password');
      await another().setPassword('racer', changed);
      expect((await Promise.all(logins)).every((user) => user?.username === 'racer')).toBe(true);
      const stored = (await another().findUser('racer'))!.hashed_password!;
      expect(stored).toBe(changed); // no upgrade of the old password overwrote it
      expect(await authenticateUser(another(), 'racer', 'old password', { context })).toBeNull();
      expect(await authenticateUser(another(), 'racer', 'new password', { context })).toMatchObject({ username: 'racer' });
    });

    it('usernames full of quotes, semicolons and -- are data, never SQL', async () => {
      const { store, another } = await seeded(target);
      await store.createUser({ username: 'victim', hashed_password: hash4('v') });
      for (const [i, name] of HOSTILE.entries()) {
        await store.createUser({ username: name, hashed_password: hash4(`pw${i}`), full_name: name, email: `${name}@x` });
      }
      const other = another();
      for (const [i, name] of HOSTILE.entries()) {
        expect(await other.findUser(name), name).toMatchObject({ username: name, full_name: name, email: `${name}@x` });
        expect(await authenticateUser(other, name, `pw${i}`, { context }), name).toMatchObject({ username: name });
        await other.setDisabled(name, true);
      }
      expect(await other.findUser("' OR 1=1 --")).toBeNull();
      expect(await other.findUser("victim' --")).toBeNull();
      const names = (await other.listUsers()).map((u) => u.username);
      expect(new Set(names)).toEqual(new Set([...HOSTILE, 'victim']));
      for (const name of HOSTILE) await other.deleteUser(name);
      expect((await other.listUsers()).map((u) => u.username)).toEqual(['victim']); // the table and victim survive
      expect((await other.findUser('victim'))!.disabled).toBe(false);
    });

    it('names no store can hold are unknown users (no query) and refused by createUser', async () => {
      const { store } = await seeded(target);
      for (const name of ['', 'nul\0byte', 'lone \ud800 surrogate', 'x'.repeat(257), 42, null]) {
        expect(await store.findUser(name as string)).toBeNull();
        await expect(store.createUser({ username: name as string, hashed_password: 'h' })).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
      }
      await expect(store.createUser({ username: 'ok', hashed_password: 'h', disabled: 'yes' as never })).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
      await expect(store.createUser({ username: 'ok', hashed_password: 'h', email: 'a\0b' })).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
    });

    it('a missing table is a UserStoreError without SQL, names or hashes; the handler answers 503 and recovers', async () => {
      const { store, exec } = await seeded(target);
      const secretHash = hash4('pw');
      await store.createUser({ username: 'carol', hashed_password: secretHash });
      const handler = createAuthHandler({ users: store, key: KEY, context, docs: false, onError: () => {} });
      const login = () => handler(new Request('http://t/token', { method: 'POST', body: new URLSearchParams({ username: 'carol', password: 'pw' }) }));
      const ok = await login();
      expect(ok.status).toBe(200);
      const { access_token: token } = (await ok.json()) as { access_token: string };
      const me = () => handler(new Request('http://t/users/me/', { headers: { authorization: `Bearer ${token}` } }));

      await exec('ALTER TABLE users RENAME TO users_away');
      const error = await Promise.resolve()
        .then(() => store.findUser('carol'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserStoreError);
      expect((error as UserStoreError).code).toBe('ERR_USER_STORE_QUERY');
      const message = (error as Error).message;
      expect(message).toMatch(/^findUser: /);
      for (const secret of ['SELECT', 'users', 'carol', secretHash, 'pw']) expect(message).not.toContain(secret);
      expect((error as Error).cause).toBeDefined();

      for (const response of [await login(), await me()]) {
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ detail: 'Service Unavailable' });
      }
      await exec('ALTER TABLE users_away RENAME TO users');
      expect((await me()).status).toBe(200);
      expect((await login()).status).toBe(200);
    });

    it('table and columns come from options, as validated quoted identifiers', async () => {
      const columns = { ...DEFAULT_LAYOUT.columns, username: 'login', hashed_password: 'PwHash', created_at: null, updated_at: 'changed' };
      const { store, another } = await seeded(target, { table: 'Accounts', columns });
      await store.createUser({ username: 'dora', hashed_password: hash4('d') });
      expect(await authenticateUser(another(), 'dora', 'd', { context })).toMatchObject({ username: 'dora' });
      const listed = await store.listUsers();
      expect(listed[0]).toEqual({ username: 'dora', email: null, full_name: null, disabled: false, updated_at: expect.any(String) });
      for (const bad of ['users; DROP TABLE x', 'a"b', '1users', 'a b', '', 'x.y.z', 'a-b']) {
        expect(() => createSqliteUserStore(':memory:', { table: bad })).toThrow(ConfigurationError);
        expect(() => createPostgresUserStore('postgres://x@127.0.0.1/db', { columns: { username: bad } })).toThrow(ConfigurationError);
      }
    });

    it('a layout is plain configuration: an existing table with is_active and first/last names, mapped', async () => {
      const { exec, another, dialect } = await target.fresh();
      const flag = dialect === 'sqlite' ? 'INTEGER' : 'BOOLEAN';
      const id = { sqlite: 'INTEGER', postgres: 'SERIAL', mysql: 'INTEGER AUTO_INCREMENT' }[dialect];
      await exec(
        `CREATE TABLE app_user (id ${id} PRIMARY KEY, name ${dialect === 'mysql' ? 'VARCHAR(150)' : 'TEXT'} NOT NULL UNIQUE, ` +
          `password TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL, is_active ${flag} NOT NULL, is_staff ${flag} NOT NULL)`,
      );
      const active: FieldMapping = {
        columns: ['is_active'],
        read: ([value]) => {
          const flagValue = sqlBoolean(value);
          return flagValue === undefined ? true : flagValue === null ? null : !flagValue;
        },
        write: (disabled) => [disabled !== true],
      };
      const fullName: FieldMapping = {
        columns: ['first_name', 'last_name'],
        read: ([first, last]) => [first, last].filter((part) => typeof part === 'string' && part !== '').join(' ') || null,
        write: (name) => {
          const text = typeof name === 'string' ? name : '';
          const space = text.indexOf(' ');
          return space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space + 1)];
        },
      };
      const layout = {
        table: 'app_user',
        columns: { username: 'name', hashed_password: 'password', email: null, full_name: fullName, disabled: active, created_at: null, updated_at: null },
        insertValues: { is_staff: false },
        managed: false,
      };
      const store = another({ layout });
      await expect(store.migrate()).rejects.toThrow(ConfigurationError); // never alters another app's table
      await store.createUser({ username: 'erin', hashed_password: hash4('e'), full_name: 'Erin Mae Doe' });
      expect(await store.findUser('erin')).toMatchObject({ full_name: 'Erin Mae Doe', disabled: false, email: null });
      await store.setDisabled('erin', true);
      expect(await another({ layout }).findUser('erin')).toMatchObject({ disabled: true });
      expect(await authenticateUser(store, 'erin', 'e', { context })).toMatchObject({ username: 'erin' });
      await exec(`UPDATE app_user SET is_active = ${dialect === 'sqlite' ? '1' : 'true'}, last_name = '' WHERE name = 'erin'`);
      expect(await store.findUser('erin')).toMatchObject({ full_name: 'Erin', disabled: false });
    });

    it('refuses look-alikes of a name (case, fullwidth, NFD/NFC) with ERR_USER_EXISTS; issue #18', async () => {
      const { store, another } = await seeded(target);
      await store.createUser({ username: 'johndoe', hashed_password: hash4('victim') });
      await store.createUser({ username: 'jos\u00e9', hashed_password: hash4('nfc') }); // NFC josé
      const twins: Record<string, string> = {
        JohnDoe: 'johndoe',
        JOHNDOE: 'johndoe',
        '\uff4aohndoe': 'johndoe', // fullwidth j
        '\uff2a\uff2f\uff28\uff2e\uff24\uff2f\uff25': 'johndoe', // fullwidth JOHNDOE
        'jose\u0301': 'jos\u00e9', // NFD josé
        'JOSE\u0301': 'jos\u00e9',
        'Jos\u00c9': 'jos\u00e9',
      };
      for (const [name, holder] of Object.entries(twins)) {
        const error = await another().createUser({ username: name, hashed_password: hash4('attacker') }).catch((e: unknown) => e);
        expect(error, name).toBeInstanceOf(UserStoreError);
        expect((error as UserStoreError).code, name).toBe('ERR_USER_EXISTS');
        expect(await another().findUser(name), name).toBeNull();
        expect(await store.findLookAlike(name), name).toBe(holder);
      }
      // Not look-alikes: other letters (not folded by NFKC + lower case) are other names.
      for (const name of ['johndoe2', 'j\u00f6hndoe', 'jose']) await store.createUser({ username: name, hashed_password: null });
      expect(await store.findLookAlike('nobody')).toBeNull();
      expect(await store.listLookAlikes()).toEqual([]);
      expect((await store.listUsers()).map((u) => u.username).sort()).toEqual(['johndoe', 'johndoe2', 'jose', 'jos\u00e9', 'j\u00f6hndoe'].sort());
      // A removed name frees its fold.
      await store.deleteUser('johndoe');
      await store.createUser({ username: 'JohnDoe', hashed_password: null });
      expect(await store.findLookAlike('johndoe')).toBe('JohnDoe');
    });

    it('look-alikes created at the same moment through separate connections: exactly one lands', async () => {
      const { store, another } = await seeded(target);
      const names = ['racer', 'Racer', 'RACER', '\uff52acer', 'rAcEr', 'raceR', '\uff32\uff21\uff23\uff25\uff32', 'RaCeR'];
      const stores = names.map(() => another());
      await Promise.all(stores.map((other) => other.check())); // connected before the race
      const results = await Promise.allSettled(names.map((username, i) => stores[i]!.createUser({ username, hashed_password: null })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'ERR_USER_EXISTS' });
      }
      expect(await store.listUsers()).toHaveLength(1);
    });

    it('migrate upgrades a table made before: folds filled in, existing look-alikes kept and listed, new ones refused', async () => {
      const { store, exec, another, dialect } = await target.fresh();
      const [flag, time, no] = {
        postgres: ['BOOLEAN NOT NULL DEFAULT false', 'TIMESTAMPTZ', 'false'],
        mysql: ['BOOLEAN NOT NULL DEFAULT false', 'DATETIME', 'false'],
        sqlite: ['INTEGER NOT NULL DEFAULT 0', 'TEXT', '0'],
      }[dialect];
      const key = dialect === 'mysql' ? 'VARCHAR(256) COLLATE utf8mb4_bin' : 'TEXT';
      // The table as gatehouse's migrate made it before issue #18, with look-alikes in it.
      await exec(
        `CREATE TABLE users (username ${key} NOT NULL PRIMARY KEY, hashed_password TEXT, email TEXT, full_name TEXT, disabled ${flag}, ` +
          `created_at ${time} NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at ${time} NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
      );
      const old = { JohnDoe: hash4('a'), johndoe: hash4('b'), '\uff4aohndoe': hash4('c'), alice: hash4('d'), bob: hash4('e') };
      for (const [name, hash] of Object.entries(old)) {
        await exec(`INSERT INTO users (username, hashed_password, disabled) VALUES ('${name}', '${hash}', ${no})`);
      }
      // Before migrate (no fold column yet): refused by a query, best effort.
      await expect(store.createUser({ username: 'ALICE', hashed_password: null })).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
      expect(await store.migrate()).toBe(false);
      expect(await store.migrate()).toBe(false); // a second run changes nothing and does not fail
      // No row lost or changed: every one of them still logs in with its own password.
      const other = another();
      for (const [name, password] of [['JohnDoe', 'a'], ['johndoe', 'b'], ['\uff4aohndoe', 'c'], ['alice', 'd'], ['bob', 'e']]) {
        expect((await other.findUser(name!))?.hashed_password, name).toBe(old[name as keyof typeof old]);
        expect(await authenticateUser(other, name!, password!, { context }), name).toMatchObject({ username: name });
      }
      expect(await other.listLookAlikes()).toEqual([['JohnDoe', 'johndoe', '\uff4aohndoe']]);
      for (const name of ['JOHNDOE', 'Alice', 'BOB']) {
        await expect(other.createUser({ username: name, hashed_password: null }), name).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
      }
      await other.createUser({ username: 'carol', hashed_password: null });
      await expect(another().createUser({ username: 'CAROL', hashed_password: null })).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
    });

    it('a table without a fold column (another app\'s): look-alikes refused by a query, best effort', async () => {
      const { exec, another, dialect } = await target.fresh();
      await exec(`CREATE TABLE accounts (login ${dialect === 'mysql' ? 'VARCHAR(256)' : 'TEXT'} NOT NULL PRIMARY KEY, pw TEXT)`);
      const layout = {
        table: 'accounts',
        columns: { username: 'login', hashed_password: 'pw', email: null, full_name: null, disabled: null, created_at: null, updated_at: null },
        managed: false,
      };
      const store = another({ layout });
      await store.createUser({ username: 'JohnDoe', hashed_password: null });
      await store.createUser({ username: 'jos\u00e9', hashed_password: null });
      for (const name of ['johndoe', 'JOHNDOE', '\uff4aohndoe', 'jose\u0301', 'JOS\u00c9']) {
        await expect(store.createUser({ username: name, hashed_password: null }), name).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
      }
      expect(await store.findLookAlike('johndoe')).toBe('JohnDoe');
    });

    it('cache: { ttl } reuses users for ttl ms; its own writes show at once, other processes\' after ttl', async () => {
      const { store, another } = await seeded(target, { cache: { ttl: 300 } });
      await store.createUser({ username: 'fay', hashed_password: hash4('f'), email: 'old@x' });
      expect((await store.findUser('fay'))!.email).toBe('old@x');
      const elsewhere = another({});
      await elsewhere.setDisabled('fay', true);
      expect((await store.findUser('fay'))!.disabled).toBe(false); // stale, as documented
      await store.setDisabled('fay', true);
      expect((await store.findUser('fay'))!.disabled).toBe(true); // its own write: at once
      await elsewhere.setDisabled('fay', false);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await store.findUser('fay'))!.disabled).toBe(false);
      const copy = (await store.findUser('fay'))!;
      copy.email = 'mutated';
      expect((await store.findUser('fay'))!.email).toBe('old@x'); // callers get copies
    });
  });
}

describe('stores given odd drivers (faults no real database produces)', () => {
  const sqliteLike = (all: () => unknown): SqliteDatabase => ({ prepare: () => ({ all }), exec: () => undefined });

  it('non-rows, non-object rows, non-text usernames, two rows for a name: ERR_USER_STORE_DATA', () => {
    for (const rows of ['nope', [null], [{ c0: 42, c1: 'h' }], [{ c0: 'a' }, { c0: 'a' }]]) {
      const store = createSqliteUserStore(sqliteLike(() => rows));
      expect(() => store.findUser('a'), JSON.stringify(rows)).toThrow(expect.objectContaining({ code: 'ERR_USER_STORE_DATA' }));
    }
  });

  it('odd values become safe ones: a non-text hash is no hash, a malformed flag disables', () => {
    const store = createSqliteUserStore(sqliteLike(() => [{ c0: 'a', c1: Buffer.from('x'), c2: 7, c3: {}, c4: 'yes' }]));
    expect(store.findUser('a')).toEqual({ username: 'a', hashed_password: null, email: null, full_name: null, disabled: true });
  });

  it('a thenable from query(text, params) is awaited; one that never settles times out as unavailable', async () => {
    const row = { c0: 'a', c1: 'h', c2: null, c3: null, c4: false };
    const thenable = createPostgresUserStore({ query: () => ({ then: (resolve: (v: unknown) => void) => resolve({ rows: [row] }) }) as never });
    expect(await thenable.findUser('a')).toMatchObject({ username: 'a', disabled: false });
    const reported: unknown[] = [];
    const silent = createPostgresUserStore({ query: () => new Promise(() => {}) }, { timeoutMs: 50, onError: (e) => reported.push(e) });
    await expect(silent.findUser('a')).rejects.toMatchObject({ code: 'ERR_USER_STORE_UNAVAILABLE', message: expect.stringContaining('50 ms') });
    expect(reported).toHaveLength(1);
    const throwing = createPostgresUserStore({ query: () => ({ then: () => { throw new Error('boom SELECT secret'); } }) });
    const error = await Promise.resolve(throwing.findUser('a')).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'ERR_USER_STORE_UNAVAILABLE' });
    expect((error as Error).message).not.toContain('SELECT');
  });

  it('a closed SQLite database is unavailable; a path better-sqlite3 cannot open too, and it retries', async () => {
    const db = new Database(':memory:');
    const store = createSqliteUserStore(db);
    await store.migrate();
    db.close();
    expect(() => store.findUser('a')).toThrow(expect.objectContaining({ code: 'ERR_USER_STORE_UNAVAILABLE' }));
    const dir = join(temp, 'later');
    const later = createSqliteUserStore(join(dir, 'users.db'));
    await expect(later.migrate()).rejects.toMatchObject({ code: 'ERR_USER_STORE_UNAVAILABLE' });
    (await import('node:fs')).mkdirSync(dir);
    expect(await later.migrate()).toBe(true); // the next call opens again
    await later.close();
  });

  it('an error of any bundled copy is a UserStoreError (brand, not identity)', () => {
    const copy = Object.defineProperty(new Error('x'), Symbol.for('gatehouse.user-store-error'), { value: true });
    expect(copy).toBeInstanceOf(UserStoreError);
    expect(new Error('x')).not.toBeInstanceOf(UserStoreError);
  });
});

describe('PostgreSQL stopped and started again', () => {
  const controllable = 'controllable' in postgres && postgres.controllable;
  const why = 'skip' in postgres ? postgres.skip : 'needs the tests\' own cluster (PG_URL is set)';
  it.skipIf(!controllable)(`gives 503s while down and works again after the restart${controllable ? '' : ` (skipped: ${why})`}`, async () => {
    if ('skip' in postgres) return;
    const store = createPostgresUserStore(postgres.url, { timeoutMs: 3000, onError: () => {} });
    cleanups.push(() => store.close());
    await store.migrate();
    await store.createUser({ username: 'gil', hashed_password: hash4('g') }).catch(() => {});
    const handler = createAuthHandler({ users: store, key: KEY, context, docs: false });
    const login = async () => {
      const response = await handler(new Request('http://t/token', { method: 'POST', body: new URLSearchParams({ username: 'gil', password: 'g' }) }));
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const first = await login();
    expect(first.status).toBe(200);
    const me = () => handler(new Request('http://t/users/me/', { headers: { authorization: `Bearer ${first.body.access_token}` } }));
    await postgres.stop();
    try {
      expect(await login()).toEqual({ status: 503, body: { detail: 'Service Unavailable' } });
      const down = await me();
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ detail: 'Service Unavailable' });
    } finally {
      await postgres.start();
    }
    expect((await me()).status).toBe(200);
    expect((await login()).status).toBe(200);
  }, 60_000);
});

describe('MariaDB stopped and started again', () => {
  const controllable = 'controllable' in mariadb && mariadb.controllable;
  const why = 'skip' in mariadb ? mariadb.skip : "needs the tests' own server (MYSQL_URL is set)";
  it.skipIf(!controllable)(`gives 503s while down and works again after the restart (a store from a mysql:// URL)${controllable ? '' : ` (skipped: ${why})`}`, async () => {
    if ('skip' in mariadb) return;
    const store = createMysqlUserStore(await mariadb.createDatabase(), { timeoutMs: 3000, onError: () => {} });
    cleanups.push(() => store.close());
    expect(await store.migrate()).toBe(true);
    await store.createUser({ username: 'gil', hashed_password: hash4('g') });
    const handler = createAuthHandler({ users: store, key: KEY, context, docs: false });
    const login = async () => {
      const response = await handler(new Request('http://t/token', { method: 'POST', body: new URLSearchParams({ username: 'gil', password: 'g' }) }));
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const first = await login();
    expect(first.status).toBe(200);
    const me = () => handler(new Request('http://t/users/me/', { headers: { authorization: `Bearer ${first.body.access_token}` } }));
    await mariadb.stop();
    try {
      expect(await login()).toEqual({ status: 503, body: { detail: 'Service Unavailable' } });
      const down = await me();
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ detail: 'Service Unavailable' });
      await expect(store.findUser('gil')).rejects.toMatchObject({ code: 'ERR_USER_STORE_UNAVAILABLE' });
    } finally {
      await mariadb.start();
    }
    expect((await me()).status).toBe(200);
    expect((await login()).status).toBe(200);
  }, 60_000);
});
