/**
 * Django's own auth_user shared with gatehouse (issue 11): a Django project (settings written here,
 * django.contrib.auth, Debian's Django 3.2) on SQLite and on the tests' PostgreSQL creates users
 * with manage.py and User.objects.create_user; `gatehouse serve --database URL --preset django`
 * logs them in; what gatehouse writes, Django's authenticate() accepts, and what Django changes,
 * gatehouse sees at the next request. In CI (CI=true) a missing Django or PostgreSQL fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, run, startServer } from '../../helpers/cli.js';
import { createDjangoProject, djangoAvailable, type DjangoDatabase, type DjangoProject } from '../../helpers/django.js';
import { startTestPostgres } from '../../helpers/postgres.js';

const inCi = process.env.CI === 'true';
const temp = mkdtempSync(join(tmpdir(), 'gatehouse-django-'));
const postgres = await startTestPostgres();
afterAll(async () => {
  if ('destroy' in postgres) await postgres.destroy();
  rmSync(temp, { recursive: true, force: true });
});
const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };

/** What Django says of a user: authenticate() with the password, and the row's fields. */
const DJANGO_USER = `
from django.contrib.auth.hashers import identify_hasher
u = User.objects.get(username=data['username'])
result = {
  'authenticates': authenticate(username=data['username'], password=data['password']) is not None,
  'password': u.password, 'email': u.email, 'first_name': u.first_name, 'last_name': u.last_name,
  'is_active': u.is_active, 'is_staff': u.is_staff, 'is_superuser': u.is_superuser, 'joined': u.date_joined is not None,
  'usable': u.has_usable_password(),
}`;

interface Target {
  name: string;
  skip?: string;
  setup(): { database: DjangoDatabase; url: string };
}

const targets: Target[] = [
  {
    name: 'SQLite',
    skip: djangoAvailable() ? undefined : 'Django (python3-django) is not installed',
    setup: () => {
      const path = join(temp, 'db.sqlite3');
      return { database: { engine: 'sqlite', path }, url: `sqlite:${path}` };
    },
  },
  {
    name: 'PostgreSQL',
    skip:
      'skip' in postgres ? postgres.skip : djangoAvailable(true) ? undefined : 'Django or psycopg2 (python3-django, python3-psycopg2) is not installed',
    setup: () => {
      if ('skip' in postgres) throw new Error(postgres.skip);
      const url = new URL(postgres.url);
      return {
        database: { engine: 'postgres', host: url.hostname, port: Number(url.port), name: url.pathname.slice(1), user: decodeURIComponent(url.username) },
        url: postgres.url,
      };
    },
  },
];

for (const target of targets) {
  const suite = target.skip && !inCi ? describe.skip : describe;
  suite(`Django's auth_user on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ''}`, () => {
    let django: DjangoProject;
    let url: string;
    const cli = (args: string[], stdin = '') => run(args, stdin, ENV);
    const schema = () =>
      django.run<string[]>(
        "from django.db import connection\nwith connection.cursor() as c:\n  result = sorted(f'{col.name}:{col.type_code}:{col.null_ok}' for col in connection.introspection.get_table_description(c, 'auth_user'))",
      );

    it('Django makes the project and its users (manage.py createsuperuser, create_user, an old-iteration hash, no password)', () => {
      const setup = target.setup();
      url = setup.url;
      django = createDjangoProject(setup.database);
      const admin = django.manage(['createsuperuser', '--noinput', '--username', 'admin', '--email', 'admin@example.com'], {
        DJANGO_SUPERUSER_PASSWORD: 'admin pw ✓',
      });
      expect(admin.status, admin.stderr).toBe(0);
      django.run(`
User.objects.create_user('ann', 'ann@example.com', 'ann pw', first_name='Ann', last_name='van Dyke')
User.objects.create_user('bob', 'bob@example.com', 'bob pw')
User.objects.create_user('nopw')
from django.contrib.auth.hashers import PBKDF2PasswordHasher
hasher = PBKDF2PasswordHasher()
old = User.objects.create_user('old', '', 'x')
old.password = hasher.encode('old pw', hasher.salt(), iterations=1000)
old.save()`);
      expect(django.run(DJANGO_USER, { username: 'old', password: 'old pw' })).toMatchObject({ authenticates: true, password: expect.stringMatching(/^pbkdf2_sha256\$1000\$/) });
    });

    it('gatehouse serve --database URL --preset django logs in the users Django made, and upgrades as Django does', async () => {
      const before = schema();
      const server = startServer(['--database', url, '--preset', 'django'], ENV);
      try {
        const base = await server.url;
        expect(server.stdout()).toContain("(Django's auth_user)");
        const ann = await login(base, 'ann', 'ann pw');
        expect(ann.status).toBe(200);
        const me = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${ann.body.access_token}` } });
        expect(await me.json()).toEqual({ username: 'ann', email: 'ann@example.com', full_name: 'Ann van Dyke', disabled: false });
        expect((await login(base, 'admin', 'admin pw ✓')).status).toBe(200);
        expect((await login(base, 'ann', 'wrong')).status).toBe(401);
        expect((await login(base, 'nopw', '')).status).not.toBe(200); // unusable password: never a match
        expect((await login(base, 'nopw', 'x')).status).toBe(401);
        // A Django hash at 1,000 iterations is moved to Django 6.1's 1,500,000 (Django's must_update: iterations differ).
        expect((await login(base, 'old', 'old pw')).status).toBe(200);
        const old = django.run<{ authenticates: boolean; password: string }>(DJANGO_USER, { username: 'old', password: 'old pw' });
        expect(old.password).toMatch(/^pbkdf2_sha256\$1500000\$[A-Za-z0-9]{22}\$/);
        expect(old.authenticates).toBe(true); // Django's authenticate() reads what gatehouse wrote
        expect((await login(base, 'old', 'old pw')).status).toBe(200);

        // Django deactivates bob: his next request gets gatehouse's 400 "Inactive user".
        const bob = await login(base, 'bob', 'bob pw');
        expect(bob.status).toBe(200);
        django.run("u = User.objects.get(username='bob'); u.is_active = False; u.save()");
        const inactive = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${bob.body.access_token}` } });
        expect(inactive.status).toBe(400);
        expect(await inactive.json()).toEqual({ detail: 'Inactive user' });
        const again = await login(base, 'bob', 'bob pw');
        const stillInactive = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${again.body.access_token}` } });
        expect(stillInactive.status).toBe(400);

        // Django changes ann's password: it works in gatehouse at the next login, the old one does not.
        django.run("u = User.objects.get(username='ann'); u.set_password('ann new pw'); u.save()");
        expect((await login(base, 'ann', 'ann new pw')).status).toBe(200);
        expect((await login(base, 'ann', 'ann pw')).status).toBe(401);
      } finally {
        server.child.kill('SIGTERM');
      }
      expect(await server.exited).toBe(0);
      expect(schema()).toEqual(before); // never altered
    }, 60_000);

    it('gatehouse user add / passwd / disable --preset django write what Django reads; db migrate leaves auth_user as it is', async () => {
      const added = await cli(['user', 'add', 'carol', '--email', 'carol@example.com', '--full-name', 'Carol Ray', '--database', url, '--preset', 'django'], 'carol pw\n');
      expect(added).toMatchObject({ code: 0, stdout: 'gatehouse: added carol\n' });
      expect(django.run(DJANGO_USER, { username: 'carol', password: 'carol pw' })).toEqual({
        authenticates: true,
        password: expect.stringMatching(/^pbkdf2_sha256\$1500000\$/),
        email: 'carol@example.com',
        first_name: 'Carol',
        last_name: 'Ray',
        is_active: true,
        is_staff: false,
        is_superuser: false,
        joined: true,
        usable: true,
      });
      expect((await cli(['user', 'passwd', 'carol', '--database', url, '--preset', 'django'], 'carol new\n')).code).toBe(0);
      expect(django.run(DJANGO_USER, { username: 'carol', password: 'carol new' })).toMatchObject({ authenticates: true });
      expect((await cli(['user', 'disable', 'carol', '--database', url, '--preset', 'django'])).code).toBe(0);
      expect(django.run(DJANGO_USER, { username: 'carol', password: 'carol new' })).toMatchObject({ authenticates: false, is_active: false });
      const listed = await cli(['user', 'list', '--json', '--database', url, '--preset', 'django']);
      const users = listed.stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(users.map((u: { username: string }) => u.username)).toEqual(['admin', 'ann', 'bob', 'carol', 'nopw', 'old']);
      expect(users.find((u: { username: string }) => u.username === 'bob')).toMatchObject({ disabled: true, full_name: null });
      // db migrate creates gatehouse's own tables beside auth_user and leaves auth_user as Django made it.
      const before = schema();
      const migrate = await cli(['db', 'migrate', '--database', url, '--preset', 'django']);
      expect(migrate.code, migrate.stderr).toBe(0);
      expect(migrate.stdout).toContain("Django's auth_user: not altered (made by python manage.py migrate)");
      expect(schema()).toEqual(before);
      expect(
        django.run<string[]>("from django.db import connection\nresult = sorted(t for t in connection.introspection.table_names() if t.startswith('gatehouse_'))"),
      ).toEqual(expect.arrayContaining(['gatehouse_revoked_tokens', 'gatehouse_sessions']));
      expect(django.run(DJANGO_USER, { username: 'carol', password: 'carol new' })).toMatchObject({ is_active: false });
    }, 60_000);

    it('a user gatehouse adds without a password gets Django’s unusable one', async () => {
      const { createSqliteUserStore } = await import('../../../src/users/sql/sqlite.js');
      const { createPostgresUserStore } = await import('../../../src/users/sql/postgres.js');
      const store = url.startsWith('sqlite:') ? createSqliteUserStore(url.slice('sqlite:'.length), { layout: 'django' }) : createPostgresUserStore(url, { layout: 'django' });
      try {
        await store.createUser({ username: 'dora', hashed_password: null, full_name: 'Dora' });
        expect(await store.findUser('dora')).toMatchObject({ hashed_password: null, full_name: 'Dora', disabled: false });
        expect(django.run<{ usable: boolean; password: string }>(DJANGO_USER, { username: 'dora', password: '' })).toMatchObject({
          usable: false,
          password: expect.stringMatching(/^![A-Za-z0-9]{40}$/),
        });
        // A hash Django cannot read is refused before it reaches the table.
        await expect(store.setPassword('dora', '$scrypt$ln=4,r=8,p=1$c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5')).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
        await expect(store.migrate()).rejects.toThrow(/another app/);
      } finally {
        await store.close();
      }
    });
  });
}
