/**
 * The SessionStore contract (test/helpers/session-store-contract.ts) on every store: SQLite files
 * through better-sqlite3 and node:sqlite (Node 22.5+), Cloudflare D1 as miniflare runs it,
 * PostgreSQL through a pool of several connections (the concurrent rotations really race), and the
 * memory store when it is there. Then what only the SQL stores do: migrate() on a database of the
 * current release, the users' token_stamp (a password change, a disable, a removal end every
 * session), and PostgreSQL stopped and started again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { UserStoreError } from '../../../src/errors.js';
import { createAuthHandler } from '../../../src/http/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { KEY } from '../../helpers/http.js';
import type { SessionStore } from '../../../src/tokens/lifecycle/session-store.js';
import { tokenStampOf } from '../../../src/tokens/lifecycle/stamp.js';
import { createPostgresUserStore } from '../../../src/users/sql/postgres.js';
import { type D1Database, type SqliteDatabase, createD1UserStore, createSqliteUserStore } from '../../../src/users/sql/sqlite.js';
import type { SqlUserStore } from '../../../src/users/sql/store.js';
import { startTestPostgres } from '../../helpers/postgres.js';
import { INSTALL_RUNTIMES, importRuntimePackage } from '../../helpers/runtimes.js';
import { newSession, sessionStoreContract } from '../../helpers/session-store-contract.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-sessions-'));
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
const newFile = () => join(temp, `db-${++files}.db`);
const clock = () => 1_800_000_000;

interface Db {
  /** A user store on a fresh database, not migrated yet. */
  store: SqlUserStore;
  /** SQL run directly on the database. */
  exec(sql: string): Promise<void>;
  /** Rows of a query run directly on the database. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Another user store on the same database (another server process). */
  another(): SqlUserStore;
}

interface Target {
  name: string;
  skip?: string;
  fresh(): Promise<Db>;
}

const betterSqlite: Target = {
  name: 'SQLite file (better-sqlite3, opened from a path)',
  async fresh() {
    const path = newFile();
    const store = createSqliteUserStore(path);
    cleanups.push(() => store.close());
    const raw = new Database(path);
    cleanups.push(() => raw.close());
    const another = () => {
      const other = createSqliteUserStore(path);
      cleanups.push(() => other.close());
      return other;
    };
    return { store, another, exec: async (sql) => void raw.exec(sql), rows: async (sql) => raw.prepare(sql).all() as Record<string, unknown>[] };
  },
};

type DatabaseSyncClass = new (path: string) => SqliteDatabase & { close(): void };
const nodeSqlite = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:sqlite') as
  | { DatabaseSync: DatabaseSyncClass }
  | undefined;
const nodeSqliteTarget: Target = {
  name: 'SQLite file (node:sqlite DatabaseSync, handed in)',
  skip: nodeSqlite ? undefined : `node:sqlite is not in Node ${process.versions.node} (22.5+)`,
  async fresh() {
    const path = newFile();
    const db = new nodeSqlite!.DatabaseSync(path);
    cleanups.push(() => db.close());
    const raw = new nodeSqlite!.DatabaseSync(path);
    cleanups.push(() => raw.close());
    return {
      store: createSqliteUserStore(db),
      another: () => createSqliteUserStore(raw),
      exec: async (sql) => void raw.exec(sql),
      rows: async (sql) => raw.prepare(sql).all() as Record<string, unknown>[],
    };
  },
};

interface Miniflare {
  getD1Database(name: string): Promise<unknown>;
  dispose(): Promise<void>;
}
const miniflarePackage = await importRuntimePackage<{ Miniflare: new (options: object) => Miniflare }>('miniflare');
if (!miniflarePackage && process.env.CI === 'true') throw new Error(`miniflare is not installed in test/runtimes: ${INSTALL_RUNTIMES}`);
let miniflare: Miniflare | undefined;
let d1Count = 0;
const D1_DATABASES = 20;
const d1Target: Target = {
  name: "Cloudflare D1 (miniflare: workerd's D1, local)",
  skip: miniflarePackage ? undefined : `miniflare is not installed in test/runtimes: ${INSTALL_RUNTIMES}`,
  async fresh() {
    if (!miniflare) {
      miniflare = new miniflarePackage!.Miniflare({
        modules: true,
        script: 'export default { fetch() { return new Response("") } }',
        d1Databases: Object.fromEntries(Array.from({ length: D1_DATABASES }, (_, i) => [`DB${i}`, `db-${i}`])),
      });
      finals.push(() => miniflare!.dispose());
    }
    if (d1Count >= D1_DATABASES) throw new Error('raise D1_DATABASES');
    const db = (await miniflare.getD1Database(`DB${d1Count++}`)) as unknown as D1Database;
    return {
      store: createD1UserStore(db),
      another: () => createD1UserStore(db),
      exec: async (sql) => void (await db.prepare(sql).run()),
      rows: async (sql) => ((await db.prepare(sql).all()).results ?? []) as Record<string, unknown>[],
    };
  },
};

const postgres = await startTestPostgres();
if ('destroy' in postgres) finals.push(() => postgres.destroy());
let schemas = 0;
const pgTarget: Target = {
  name: 'PostgreSQL (a pg.Pool of 8 connections; a schema per test)',
  skip: 'skip' in postgres ? postgres.skip : undefined,
  async fresh() {
    if ('skip' in postgres) throw new Error(postgres.skip);
    const schema = `s${++schemas}`;
    const pool = (search = schema) => {
      const made = new pg.Pool({ connectionString: postgres.url, options: `-c search_path=${search}`, max: 8 });
      made.on('error', () => {});
      cleanups.push(() => made.end());
      return made;
    };
    await pool('public').query(`CREATE SCHEMA ${schema}`);
    const raw = pool();
    return {
      store: createPostgresUserStore(pool()),
      another: () => createPostgresUserStore(pool()),
      exec: async (sql) => void (await raw.query(sql)),
      rows: async (sql) => (await raw.query(sql)).rows as Record<string, unknown>[],
    };
  },
};

const targets: Target[] = [betterSqlite, nodeSqliteTarget, d1Target, pgTarget];

/** The memory store, once src/tokens/lifecycle/memory.ts exists (it is written beside this). */
const memoryModule = await import(/* @vite-ignore */ '../../../src/tokens/lifecycle/memory.js' as string).catch(() => null) as {
  createMemorySessionStore?: () => SessionStore;
} | null;

describe.skipIf(!memoryModule?.createMemorySessionStore)(
  `memory SessionStore${memoryModule?.createMemorySessionStore ? '' : ' (skipped: src/tokens/lifecycle/memory.ts is not there yet)'}`,
  () => {
    sessionStoreContract(async () => memoryModule!.createMemorySessionStore!(), clock);
  },
);

/** The CREATE TABLE of the release before issue 21 (no token_stamp; no lifecycle tables). */
const OLD_USERS_TABLE = (pg: boolean) => `CREATE TABLE users (
  username TEXT NOT NULL PRIMARY KEY, hashed_password TEXT, email TEXT, full_name TEXT, username_fold TEXT,
  disabled ${pg ? 'BOOLEAN NOT NULL DEFAULT false' : 'INTEGER NOT NULL DEFAULT 0'},
  created_at ${pg ? 'TIMESTAMPTZ' : 'TEXT'} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at ${pg ? 'TIMESTAMPTZ' : 'TEXT'} NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;

const HASH = '$2b$04$C6UzMDM.H6dfI/f/IKcEeO5c9vF4jUzbM8X0xL1m4h3tZy6a0F3yS';

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe;
  suite(`${target.name}${target.skip ? ` (skipped: ${target.skip})` : ''}`, () => {
    describe('SessionStore contract', () => {
      sessionStoreContract(
        async () => {
          const { store } = await target.fresh();
          await store.migrate();
          return store.sessions;
        },
        clock,
      );
    });

    it('migrate() is idempotent and upgrades a database of the current release: token_stamp added (NULL), tables created', async () => {
      const { store, exec, rows, another } = await target.fresh();
      const pgDb = target === pgTarget;
      await exec(OLD_USERS_TABLE(pgDb));
      await exec(`INSERT INTO users (username, hashed_password) VALUES ('olduser', '${HASH}')`);
      const server = another(); // a server process that started before the migration
      expect(await server.findUser('olduser')).not.toHaveProperty('token_stamp');
      // Before migrate: findUser works and has no stamp (it derives from the hash).
      const before = await store.findUser('olduser');
      expect(before).toMatchObject({ username: 'olduser', hashed_password: HASH });
      expect(before).not.toHaveProperty('token_stamp');
      expect(await store.migrate()).toBe(false);
      expect(await store.migrate()).toBe(false);
      const after = await store.findUser('olduser');
      expect(after).toMatchObject({ username: 'olduser', hashed_password: HASH, token_stamp: null });
      expect(tokenStampOf(after!)).toBe(tokenStampOf(before!)); // NULL: the same derived stamp as before
      const tables = await rows(
        pgDb
          ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
          : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY 1",
      );
      expect(tables.map((row) => row.name)).toEqual(['gatehouse_revoked_tokens', 'gatehouse_sessions', 'users']);
      // The server started before sees the column within a minute, without a restart.
      expect(await server.findUser('olduser')).not.toHaveProperty('token_stamp');
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
      try {
        expect(await server.findUser('olduser')).toMatchObject({ token_stamp: null });
      } finally {
        vi.useRealTimers();
      }
      const session = newSession('olduser', clock());
      await store.sessions.createSession(session);
      expect(await store.sessions.findSession(session.id)).toEqual(session);
    });

    it('token_stamp: createUser gives a random one; renewTokenStamp renews it; setPassword, setDisabled(true), deleteUser renew it and end sessions', async () => {
      const { store } = await target.fresh();
      await store.migrate();
      const now = Math.floor(Date.now() / 1000);
      await store.createUser({ username: 'alice', hashed_password: HASH });
      const first = (await store.findUser('alice'))!.token_stamp as string;
      expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(tokenStampOf((await store.findUser('alice'))!)).toBe(first);
      const sessions = store.sessions;
      const live = async () => (await sessions.listSessions('alice', now)).length;
      const two = async () => {
        await sessions.createSession(newSession('alice', now));
        await sessions.createSession(newSession('alice', now));
      };
      await sessions.createSession(newSession('bob', now));

      await two();
      const renewed = await store.renewTokenStamp!('alice');
      expect(renewed).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(renewed).not.toBe(first);
      expect((await store.findUser('alice'))!.token_stamp).toBe(renewed);
      // The new stamp alone refuses the sessions; marking them is revokeUserSessions' (revokeAllTokens counts them).
      expect(await live()).toBe(2);
      expect(await sessions.revokeUserSessions('alice', now)).toBe(2);
      await expect(store.renewTokenStamp!('nobody')).rejects.toMatchObject({ code: 'ERR_USER_NOT_FOUND' });

      await two();
      await store.setPassword('alice', HASH.replace('a0F3yS', 'b0F3yS'));
      const afterPassword = (await store.findUser('alice'))!.token_stamp;
      expect(afterPassword).not.toBe(renewed);
      expect(await live()).toBe(0);

      await two();
      await store.setDisabled('alice', false); // enabling ends nothing
      expect(await live()).toBe(2);
      expect((await store.findUser('alice'))!.token_stamp).toBe(afterPassword);
      await store.setDisabled('alice', true);
      expect((await store.findUser('alice'))!.token_stamp).not.toBe(afterPassword);
      expect(await live()).toBe(0);

      await two();
      await store.deleteUser('alice');
      expect(await live()).toBe(0);
      await store.createUser({ username: 'alice', hashed_password: HASH });
      const again = (await store.findUser('alice'))!.token_stamp;
      expect([first, renewed, afterPassword]).not.toContain(again); // the old tokens' stamp never comes back
      expect((await sessions.listSessions('bob', now)).length).toBe(1); // other users untouched
    });

    it('through the handler: refresh rotates in these tables; a password change refuses the old refresh and access tokens', async () => {
      const { store } = await target.fresh();
      await store.migrate();
      const context = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 4 } } });
      await store.createUser({ username: 'dana', hashed_password: await context.hash('pw') });
      const handle = createAuthHandler({ users: store, key: KEY, context, refreshTokens: true, docs: false });
      const token = async (form: Record<string, string>) => {
        const response = await handle(new Request('http://t/token', { method: 'POST', body: new URLSearchParams(form) }));
        return { status: response.status, body: (await response.json()) as Record<string, string> };
      };
      const me = async (access: string) => (await handle(new Request('http://t/users/me/', { headers: { authorization: `Bearer ${access}` } }))).status;
      const first = await token({ username: 'dana', password: 'pw' });
      expect(first.status).toBe(200);
      const sid = first.body.refresh_token!.split('.')[0]!;
      expect((await store.sessions.findSession(sid))?.generation).toBe(0);
      const second = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token! });
      expect(second.status).toBe(200);
      expect((await store.sessions.findSession(sid))?.generation).toBe(1);
      expect(await me(second.body.access_token!)).toBe(200);
      await store.setPassword('dana', await context.hash('new pw'));
      expect((await store.sessions.findSession(sid))?.revokedAt).not.toBeNull();
      expect((await token({ grant_type: 'refresh_token', refresh_token: second.body.refresh_token! })).status).toBe(400);
      expect(await me(second.body.access_token!)).toBe(401);
    });

    it('bad input is a typed error or no answer, never a query with it', async () => {
      const { store } = await target.fresh();
      await store.migrate();
      const sessions = store.sessions;
      const now = clock();
      for (const id of ['', 'x'.repeat(65), "'; DROP TABLE gatehouse_sessions; --", 'a\0b']) {
        expect(await sessions.findSession(id)).toBeNull();
        expect(await sessions.isAccessRevoked(null, id, now)).toBe(true);
      }
      await expect((async () => sessions.createSession({ ...newSession('alice', now), secretHash: 'not a hash!' }))()).rejects.toMatchObject({
        code: 'ERR_USER_INVALID',
      });
      await expect((async () => sessions.createSession({ ...newSession('alice', now), expiresAt: Number.NaN }))()).rejects.toBeInstanceOf(UserStoreError);
      await expect((async () => sessions.revokeAccessToken('j'.repeat(65), now))()).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
      await expect((async () => sessions.createSession({ ...newSession('alice', now), id: 'A'.repeat(23) }))()).rejects.toMatchObject({
        code: 'ERR_USER_INVALID',
      });
      // A long User-Agent is kept, cut to its column.
      const long = newSession('alice', now, { userAgent: 'U'.repeat(1000) });
      await sessions.createSession(long);
      expect((await sessions.findSession(long.id))?.userAgent).toBe('U'.repeat(256));
      // A taken id is a UserStoreError (the handler's 503 path), not a driver error.
      await expect((async () => sessions.createSession(long))()).rejects.toBeInstanceOf(UserStoreError);
    });
  });
}

describe('PostgreSQL stopped and started again (sessions)', () => {
  const controllable = 'controllable' in postgres && postgres.controllable;
  const why = 'skip' in postgres ? postgres.skip : "needs the tests' own cluster (PG_URL is set)";
  it.skipIf(!controllable)(`UserStoreError while down, works again after the restart${controllable ? '' : ` (skipped: ${why})`}`, async () => {
    if ('skip' in postgres) return;
    const store = createPostgresUserStore(postgres.url, { timeoutMs: 3000, onError: () => {} });
    cleanups.push(() => store.close());
    await store.migrate();
    const now = clock();
    const session = newSession('gil', now);
    await store.sessions.createSession(session);
    await postgres.stop();
    try {
      await expect((async () => store.sessions.rotateSession(session.id, session.secretHash, {
        secretHash: session.previousHash ?? session.secretHash.replace(/^./, 'Z'),
        previousHash: session.secretHash,
        rotationNonce: session.secretHash,
        at: now + 1,
        usedSince: now - 100,
      }))()).rejects.toMatchObject({ name: 'UserStoreError', code: 'ERR_USER_STORE_UNAVAILABLE' });
      await expect((async () => store.sessions.isAccessRevoked('j', session.id, now))()).rejects.toBeInstanceOf(UserStoreError);
    } finally {
      await postgres.start();
    }
    expect(await store.sessions.isAccessRevoked(null, session.id, now)).toBe(false);
    expect(await store.sessions.findSession(session.id)).toEqual(session);
  }, 60_000);
});
