/**
 * findUser on a synchronous SQLite driver: the read every authenticated request makes. Its
 * statement is prepared once and run with the name alone; on better-sqlite3 its rows come as
 * arrays (raw mode), and the records are the same as from row objects.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type SqliteDatabase, createSqliteUserStore } from '../../../src/users/sql/sqlite.js';

const HASH = '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW';

/** A better-sqlite3 database that records what the store asks of it (the statements are its own). */
function recorded(db: Database.Database, hideRaw = false) {
  const calls = { prepare: [] as string[], raw: [] as unknown[], all: [] as unknown[][] };
  const wrapped: SqliteDatabase = {
    prepare(sql) {
      calls.prepare.push(sql);
      const statement = db.prepare(sql);
      const wrapper: Record<string, unknown> = {
        all: (...params: unknown[]) => {
          calls.all.push(params);
          return statement.all(...params);
        },
        ...(hideRaw
          ? {}
          : {
              // better-sqlite3's shape: raw(toggle) returns the statement; pluck() is there too.
              raw: (on: boolean) => {
                calls.raw.push(on);
                statement.raw(on);
                return wrapper;
              },
              pluck: (on: boolean) => (statement.pluck(on), wrapper),
            }),
      };
      return wrapper as never;
    },
    exec: (sql) => db.exec(sql),
  };
  return { wrapped, calls };
}

async function seeded(hideRaw = false) {
  const db = new Database(':memory:');
  const { wrapped, calls } = recorded(db, hideRaw);
  const store = createSqliteUserStore(wrapped);
  await store.migrate();
  await store.createUser({ username: 'johndoe', hashed_password: HASH, email: 'johndoe@example.com', full_name: 'John Doe' });
  await store.createUser({ username: 'alice', hashed_password: HASH, disabled: true });
  return { db, store, calls };
}

/** Each user's own random token stamp (issue 21), read with the record. */
const STAMP = expect.stringMatching(/^[\w-]{22}$/);
const JOHNDOE = { username: 'johndoe', hashed_password: HASH, email: 'johndoe@example.com', full_name: 'John Doe', disabled: false, token_stamp: STAMP };
const ALICE = { username: 'alice', hashed_password: HASH, email: null, full_name: null, disabled: true, token_stamp: STAMP };

describe('findUser on a synchronous SQLite database', () => {
  it('prepares its statement once, runs it with the name alone, and reads better-sqlite3 rows as arrays', async () => {
    const { store, calls } = await seeded();
    const before = calls.prepare.length;
    calls.all.length = 0;
    for (let i = 0; i < 5; i++) {
      expect(store.findUser('johndoe')).toEqual(JOHNDOE);
      expect(store.findUser('alice')).toEqual(ALICE);
      expect(store.findUser('nobody')).toBeNull();
    }
    const finds = calls.prepare.slice(before);
    expect(finds).toHaveLength(1);
    expect(finds[0]).toMatch(/^SELECT .* WHERE "username" = \? LIMIT 2$/);
    expect(calls.raw).toEqual([true]);
    expect(calls.all).toHaveLength(15);
    expect(calls.all.slice(0, 3)).toEqual([['johndoe'], ['alice'], ['nobody']]);
  });

  it('gives the same records from row objects (a driver without raw mode: node:sqlite, bun:sqlite)', async () => {
    const { store, calls } = await seeded(true);
    expect(store.findUser('johndoe')).toEqual(JOHNDOE);
    expect(store.findUser('alice')).toEqual(ALICE);
    expect(calls.raw).toEqual([]);
  });

  it('sees every change at once, made through the store or beside it', async () => {
    const { db, store } = await seeded();
    expect(store.findUser('johndoe')).toMatchObject({ disabled: false });
    await store.setDisabled('johndoe', true);
    expect(store.findUser('johndoe')).toMatchObject({ disabled: true });
    db.prepare('UPDATE users SET disabled = 0, full_name = ? WHERE username = ?').run('J. Doe', 'johndoe');
    expect(store.findUser('johndoe')).toEqual({ ...JOHNDOE, full_name: 'J. Doe' });
    db.prepare('DELETE FROM users WHERE username = ?').run('johndoe');
    expect(store.findUser('johndoe')).toBeNull();
  });

  it('a statement that cannot be prepared yet (no table) is prepared again once it can', async () => {
    const db = new Database(':memory:');
    const { wrapped } = recorded(db);
    const store = createSqliteUserStore(wrapped);
    expect(() => store.findUser('johndoe')).toThrow(expect.objectContaining({ code: 'ERR_USER_STORE_QUERY' }));
    await store.migrate();
    expect(store.findUser('johndoe')).toBeNull();
    await store.createUser({ username: 'johndoe', hashed_password: HASH, email: 'johndoe@example.com', full_name: 'John Doe' });
    expect(store.findUser('johndoe')).toEqual(JOHNDOE);
  });

  it('after close(), a store that opened its file answers "closed", not from a stale statement', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-find-'));
    try {
      const store = createSqliteUserStore(join(dir, 'users.db'));
      await store.migrate();
      await store.createUser({ username: 'johndoe', hashed_password: HASH });
      expect(store.findUser('johndoe')).toMatchObject({ username: 'johndoe' });
      await store.close();
      await expect(Promise.resolve(store.findUser('johndoe'))).rejects.toMatchObject({ code: 'ERR_USER_STORE_UNAVAILABLE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
