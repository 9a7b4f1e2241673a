/**
 * createSqliteUserStore and createSqliteCounterStore take the CLI's `sqlite:` URL forms as well as a
 * path (issue 20): `sqlite:./users.db` used to open a file named "sqlite:./users.db" in a directory
 * "sqlite:." that does not exist, and failed with "the database is unavailable".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { sqliteFilePath } from '../../../src/users/sql/drivers.js';
import { createSqliteUserStore } from '../../../src/users/sql/sqlite.js';
import { createSqliteCounterStore } from '../../../src/throttle/sqlite.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-url-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('sqlite: URLs', () => {
  it('sqliteFilePath reads each form the CLI takes, and leaves a path as it is', () => {
    expect(sqliteFilePath('sqlite:./users.db')).toBe('./users.db');
    expect(sqliteFilePath('sqlite://./users.db')).toBe('./users.db');
    expect(sqliteFilePath('sqlite://users.db')).toBe('users.db');
    expect(sqliteFilePath('sqlite:///var/lib/users.db')).toBe('/var/lib/users.db');
    expect(sqliteFilePath('SQLITE:users.db')).toBe('users.db');
    expect(sqliteFilePath('sqlite:my%20users.db')).toBe('my users.db');
    expect(sqliteFilePath('sqlite:100%.db')).toBe('100%.db'); // not an escape: kept
    expect(sqliteFilePath('sqlite::memory:')).toBe(':memory:');
    expect(sqliteFilePath('./users.db')).toBe('./users.db');
    expect(sqliteFilePath('/var/lib/users.db')).toBe('/var/lib/users.db');
    expect(() => sqliteFilePath('sqlite:')).toThrow(ConfigurationError);
    expect(() => sqliteFilePath('sqlite://')).toThrow(/sqlite:\.\/users\.db/);
  });

  it.each([
    ['sqlite:RELATIVE', (file: string) => `sqlite:${relative(process.cwd(), file)}`],
    ['sqlite:./RELATIVE', (file: string) => `sqlite:./${relative(process.cwd(), file)}`],
    ['sqlite://RELATIVE', (file: string) => `sqlite://${relative(process.cwd(), file)}`],
    ['sqlite:///ABSOLUTE', (file: string) => `sqlite://${file}`],
  ])('createSqliteUserStore(%s) opens that file', async (_, url) => {
    const file = join(temp, `users-${Math.random().toString(36).slice(2)}.db`);
    const store = createSqliteUserStore(url(file));
    try {
      expect(await store.migrate()).toBe(true);
      await store.createUser({ username: 'alice', hashed_password: 'h', email: null, full_name: null, disabled: false });
      expect((await store.findUser('alice'))?.username).toBe('alice');
    } finally {
      await store.close();
    }
    // The very file named, not one called "sqlite:...".
    const db = new Database(file, { fileMustExist: true });
    expect(db.prepare('SELECT username FROM users').all()).toEqual([{ username: 'alice' }]);
    db.close();
  });

  it('a sqlite: URL without a file is refused at construction, with the form it wants', () => {
    expect(() => createSqliteUserStore('sqlite:')).toThrow(ConfigurationError);
    expect(() => createSqliteUserStore('sqlite://')).toThrow(/sqlite:\.\/users\.db/);
    expect(() => createSqliteCounterStore('sqlite:')).toThrow(ConfigurationError);
  });

  it('createSqliteCounterStore takes the same forms', async () => {
    const file = join(temp, 'counters.db');
    const store = createSqliteCounterStore(`sqlite:${relative(process.cwd(), file)}`);
    try {
      const now = Date.now();
      await store.increment('k', 60_000, now);
      expect((await store.get('k', now))?.count).toBe(1);
    } finally {
      await store.close?.();
    }
    const db = new Database(file, { fileMustExist: true });
    expect((db.prepare('SELECT count FROM gatehouse_login_counters').get() as { count: number }).count).toBe(1);
    db.close();
  });
});
