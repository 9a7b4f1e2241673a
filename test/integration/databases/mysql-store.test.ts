/**
 * What is MySQL's own in gatehouse/mysql, on MariaDB (test/helpers/mariadb.ts): Django's auth_user as
 * Django's MySQL migration makes it (a _ci username column: the store still names users exactly),
 * utf8mb4 text, mariadb:// URLs, and the options a store is refused with.
 */
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { presets } from '../../../src/passwords/presets/index.js';
import { authenticateUser } from '../../../src/users/index.js';
import { createMysqlUserStore, type MysqlUserStore } from '../../../src/users/sql/mysql.js';
import { startTestMariadb } from '../../helpers/mariadb.js';

const started = await startTestMariadb();
const db = 'skip' in started ? null : started;
const stores: MysqlUserStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  await db?.destroy();
});
const open = (url: string, options: Parameters<typeof createMysqlUserStore>[1] = {}) => {
  const store = createMysqlUserStore(url, options);
  stores.push(store);
  return store;
};
async function sql(url: string, text: string, params: (string | number | boolean | null)[] = []) {
  const connection = await mysql.createConnection({ uri: url });
  try {
    return (await connection.execute(text, params))[0] as Array<Record<string, unknown>>;
  } finally {
    await connection.end();
  }
}

// `manage.py sqlmigrate auth 0001..0012` on MySQL (Django 3.2-5.x): username varchar(150) UNIQUE, in
// the database's default collation (here utf8mb4_unicode_ci: case-insensitive).
const AUTH_USER = `CREATE TABLE auth_user (id integer AUTO_INCREMENT NOT NULL PRIMARY KEY, password varchar(128) NOT NULL,
  last_login datetime(6) NULL, is_superuser bool NOT NULL, username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL,
  last_name varchar(150) NOT NULL, email varchar(254) NOT NULL, is_staff bool NOT NULL, is_active bool NOT NULL, date_joined datetime(6) NOT NULL)`;

describe.skipIf(!db)(`gatehouse/mysql on MariaDB${db ? '' : ` (skipped: ${(started as { skip: string }).skip})`}`, () => {
  it("layout 'django': Django's auth_user on MySQL, users named exactly on its case-insensitive column", async () => {
    const url = await db!.createDatabase();
    await sql(url, AUTH_USER);
    const context = presets.django({ coexist: true });
    const store = open(url.replace(/^mysql:/, 'mariadb:'), { layout: 'django' });
    await expect(store.migrate()).rejects.toThrow(ConfigurationError); // never alters Django's table
    const hash = await context.hash('pw');
    await store.createUser({ username: 'JohnDoe', hashed_password: hash, email: 'j@x', full_name: 'John Doe' });
    const [row] = await sql(url, 'SELECT password, first_name, last_name, email, is_active, is_staff, is_superuser FROM auth_user');
    expect(row).toEqual({ password: hash, first_name: 'John', last_name: 'Doe', email: 'j@x', is_active: 1, is_staff: 0, is_superuser: 0 });
    // The column would match johndoe; gatehouse's johndoe is another (absent) user.
    expect(await store.findUser('johndoe')).toBeNull();
    expect(await store.findUser('JohnDoe')).toMatchObject({ username: 'JohnDoe', email: 'j@x', full_name: 'John Doe', disabled: false });
    await expect(store.setDisabled('johndoe', true)).rejects.toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
    await expect(store.createUser({ username: 'johndoe', hashed_password: null })).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
    expect(await authenticateUser(store, 'JohnDoe', 'pw', { context })).toMatchObject({ username: 'JohnDoe' });
    expect(await authenticateUser(store, 'johndoe', 'pw', { context })).toBeNull();
    // Django deactivates the user: the next read sees it.
    await sql(url, 'UPDATE auth_user SET is_active = 0 WHERE username = ?', ['JohnDoe']);
    expect((await store.findUser('JohnDoe'))!.disabled).toBe(true);
    // The lifecycle tables are made beside auth_user on first use.
    expect(await store.sessions.listSessions('JohnDoe', 0)).toEqual([]);
  }, 60_000);

  it('utf8mb4 through and through: 4-byte characters in names and fields, exact compare of the bin column', async () => {
    const store = open(await db!.createDatabase());
    expect(await store.migrate()).toBe(true);
    const name = '用户🔑ünï';
    await store.createUser({ username: name, hashed_password: 'h', full_name: '😀 Ünïcödé', email: '🔑@x' });
    expect(await store.findUser(name)).toMatchObject({ username: name, full_name: '😀 Ünïcödé', email: '🔑@x' });
    expect(await store.findUser('用户🔑uni')).toBeNull();
    const [user] = await store.listUsers();
    expect(user!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(Math.abs(Date.parse(String(user!.created_at)) - Date.now())).toBeLessThan(120_000); // UTC, read as UTC
  });

  it('refuses what is not a MySQL URL or pool, and bad options, at creation', () => {
    for (const bad of ['postgres://x@h/db', 'sqlite:./x.db', '', 42, null, {}, { execute: 1 }]) {
      expect(() => createMysqlUserStore(bad as never), String(bad)).toThrow(ConfigurationError);
    }
    expect(() => createMysqlUserStore('mysql://x@127.0.0.1/db', { poolSize: 0 })).toThrow(ConfigurationError);
    expect(() => createMysqlUserStore('mysql://x@127.0.0.1/db', { table: 'a`b' })).toThrow(ConfigurationError);
  });
});
