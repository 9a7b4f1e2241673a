/**
 * WordPress's wp_users shared with gatehouse (issue 23), proved by WordPress itself: Debian's
 * wordpress (6.1) with php-mysql on the test's MariaDB, installed by the test (a config file for a
 * test host in /etc/wordpress, removed afterwards; wp_install() from the PHP CLI), with a table
 * prefix of its own. Users WordPress creates log in through `gatehouse serve --preset wordpress`
 * (by login or email); users gatehouse adds, upgrades or changes pass WordPress's wp_authenticate;
 * a password changed in WordPress works at the next login; the schema is unchanged. In CI a
 * missing WordPress, PHP or MariaDB fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, run, startServer } from '../../helpers/cli.js';
import { startTestMariadb } from '../../helpers/mariadb.js';

const inCi = process.env.CI === 'true';
const SCRIPT = new URL('./apps/wordpress.php', import.meta.url).pathname;
const PREFIX = 'ghwp_';
const wordpressThere =
  existsSync('/usr/share/wordpress/wp-load.php') &&
  existsSync('/etc/wordpress') &&
  spawnSync('php', ['-r', 'exit(extension_loaded("mysqli") ? 0 : 1);'], { stdio: 'ignore' }).status === 0;
const mariadb = wordpressThere || inCi ? await startTestMariadb() : { skip: 'WordPress is not installed' };
// A host name of this run only: WordPress's Debian config reads /etc/wordpress/config-<host>.php.
const host = `gatehouse-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}.invalid`;
const configFile = `/etc/wordpress/config-${host}.php`;
afterAll(async () => {
  rmSync(configFile, { force: true });
  if ('destroy' in mariadb) await mariadb.destroy();
});
const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };
const skip = !wordpressThere ? 'wordpress or php-mysql is not installed' : 'skip' in mariadb ? mariadb.skip : undefined;

const suite = skip && !inCi ? describe.skip : describe;
suite(`WordPress's wp_users on MariaDB${skip ? ` (skipped: ${skip})` : ''}`, () => {
  if ('skip' in mariadb) return;
  const url = mariadb.url;
  const db = new URL(url);
  const wordpress = <T = unknown>(command: Record<string, unknown>): T => {
    const r = spawnSync('php', [SCRIPT, host, JSON.stringify(command)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`wordpress.php failed (${r.status}): ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout) as T;
  };
  const authenticate = (login: string, password: string) => wordpress<{ ok: boolean; login?: string; error?: string }>({ do: 'authenticate', login, password });
  const row = (login: string) => wordpress<Record<string, string>>({ do: 'row', login });
  const cli = (args: string[], stdin = '') => run(args, stdin, ENV);
  const gatehouse = ['--database', url, '--preset', 'wordpress', '--table-prefix', PREFIX];

  it('WordPress installs itself (wp_install) and creates a user (wp_insert_user)', () => {
    writeFileSync(
      configFile,
      [
        '<?php',
        `define('DB_NAME', ${JSON.stringify(db.pathname.slice(1))});`,
        `define('DB_USER', ${JSON.stringify(decodeURIComponent(db.username))});`,
        `define('DB_PASSWORD', ${JSON.stringify(decodeURIComponent(db.password))});`,
        `define('DB_HOST', ${JSON.stringify(db.host)});`,
        `$table_prefix = '${PREFIX}';`,
        '',
      ].join('\n'),
    );
    const installed = wordpress<{ user_id: number; db_version: string }>({ do: 'install', login: 'admin', email: 'admin@example.com', password: 'admin pw ✓' });
    expect(installed.db_version).toBe('53496'); // WordPress 6.1
    wordpress({ do: 'create', login: 'ann', password: 'ann pw', email: 'ann@example.com', name: 'Ann Lee' });
    wordpress({ do: 'create', login: 'bob', password: 'bob pw', email: 'bob@example.com' });
    expect(row('ann').user_pass).toMatch(/^\$P\$B/);
    expect(authenticate('ann', 'ann pw')).toEqual({ ok: true, login: 'ann' });
  });

  it('gatehouse serve --preset wordpress logs in WordPress’s users by login or email; a password WordPress changes works next', async () => {
    const before = wordpress({ do: 'schema' });
    const annHash = row('ann').user_pass;
    const server = startServer(gatehouse, ENV);
    try {
      const base = await server.url;
      expect(server.stdout()).toContain("(WordPress's users table)");
      const ann = await login(base, 'ann', 'ann pw');
      expect(ann.status).toBe(200);
      const me = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${ann.body.access_token}` } });
      expect(await me.json()).toEqual({ username: 'ann', email: 'ann@example.com', full_name: 'Ann Lee', disabled: null });
      // By email, as wp_authenticate_email_password does.
      const byEmail = await login(base, 'ann@example.com', 'ann pw');
      expect(byEmail.status).toBe(200);
      const meByEmail = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${byEmail.body.access_token}` } });
      expect(await meByEmail.json()).toMatchObject({ email: 'ann@example.com', full_name: 'Ann Lee' });
      expect((await login(base, 'admin', 'admin pw ✓')).status).toBe(200);
      expect((await login(base, 'ann', 'wrong')).status).toBe(401);
      expect((await login(base, 'nobody@example.com', 'ann pw')).status).toBe(401);
      // WordPress 6.1 (db_version 53496) keeps $P$ hashes: so does gatehouse's coexistence.
      expect(row('ann').user_pass).toBe(annHash);
      const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as any;
      const body = Object.values(openapi.components.schemas).find((s: any) => s.title?.startsWith('Body_')) as any;
      expect(body.properties.username.description).toMatch(/login name or email address/);

      // WordPress changes bob's password: the next login through gatehouse uses it.
      expect((await login(base, 'bob', 'bob pw')).status).toBe(200);
      wordpress({ do: 'set-password', login: 'bob', password: 'bob new' });
      expect((await login(base, 'bob', 'bob new')).status).toBe(200);
      expect((await login(base, 'bob', 'bob pw')).status).toBe(401);

      // A pre-2.5 bare MD5 hash: gatehouse upgrades it to the $P$ WordPress 6.1 reads.
      const connection = await mysql.createConnection({ uri: url });
      try {
        await connection.query(`UPDATE ${PREFIX}users SET user_pass = MD5('old pw') WHERE user_login = 'bob'`);
      } finally {
        await connection.end();
      }
      expect((await login(base, 'bob', 'old pw')).status).toBe(200);
      expect(row('bob').user_pass).toMatch(/^\$P\$B[./0-9A-Za-z]{30}$/);
      expect(authenticate('bob', 'old pw')).toEqual({ ok: true, login: 'bob' });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(wordpress({ do: 'schema' })).toEqual(before); // never altered
  }, 90_000);

  it('gatehouse user add / passwd --preset wordpress write users wp_authenticate accepts, by login and email', async () => {
    const before = wordpress({ do: 'schema' });
    const added = await cli(['user', 'add', 'carol', '--email', 'carol@example.com', '--full-name', 'Carol Ray', ...gatehouse], 'carol pw\n');
    expect(added).toMatchObject({ code: 0, stdout: 'gatehouse: added carol\n' });
    expect(authenticate('carol', 'carol pw')).toEqual({ ok: true, login: 'carol' });
    expect(authenticate('carol@example.com', 'carol pw')).toEqual({ ok: true, login: 'carol' });
    expect(row('carol')).toMatchObject({
      user_pass: expect.stringMatching(/^\$P\$B/),
      user_email: 'carol@example.com',
      user_nicename: 'carol',
      display_name: 'Carol Ray',
      user_status: '0',
      user_registered: expect.not.stringMatching(/^0000/),
    });
    expect((await cli(['user', 'passwd', 'carol@example.com', ...gatehouse], 'carol new\n')).code).toBe(0);
    expect(authenticate('carol', 'carol new')).toMatchObject({ ok: true });
    expect(authenticate('carol', 'carol pw')).toMatchObject({ ok: false });
    // A name WordPress already has (its user_login has no UNIQUE key: gatehouse looks first).
    expect((await cli(['user', 'add', 'ann', ...gatehouse], 'x\n')).code).toBe(1);
    const listed = await cli(['user', 'list', '--json', ...gatehouse]);
    expect(listed.stdout.trim().split('\n').map((line) => JSON.parse(line).username)).toEqual(['admin', 'ann', 'bob', 'carol']);
    // --wordpress-format wp-bcrypt forces 6.8's format (which this 6.1 site cannot read: not checked by it here).
    expect((await cli(['user', 'add', 'dora', ...gatehouse, '--wordpress-format', 'wp-bcrypt'], 'dora pw\n')).code).toBe(0);
    expect(row('dora').user_pass).toMatch(/^\$wp\$2y\$12\$/);
    expect(authenticate('dora', 'dora pw')).toMatchObject({ ok: false }); // 6.1 cannot read it: why the default follows db_version
    expect((await cli(['user', 'remove', 'dora', ...gatehouse])).code).toBe(0);
    expect(wordpress({ do: 'schema' })).toEqual(before);
  }, 90_000);

  it('from db_version 58975 (WordPress 6.8) on, coexistence writes $wp$2y$', async () => {
    wordpress({ do: 'db-version', version: 58975 });
    try {
      expect((await cli(['user', 'passwd', 'carol', ...gatehouse], 'carol 68\n')).code).toBe(0);
      expect(row('carol').user_pass).toMatch(/^\$wp\$2y\$12\$[./A-Za-z0-9]{53}$/);
    } finally {
      wordpress({ do: 'db-version', version: 53496 });
    }
  }, 60_000);
});
