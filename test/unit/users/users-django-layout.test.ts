/**
 * layout: 'django' on a table made with the DDL Django 3.2's `manage.py migrate` runs on SQLite
 * (test/integration/databases/django-auth-user.test.ts drives a real Django project; this one needs no Python).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { presets } from '../../../src/index.js';
import { DJANGO_LAYOUT, createSqliteUserStore } from '../../../src/users/sql/sqlite.js';

// sqlite3 .schema auth_user of a Django 3.2 project after migrate.
const AUTH_USER = `CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL,
  "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL,
  "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL,
  "first_name" varchar(150) NOT NULL)`;

function fresh() {
  const db = new Database(':memory:');
  db.exec(AUTH_USER);
  const row = (username: string) => db.prepare('SELECT * FROM auth_user WHERE username = ?').get(username) as Record<string, unknown>;
  return { db, row, store: createSqliteUserStore(db, { layout: 'django' }) };
}

describe("layout: 'django'", () => {
  it('maps username, password, email, first + last name, is_active and date_joined both ways', async () => {
    const { store, row, db } = fresh();
    const hash = await presets.django({ coexist: true, iterations: 1000 }).hash('pw');
    await store.createUser({ username: 'ann', hashed_password: hash, email: null, full_name: 'Ann van Dyke' });
    expect(row('ann')).toMatchObject({ password: hash, email: '', first_name: 'Ann', last_name: 'van Dyke', is_active: 1, is_staff: 0, is_superuser: 0 });
    expect(row('ann').date_joined).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(await store.findUser('ann')).toEqual({ username: 'ann', hashed_password: hash, email: null, full_name: 'Ann van Dyke', disabled: false });
    await store.setDisabled('ann', true);
    expect(row('ann').is_active).toBe(0);
    expect(await store.findUser('ann')).toMatchObject({ disabled: true });
    // Anything but a true is_active locks the user out.
    db.prepare("UPDATE auth_user SET is_active = 'yes' WHERE username = 'ann'").run();
    expect(await store.findUser('ann')).toMatchObject({ disabled: true });
    await store.createUser({ username: 'cher', hashed_password: hash, full_name: 'Cher', email: 'cher@example.com' });
    expect(row('cher')).toMatchObject({ first_name: 'Cher', last_name: '', email: 'cher@example.com' });
    expect(await store.findUser('cher')).toMatchObject({ full_name: 'Cher', email: 'cher@example.com' });
    expect((await store.listUsers()).map((u) => [u.username, u.created_at !== null])).toEqual([['ann', true], ['cher', true]]);
  });

  it("reads Django's unusable password as none and writes one for a user without a password", async () => {
    const { store, row, db } = fresh();
    await store.createUser({ username: 'nopw', hashed_password: null });
    expect(row('nopw').password).toMatch(/^![A-Za-z0-9]{40}$/);
    expect(await store.findUser('nopw')).toMatchObject({ hashed_password: null });
    db.prepare("UPDATE auth_user SET password = '!' WHERE username = 'nopw'").run();
    expect(await store.findUser('nopw')).toMatchObject({ hashed_password: null });
  });

  it('refuses what Django could not read or keep, before the table sees it', async () => {
    const { store } = fresh();
    const django = await presets.django({ coexist: true, iterations: 1000 }).hash('pw');
    const refused = [
      () => store.createUser({ username: 'a', hashed_password: '$2b$04$abcdefghijklmnopqrstuuVhGfZSMqJ.BX9aD6QsbRo9Ac.4G6Jm.' }),
      () => store.createUser({ username: 'b', hashed_password: `pbkdf2_sha256$1000$${'s'.repeat(80)}$${'k'.repeat(43)}=` }), // over 128
      () => store.createUser({ username: 'c', hashed_password: django, full_name: `${'x'.repeat(151)} y` }),
      () => store.createUser({ username: 'd', hashed_password: django, email: `${'e'.repeat(250)}@x.io` }),
    ];
    for (const attempt of refused) await expect(attempt()).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
    expect(await store.listUsers()).toEqual([]);
    await store.createUser({ username: 'e', hashed_password: django });
    await expect(store.updatePasswordHash('e', '$scrypt$ln=4,r=8,p=1$c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5', django)).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
    for (const h of ['argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', 'bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuVhGfZSMqJ.BX9aD6QsbRo9Ac.4G6Jm.']) {
      await store.setPassword('e', h);
    }
    await expect(store.migrate()).rejects.toThrow(/another app/);
    expect(DJANGO_LAYOUT.managed).toBe(false);
  });

  it('refuses look-alikes of existing names by a query, auth_user left as it is (issue #18)', async () => {
    const { store, db } = fresh();
    const schema = () => db.prepare("SELECT sql FROM sqlite_master WHERE tbl_name = 'auth_user'").all();
    const before = schema();
    const hash = await presets.django({ coexist: true, iterations: 1000 }).hash('pw');
    await store.createUser({ username: 'johndoe', hashed_password: hash });
    await store.createUser({ username: 'jos\u00e9', hashed_password: hash });
    for (const name of ['JohnDoe', 'JOHNDOE', '\uff4aohndoe', 'jose\u0301', 'JOSE\u0301']) {
      await expect(store.createUser({ username: name, hashed_password: hash }), name).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
    }
    expect(await store.findLookAlike('JohnDoe')).toBe('johndoe');
    expect((await store.listUsers()).map((u) => u.username)).toEqual(['johndoe', 'jos\u00e9']);
    // Look-alikes Django itself let in are listed, never touched.
    db.prepare(
      "INSERT INTO auth_user (password, is_superuser, username, last_name, email, is_staff, is_active, date_joined, first_name) VALUES ('!', 0, 'JohnDoe', '', '', 0, 1, '2024-01-01', '')",
    ).run();
    expect(await store.listLookAlikes()).toEqual([['JohnDoe', 'johndoe']]);
    expect(schema()).toEqual(before); // no column, no index added
  });
});
