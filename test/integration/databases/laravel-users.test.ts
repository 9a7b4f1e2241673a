/**
 * Laravel's users table shared with gatehouse (issue 23), proved by Laravel itself: Debian's
 * php-laravel-framework (Illuminate 8) creates the table with Laravel's default migration and
 * users with its Hash facade's BcryptHasher; `gatehouse serve --database URL --layout laravel` logs
 * them in by email; what gatehouse adds or changes passes Illuminate's Hash::check and the
 * DatabaseUserProvider steps of Auth::attempt. On SQLite (php-sqlite3) and on the tests' MariaDB
 * (php-mysql). In CI a missing PHP or MariaDB fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, run, startServer } from '../../helpers/cli.js';
import { startTestMariadb } from '../../helpers/mariadb.js';

const inCi = process.env.CI === 'true';
const SCRIPT = new URL('./apps/laravel.php', import.meta.url).pathname;
const phpHas = (extension: string) => spawnSync('php', ['-r', `exit(extension_loaded("${extension}") ? 0 : 1);`], { stdio: 'ignore' }).status === 0;
const illuminate = existsSync('/usr/share/php/Illuminate/autoload.php');
const temp = mkdtempSync(join(tmpdir(), 'gatehouse-laravel-'));
const mariadb = illuminate || inCi ? await startTestMariadb() : { skip: 'php-laravel-framework is not installed' };
afterAll(async () => {
  if ('destroy' in mariadb) await mariadb.destroy();
  rmSync(temp, { recursive: true, force: true });
});
const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };

interface Target {
  name: string;
  skip?: string;
  /** gatehouse's --database URL, Capsule's connection, and the SQLite file to create first. */
  setup(): { url: string; connection: Record<string, unknown>; file?: string };
}
const targets: Target[] = [
  {
    name: 'SQLite',
    skip: !illuminate ? 'php-laravel-framework is not installed' : phpHas('pdo_sqlite') ? undefined : 'php-sqlite3 is not installed',
    setup: () => {
      const path = join(temp, 'database.sqlite');
      return { url: `sqlite:${path}`, connection: { driver: 'sqlite', database: path }, file: path };
    },
  },
  {
    name: 'MariaDB',
    skip: !illuminate ? 'php-laravel-framework is not installed' : 'skip' in mariadb ? mariadb.skip : phpHas('pdo_mysql') ? undefined : 'php-mysql is not installed',
    setup: () => {
      if ('skip' in mariadb) throw new Error(mariadb.skip);
      const u = new URL(mariadb.url);
      // config/database.php's mysql connection.
      const connection = {
        driver: 'mysql', host: u.hostname, port: Number(u.port), database: u.pathname.slice(1), username: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password), charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci', prefix: '',
      };
      return { url: mariadb.url, connection };
    },
  },
];

for (const target of targets) {
  const suite = target.skip && !inCi ? describe.skip : describe;
  suite(`Laravel's users table on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ''}`, () => {
    let url = '';
    let connection: Record<string, unknown> = {};
    let path: string | undefined;
    /** Illuminate, on the same database. */
    const laravel = <T = unknown>(command: Record<string, unknown>): T => {
      const r = spawnSync('php', [SCRIPT, JSON.stringify({ db: connection, ...command })], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`laravel.php failed (${r.status}): ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    };
    const cli = (args: string[], stdin = '') => run(args, stdin, ENV);
    const attempt = (email: string, password: string) => laravel<boolean>({ do: 'attempt', email, password });
    const row = (email: string) => laravel<Record<string, unknown>>({ do: 'row', email });

    it('Laravel makes its table (the default migration) and a user (Hash::make, cost 10)', () => {
      ({ url, connection, file: path } = target.setup());
      if (path) writeFileSync(path, '');
      laravel({ do: 'migrate' });
      laravel({ do: 'create', name: 'Ann Lee', email: 'ann@example.com', password: 'ann pw ✓' });
      laravel({ do: 'create', name: 'Bob', email: 'bob@example.com', password: 'bob pw' });
      expect(row('ann@example.com')).toMatchObject({ password: expect.stringMatching(/^\$2y\$10\$/) });
      expect(attempt('ann@example.com', 'ann pw ✓')).toBe(true);
    });

    it('gatehouse serve --layout laravel logs Laravel’s users in by email, and Laravel reads what it writes', async () => {
      const before = laravel({ do: 'schema' });
      const server = startServer(['--database', url, '--layout', 'laravel'], ENV);
      try {
        const base = await server.url;
        expect(server.stdout()).toContain("(Laravel's users table)");
        const ann = await login(base, 'ann@example.com', 'ann pw ✓');
        expect(ann.status).toBe(200);
        const me = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${ann.body.access_token}` } });
        expect(await me.json()).toEqual({ username: 'ann@example.com', email: 'ann@example.com', full_name: 'Ann Lee', disabled: null });
        expect((await login(base, 'ann@example.com', 'wrong')).status).toBe(401);
        expect((await login(base, 'Ann Lee', 'ann pw ✓')).status).toBe(401); // the name is no login
        // Coexistence (presets.php): cost 10 moves to PHP 8.4's and Laravel 11's 12, which Laravel reads.
        expect(row('ann@example.com').password).toMatch(/^\$2y\$12\$/);
        expect(attempt('ann@example.com', 'ann pw ✓')).toBe(true);
        // The form's username field says it holds the email (OpenAPI, and so /docs).
        const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as any;
        const body = Object.values(openapi.components.schemas).find((s: any) => s.title?.startsWith('Body_')) as any;
        expect(body.properties.username.description).toMatch(/email address/);

        // Laravel changes bob's password: the next login through gatehouse uses it.
        expect((await login(base, 'bob@example.com', 'bob pw')).status).toBe(200);
        laravel({ do: 'set-password', email: 'bob@example.com', password: 'bob new' });
        expect((await login(base, 'bob@example.com', 'bob new')).status).toBe(200);
        expect((await login(base, 'bob@example.com', 'bob pw')).status).toBe(401);
      } finally {
        server.child.kill('SIGTERM');
      }
      expect(await server.exited).toBe(0);
      expect(laravel({ do: 'schema' })).toEqual(before); // never altered
    }, 60_000);

    it('gatehouse user add / passwd --layout laravel write users Auth::attempt accepts', async () => {
      const added = await cli(['user', 'add', 'carol@example.com', '--full-name', 'Carol Ray', '--database', url, '--layout', 'laravel'], 'carol pw\n');
      expect(added).toMatchObject({ code: 0, stdout: 'gatehouse: added carol@example.com\n' });
      expect(attempt('carol@example.com', 'carol pw')).toBe(true);
      expect(laravel({ do: 'check', email: 'carol@example.com', password: 'carol pw' })).toBe(true);
      expect(row('carol@example.com')).toMatchObject({
        name: 'Carol Ray',
        password: expect.stringMatching(/^\$2y\$12\$[./A-Za-z0-9]{53}$/),
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        remember_token: null,
      });
      expect((await cli(['user', 'passwd', 'carol@example.com', '--database', url, '--layout', 'laravel'], 'carol new\n')).code).toBe(0);
      expect(attempt('carol@example.com', 'carol new')).toBe(true);
      expect(attempt('carol@example.com', 'carol pw')).toBe(false);
      // The name is the email: anything else is refused, and so is a second carol.
      const plain = await cli(['user', 'add', 'dave', '--database', url, '--layout', 'laravel'], 'dave pw\n');
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain('logs in by email');
      expect((await cli(['user', 'add', 'carol@example.com', '--database', url, '--layout', 'laravel'], 'x\n')).code).toBe(1);
      const listed = await cli(['user', 'list', '--json', '--database', url, '--layout', 'laravel']);
      expect(listed.stdout.trim().split('\n').map((line) => JSON.parse(line).username)).toEqual(['ann@example.com', 'bob@example.com', 'carol@example.com']);
      // db migrate leaves Laravel's table as it is and puts gatehouse's session tables beside it.
      const migrate = await cli(['db', 'migrate', '--database', url, '--layout', 'laravel']);
      expect(migrate.code, migrate.stderr).toBe(0);
      expect(migrate.stdout).toContain("Laravel's users table: not altered (made by the app)");
      const { createSqliteUserStore } = await import('../../../src/users/sql/sqlite.js');
      const { createMysqlUserStore } = await import('../../../src/users/sql/mysql.js');
      const after = path ? createSqliteUserStore(path, { layout: 'laravel', create: false }) : createMysqlUserStore(url, { layout: 'laravel' });
      try {
        expect(await after.sessions.listSessions('ann@example.com', 0)).toEqual([]); // the table is there
        expect((await after.listUsers()).map((user) => user.username)).toEqual(['ann@example.com', 'bob@example.com', 'carol@example.com']);
      } finally {
        await after.close();
      }
      expect(attempt('carol@example.com', 'carol new')).toBe(true); // Laravel still reads its table
    }, 60_000);

    it('refuses hashes Laravel could not read, and has no disabled column', async () => {
      const { createSqliteUserStore } = await import('../../../src/users/sql/sqlite.js');
      const { createMysqlUserStore } = await import('../../../src/users/sql/mysql.js');
      const store = path ? createSqliteUserStore(path, { layout: 'laravel', create: false }) : createMysqlUserStore(url, { layout: 'laravel' });
      try {
        await expect(store.setPassword('ann@example.com', 'pbkdf2_sha256$1000$salt$aGFzaA==')).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
        await expect(store.setDisabled('ann@example.com', true)).rejects.toThrow(/no disabled column/);
        await store.createUser({ username: 'nopw@example.com', hashed_password: null });
        expect(await store.findUser('nopw@example.com')).toMatchObject({ hashed_password: null });
        expect(row('nopw@example.com')).toMatchObject({ password: '', name: '' });
        expect(attempt('nopw@example.com', '')).toBe(false);
      } finally {
        await store.close();
      }
    });
  });
}
