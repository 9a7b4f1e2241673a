/**
 * The old apps' layouts on an in-memory SQLite (better-sqlite3: the synchronous find path), with
 * their tables as the apps make them: WordPress's email fallback and the writes it names, the
 * table prefix, db_version → hash format, and the layout checks.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteUserStore, wordpressDbVersion, wordpressHashFormat } from '../../../src/users/sql/sqlite.js';
import { presets } from '../../../src/passwords/presets/index.js';

/** wp_users and wp_options as WordPress's schema.php has them (SQLite types). */
function wordpressDb(prefix = 'wp_', dbVersion: string | null = '53496') {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE ${prefix}users (ID INTEGER PRIMARY KEY AUTOINCREMENT, user_login TEXT NOT NULL DEFAULT '',
    user_pass TEXT NOT NULL DEFAULT '', user_nicename TEXT NOT NULL DEFAULT '', user_email TEXT NOT NULL DEFAULT '',
    user_url TEXT NOT NULL DEFAULT '', user_registered TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
    user_activation_key TEXT NOT NULL DEFAULT '', user_status INTEGER NOT NULL DEFAULT 0, display_name TEXT NOT NULL DEFAULT '');
    CREATE TABLE ${prefix}options (option_id INTEGER PRIMARY KEY, option_name TEXT NOT NULL UNIQUE, option_value TEXT NOT NULL);`);
  if (dbVersion !== null) db.prepare(`INSERT INTO ${prefix}options (option_name, option_value) VALUES ('db_version', ?)`).run(dbVersion);
  return db;
}

const PHPASS = '$P$BVnb94tilQeVw8Eo9eN7piXzfzieF71'; // "secret", checked by WordPress's class-phpass.php

describe("WordPress's layout", () => {
  it('finds a user by login, else by email (synchronously), under the name the login gave', async () => {
    const db = wordpressDb();
    const users = createSqliteUserStore(db, { layout: 'wordpress' });
    await users.createUser({ username: 'ann', hashed_password: PHPASS, email: 'ann@example.com', full_name: null });
    expect(users.loginBy).toBe('username or email');
    expect(users.findUser('ann')).toEqual({ username: 'ann', hashed_password: PHPASS, email: 'ann@example.com', full_name: 'ann', disabled: null });
    expect(users.findUser('ann@example.com')).toMatchObject({ username: 'ann@example.com', email: 'ann@example.com', full_name: 'ann' });
    expect(users.findUser('nobody@example.com')).toBeNull();
    expect(users.findUser('ann@example')).toBeNull();
    expect(db.prepare("SELECT user_nicename, user_registered, display_name FROM wp_users WHERE user_login = 'ann'").get()).toMatchObject({
      user_nicename: 'ann',
      display_name: 'ann',
      user_registered: expect.stringMatching(/^20\d\d-/),
    });
  });

  it('a login name with an @ wins over another user’s email; writes by email reach the login', async () => {
    const db = wordpressDb();
    const users = createSqliteUserStore(db, { layout: 'wordpress' });
    await users.createUser({ username: 'x@example.com', hashed_password: PHPASS, email: 'other@example.com' });
    await users.createUser({ username: 'bob', hashed_password: PHPASS, email: 'x@example.com' });
    expect(users.findUser('x@example.com')).toMatchObject({ username: 'x@example.com', email: 'other@example.com' });
    const fresh = await presets.wordpress({ coexist: true, format: 'phpass' }).hash('new');
    await users.setPassword('other@example.com', fresh); // the email of x@example.com
    expect(db.prepare("SELECT user_login FROM wp_users WHERE user_pass = ?").all(fresh)).toEqual([{ user_login: 'x@example.com' }]);
    expect(await users.updatePasswordHash('x@example.com', PHPASS, fresh)).toBe(true);
    await users.deleteUser('x@example.com');
    expect(users.findUser('x@example.com')).toMatchObject({ username: 'x@example.com', email: 'x@example.com' }); // now bob's email
    await expect(users.createUser({ username: 'bob', hashed_password: PHPASS })).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
    await expect(users.setPassword('bob', 'pbkdf2_sha256$1000$salt$aGFzaA==')).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
  });

  it('takes a table prefix, and reads db_version from <prefix>options', async () => {
    const db = wordpressDb('blog_', '58975');
    const users = createSqliteUserStore(db, { layout: 'wordpress', tablePrefix: 'blog_' });
    expect(users.table).toBe('"blog_users"');
    await users.check();
    expect(await wordpressDbVersion(users, 'blog_')).toBe(58975);
    expect(await wordpressHashFormat(users, 'blog_')).toBe('wp-bcrypt');
    expect(await wordpressHashFormat(createSqliteUserStore(wordpressDb('wp_', '53496'), { layout: 'wordpress' }))).toBe('phpass');
    // No db_version, or no options table: every WordPress reads $P$.
    expect(await wordpressHashFormat(createSqliteUserStore(wordpressDb('wp_', null), { layout: 'wordpress' }))).toBe('phpass');
    expect(await wordpressHashFormat(users, 'nope_')).toBe('phpass');
    expect(() => createSqliteUserStore(db, { layout: 'laravel', tablePrefix: 'x_' })).toThrow(/tablePrefix/);
    expect(() => createSqliteUserStore(db, { layout: 'wordpress', tablePrefix: 'bad prefix' })).toThrow(/letters, digits/);
  });

  it('presets.wordpress format phpass writes $P$B and keeps it; moves $wp$2y$ and MD5 to it', async () => {
    const context = presets.wordpress({ coexist: true, format: 'phpass' });
    const hash = await context.hash('secret');
    expect(hash).toMatch(/^\$P\$B[./0-9A-Za-z]{30}$/);
    expect(await context.verify('secret', hash)).toBe(true);
    expect(await context.verify('secret', PHPASS)).toBe(true);
    expect(context.needsUpdate(hash)).toBe(false);
    expect(context.needsUpdate('5ebe2294ecd0e0f08eab7690d2a6ee69')).toBe(true); // md5('secret')
    expect(context.needsUpdate(await presets.wordpress({ coexist: true }).hash('secret'))).toBe(true);
    expect(() => presets.wordpress({ coexist: true, format: 'md5' as never })).toThrow(/format/);
  });
});

describe('layout checks', () => {
  it('refuses a credentials filter that is not a plain word, and an unknown loginBy', () => {
    const db = new Database(':memory:');
    const base = { table: 't', columns: { username: 'u', hashed_password: 'h', email: null, full_name: null, disabled: null, created_at: null, updated_at: null } };
    expect(() =>
      createSqliteUserStore(db, { layout: { ...base, credentials: { table: 'c', userKey: 'id', foreignKey: 'uid', where: { kind: "x' OR '1'='1" } } } }),
    ).toThrow(/a word of letters/);
    expect(() => createSqliteUserStore(db, { layout: { ...base, loginBy: 'phone' as never } })).toThrow(/loginBy/);
    expect(() => createSqliteUserStore(db, { layout: { ...base, loginBy: 'username or email' } })).toThrow(/email field/);
    expect(() => createSqliteUserStore(db, { layout: { ...base, insertValues: { x: {} as never } } })).toThrow(/insertValues/);
  });
});
