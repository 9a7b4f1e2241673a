/**
 * `gatehouse db` / `gatehouse user` and `serve --database`, as real child processes on real
 * databases: SQLite files, and PostgreSQL (test/helpers/postgres.ts: skipped with the reason outside
 * CI when none can be had, a failure in CI).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, root, run, scryptMatches, startServer } from '../../helpers/cli.js';
import { startTestPostgres } from '../../helpers/postgres.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-cli-users-'));
const postgres = await startTestPostgres();
afterAll(async () => {
  if ('destroy' in postgres) await postgres.destroy();
  rmSync(temp, { recursive: true, force: true });
});

const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };
const HOSTILE = `o'neil"; DROP TABLE users; --`;

/** A row read straight from the SQLite file, not through gatehouse. */
function sqliteRow(path: string, username: string): { hashed_password: string; disabled: number; email: string | null } | undefined {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT hashed_password, disabled, email FROM users WHERE username = ?').get(username) as never;
  } finally {
    db.close();
  }
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('gatehouse db / user on SQLite', () => {
  const path = join(temp, 'users.db');
  const url = `sqlite:${path}`;
  const cli = (args: string[], stdin = '', env: Record<string, string | undefined> = {}) =>
    run(args, stdin, { ...ENV, ...env });

  it('migrate, add (password from stdin), list, disable, enable, passwd, remove, with --database or GATEHOUSE_DATABASE', async () => {
    expect((await cli(['user', 'list', '--database', url])).stderr).toContain('does not exist: create it with gatehouse db migrate');
    const migrated = await cli(['db', 'migrate', '--database', url]);
    expect(migrated).toMatchObject({ code: 0, stdout: `gatehouse: created the users table in ${url}\n` });
    expect((await cli(['db', 'migrate'], '', { GATEHOUSE_DATABASE: url })).stdout).toContain('the users table exists');

    const added = await cli(['user', 'add', HOSTILE, '--email', 'o@x', '--full-name', "O'Neil", '--database', url], 'first pw\n');
    expect(added).toMatchObject({ code: 0, stdout: `gatehouse: added ${HOSTILE}\n` });
    const row = sqliteRow(path, HOSTILE)!;
    expect(row.hashed_password).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/); // the library's default context
    expect(scryptMatches('first pw', row.hashed_password)).toBe(true); // node:crypto agrees
    expect(row.email).toBe('o@x');
    const again = await cli(['user', 'add', HOSTILE, '--database', url], 'x\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists');
    expect((await cli(['user', 'add', 'empty', '--database', url], '\n')).code).toBe(2);

    const env = { GATEHOUSE_DATABASE: url };
    expect((await cli(['user', 'disable', HOSTILE], '', env)).code).toBe(0);
    expect(sqliteRow(path, HOSTILE)!.disabled).toBe(1);
    const listed = await cli(['user', 'list'], '', env);
    expect(listed.stdout.split('\n')[0]).toMatch(/^USERNAME\s+EMAIL\s+FULL NAME\s+DISABLED$/);
    expect(listed.stdout).toContain(`${HOSTILE}  o@x    O'Neil     yes`);
    const json = (await cli(['user', 'list', '--json'], '', env)).stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(json).toEqual([expect.objectContaining({ username: HOSTILE, email: 'o@x', full_name: "O'Neil", disabled: true })]);
    expect(JSON.stringify(json)).not.toContain('$scrypt$');
    expect((await cli(['user', 'enable', HOSTILE], '', env)).code).toBe(0);
    expect(sqliteRow(path, HOSTILE)!.disabled).toBe(0);

    expect((await cli(['user', 'passwd', HOSTILE], 'second pw\n', env)).code).toBe(0);
    expect(scryptMatches('second pw', sqliteRow(path, HOSTILE)!.hashed_password)).toBe(true);
    const missing = await cli(['user', 'passwd', 'nobody'], 'x\n', env);
    expect(missing).toMatchObject({ code: 1, stderr: 'gatehouse: no user nobody\n' });
    expect((await cli(['user', 'remove', HOSTILE], '', env)).code).toBe(0);
    expect(sqliteRow(path, HOSTILE)).toBeUndefined();
    expect((await cli(['user', 'remove', HOSTILE], '', env)).code).toBe(1);

    for (const args of [['user'], ['user', 'frob'], ['user', 'add'], ['user', 'list', 'extra'], ['user', 'remove', 'x', '--email', 'e'], ['db', 'migrate']]) {
      const result = await cli(args, '', args[0] === 'db' ? {} : env);
      expect(result.code, args.join(' ')).toBe(2);
    }
    expect((await cli(['user', 'list', '--database', 'mongodb://x'])).stderr).toContain('--database must be sqlite:PATH, postgres://... or mysql://');
  }, 90_000); // some twenty CLI processes, two of them hashing with scrypt

  it('import reads a fake_users_db file, skips names that exist, refuses a malformed file whole', async () => {
    const file = join(temp, 'seed.json');
    const users = JSON.parse(readFileSync(join(root, 'test/fixtures/conformance/users.json'), 'utf8'));
    writeFileSync(file, JSON.stringify(users));
    const first = await run(['user', 'import', file, '--database', url], '', ENV);
    expect(first).toMatchObject({ code: 0, stdout: 'gatehouse: imported 2 user(s)\n' });
    expect(sqliteRow(path, 'johndoe')!.hashed_password).toBe(users.johndoe.hashed_password);
    expect(sqliteRow(path, 'alice')!.disabled).toBe(1);
    const second = await run(['user', 'import', file, '--database', url], '', ENV);
    expect(second.stdout).toBe('gatehouse: imported 0 user(s); skipped 2 that exist: johndoe, alice\n');

    const bad = join(temp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ zed: { username: 'zed', hashed_password: 'x' }, yan: { username: 'other' } }));
    const refused = await run(['user', 'import', bad, '--database', url], '', ENV);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the user "yan" must have that username');
    expect(sqliteRow(path, 'zed')).toBeUndefined(); // nothing of it was written
  });

  it('serve --database: a rehash-on-login survives a restart of the server', async () => {
    const file = join(temp, 'rehash.db');
    const dbUrl = `sqlite:${file}`;
    await run(['db', 'migrate', '--database', dbUrl], '', ENV);
    const seed = join(temp, 'rehash.json');
    const cost4 = bcryptjs.hashSync('pw', 4);
    writeFileSync(seed, JSON.stringify({ bob: { username: 'bob', hashed_password: cost4, disabled: false } }));
    await run(['user', 'import', seed, '--database', dbUrl], '', ENV);

    const first = startServer(['--database', dbUrl], ENV);
    let upgraded: string;
    try {
      const url = await first.url;
      expect(first.stdout()).toMatch(new RegExp(`^gatehouse: users in ${dbUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n`));
      expect((await login(url, 'bob', 'pw')).status).toBe(200);
      upgraded = sqliteRow(file, 'bob')!.hashed_password;
      expect(upgraded).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
      expect(scryptMatches('pw', upgraded)).toBe(true);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);

    const second = startServer(['--database', dbUrl], ENV);
    try {
      const url = await second.url;
      const { status, body } = await login(url, 'bob', 'pw');
      expect(status).toBe(200);
      expect(sqliteRow(file, 'bob')!.hashed_password).toBe(upgraded); // read back, not upgraded again
      const me = await fetch(`${url}/users/me/`, bearer(body.access_token));
      expect(await me.json()).toEqual({ username: 'bob', email: null, full_name: null, disabled: false });
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
  }, 40_000);

  it('serve --database on a file that does not exist stops with a hint; --users with --database is a usage error', async () => {
    const missing = await run(['serve', '--port', '0', '--database', `sqlite:${join(temp, 'nope.db')}`], '', ENV);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('gatehouse db migrate');
    expect((await run(['serve', '--users', 'x.json', '--database', 'sqlite:x.db'], '', ENV)).code).toBe(2);
    expect((await run(['serve', '--seed-demo'], '', ENV)).code).toBe(2);
  });

  it('npm start: an SQLite file created on first start with the tutorial users, kept across restarts', async () => {
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const args = scripts.start!.split(' serve ')[1]!.split(' ');
    expect(args).toEqual(['--database', 'sqlite:./gatehouse-demo.db', '--seed-demo']);
    const cwd = mkdtempSync(join(temp, 'start-'));

    const first = startServer(args, ENV, cwd);
    try {
      const url = await first.url;
      expect(first.stdout().split('\n')[0]).toBe(
        'gatehouse: users in sqlite:./gatehouse-demo.db: created now with the tutorial\'s johndoe (password "secret") and alice ("secret2", disabled)',
      );
      const { status, body } = await login(url, 'johndoe', 'secret');
      expect(status).toBe(200);
      expect((await fetch(`${url}/users/me/`, bearer(body.access_token))).status).toBe(200);
      const alice = await login(url, 'alice', 'secret2');
      expect(alice.status).toBe(200);
      expect((await fetch(`${url}/users/me/`, bearer(alice.body.access_token))).status).toBe(400); // Inactive user
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    const added = await run(['user', 'add', 'newbie', '--database', 'sqlite:./gatehouse-demo.db'], 'fresh\n', ENV, cwd);
    expect(added.code).toBe(0);

    const second = startServer(args, ENV, cwd);
    try {
      const url = await second.url;
      expect(second.stdout().split('\n')[0]).toBe(
        'gatehouse: users in sqlite:./gatehouse-demo.db (kept from the last start: delete the file to start over)',
      );
      expect((await login(url, 'newbie', 'fresh')).status).toBe(200);
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
  }, 40_000);
});

const pgSkip = 'skip' in postgres ? postgres.skip : undefined;
describe.skipIf(pgSkip !== undefined)(`gatehouse on PostgreSQL${pgSkip ? ` (skipped: ${pgSkip})` : ''}`, () => {
  const url = 'url' in postgres ? postgres.url : '';
  const hashOf = async (username: string): Promise<string> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query('SELECT hashed_password FROM users WHERE username = $1', [username])).rows[0].hashed_password;
    } finally {
      await client.end();
    }
  };

  it('two serve processes share tokens and see each other\'s upgrades; a password change during 20 logins wins; 503 while down', async () => {
    expect((await run(['db', 'migrate', '--database', url], '', ENV)).code).toBe(0);
    const seed = join(temp, 'pg-seed.json');
    // johndoe with an outdated seed hash (bcrypt cost 4): the first login upgrades it to the default, scrypt.
    const outdated = bcryptjs.hashSync('secret', 4);
    writeFileSync(seed, JSON.stringify({ johndoe: { username: 'johndoe', full_name: 'John Doe', email: 'j@x', hashed_password: outdated, disabled: false } }));
    expect((await run(['user', 'import', seed], '', { ...ENV, GATEHOUSE_DATABASE: url })).code).toBe(0);
    const passwordShown = new URL(url);
    passwordShown.password = 'hunter2';

    // No login throttle, and room for the race's 20 logins from one client: they are not guesses.
    const raceOptions = ['--no-throttle', '--login-queue-per-client', '20'];
    const a = startServer(['--database', passwordShown.href, ...raceOptions], ENV);
    const b = startServer(raceOptions, { ...ENV, GATEHOUSE_DATABASE: url });
    try {
      const [urlA, urlB] = await Promise.all([a.url, b.url]);
      expect(a.stdout()).not.toContain('hunter2'); // the URL's password is never printed
      expect(a.stdout()).toContain(':***@');

      const fromA = await login(urlA, 'johndoe', 'secret');
      expect(fromA.status).toBe(200);
      const upgraded = await hashOf('johndoe');
      expect(upgraded).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
      const me = await fetch(`${urlB}/users/me/`, bearer(fromA.body.access_token)); // A's token, B's server
      expect(await me.json()).toEqual({ username: 'johndoe', email: 'j@x', full_name: 'John Doe', disabled: false });
      expect((await login(urlB, 'johndoe', 'secret')).status).toBe(200);
      expect(await hashOf('johndoe')).toBe(upgraded); // B read A's upgrade: nothing left to upgrade

      // 20 logins with an outdated hash on both servers; the password changes while they run.
      const stale = bcryptjs.hashSync('old', 4);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('UPDATE users SET hashed_password = $1 WHERE username = $2', [stale, 'johndoe']);
        const logins = Array.from({ length: 20 }, (_, i) => login(i % 2 ? urlA : urlB, 'johndoe', 'old'));
        await new Promise((resolve) => setTimeout(resolve, 100));
        const changed = await run(['user', 'passwd', 'johndoe', '--database', url], 'new\n', ENV);
        expect(changed.code).toBe(0);
        const statuses = (await Promise.all(logins)).map((r) => r.status);
        expect(statuses.every((s) => s === 200 || s === 401), statuses.join()).toBe(true);
      } finally {
        await client.end();
      }
      const final = await hashOf('johndoe');
      expect(scryptMatches('new', final)).toBe(true);
      expect((await login(urlA, 'johndoe', 'old')).status).toBe(401);
      expect((await login(urlB, 'johndoe', 'new')).status).toBe(200);

      if ('controllable' in postgres && postgres.controllable) {
        const token = (await login(urlA, 'johndoe', 'new')).body.access_token;
        await postgres.stop();
        try {
          for (const server of [urlA, urlB]) {
            const down = await fetch(`${server}/users/me/`, bearer(token));
            expect(down.status).toBe(503);
            expect(await down.json()).toEqual({ detail: 'Service Unavailable' });
            expect((await login(server, 'johndoe', 'new')).status).toBe(503);
          }
        } finally {
          await postgres.start();
        }
        for (const server of [urlA, urlB]) expect((await fetch(`${server}/users/me/`, bearer(token))).status).toBe(200);
        expect(a.stderr()).toContain('user store: ');
        expect(a.stderr()).not.toContain('hunter2');
      }
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
    }
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  }, 180_000); // the race logins each move a bcrypt-4 hash to scrypt (128 MiB, on the hashing pool)
});
