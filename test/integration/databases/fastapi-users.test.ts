/**
 * fastapi-users' user table shared with gatehouse (issue 23), proved by its own pieces: the table
 * as its SQLAlchemy model creates it (Debian's python3-sqlalchemy; the model written out in
 * apps/fastapi_users.py), passwords hashed and checked by argon2-cffi at pwdlib's parameters (what
 * fastapi-users' PasswordHelper runs). On SQLite and on the tests' PostgreSQL. In CI a missing
 * Python module or PostgreSQL fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, run, startServer } from '../../helpers/cli.js';
import { PYTHON } from '../../helpers/django.js';
import { startTestPostgres } from '../../helpers/postgres.js';

const inCi = process.env.CI === 'true';
const SCRIPT = new URL('./apps/fastapi_users.py', import.meta.url).pathname;
const canImport = (modules: string) => spawnSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
const temp = mkdtempSync(join(tmpdir(), 'gatehouse-fastapi-users-'));
const postgres = await startTestPostgres();
afterAll(async () => {
  if ('destroy' in postgres) await postgres.destroy();
  rmSync(temp, { recursive: true, force: true });
});
const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };

interface Target {
  name: string;
  skip?: string;
  /** The gatehouse URL and SQLAlchemy's. */
  urls(): { url: string; alchemy: string };
}
const missing = canImport('sqlalchemy, argon2') ? undefined : 'python3-sqlalchemy or python3-argon2 is not installed';
const targets: Target[] = [
  {
    name: 'SQLite',
    skip: missing,
    urls: () => ({ url: `sqlite:${join(temp, 'app.db')}`, alchemy: `sqlite:///${join(temp, 'app.db')}` }),
  },
  {
    name: 'PostgreSQL',
    skip: 'skip' in postgres ? postgres.skip : (missing ?? (canImport('psycopg2') ? undefined : 'python3-psycopg2 is not installed')),
    urls: () => {
      if ('skip' in postgres) throw new Error(postgres.skip);
      return { url: postgres.url, alchemy: postgres.url.replace(/^postgres(ql)?:/, 'postgresql:') };
    },
  },
];

for (const target of targets) {
  const suite = target.skip && !inCi ? describe.skip : describe;
  suite(`fastapi-users' user table on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ''}`, () => {
    let url = '';
    let alchemy = '';
    const app = <T = unknown>(command: Record<string, unknown>): T => {
      const r = spawnSync(PYTHON, [SCRIPT, JSON.stringify({ url: alchemy, ...command })], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`fastapi_users.py failed (${r.status}): ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    };
    const authenticate = (email: string, password: string) =>
      app<{ verified: boolean; needs_rehash: boolean; active: boolean }>({ do: 'authenticate', email, password });
    const cli = (args: string[], stdin = '') => run(args, stdin, ENV);
    const layout = () => ['--database', url, '--layout', 'fastapi-users'];

    it('the model creates the table; users are hashed as pwdlib does', () => {
      ({ url, alchemy } = target.urls());
      app({ do: 'migrate' });
      app({ do: 'create', email: 'ann@example.com', password: 'ann pw ✓' });
      app({ do: 'create', email: 'bob@example.com', password: 'bob pw' });
      app({ do: 'create', email: 'cy@example.com', password: 'cy pw', active: false });
      expect(authenticate('ann@example.com', 'ann pw ✓')).toEqual({ verified: true, needs_rehash: false, active: true });
    });

    it('gatehouse serve --layout fastapi-users logs them in by email; is_active = false is a disabled user', async () => {
      const before = app({ do: 'schema' });
      const hashBefore = app<{ hashed_password: string }>({ do: 'row', email: 'ann@example.com' }).hashed_password;
      const server = startServer(layout(), ENV);
      try {
        const base = await server.url;
        expect(server.stdout()).toContain("(fastapi-users' user table)");
        const ann = await login(base, 'ann@example.com', 'ann pw ✓');
        expect(ann.status).toBe(200);
        const me = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${ann.body.access_token}` } });
        expect(await me.json()).toEqual({ username: 'ann@example.com', email: 'ann@example.com', full_name: null, disabled: false });
        // pwdlib's own parameters: coexistence (presets.fastapi) keeps the hash as it is.
        expect(app<{ hashed_password: string }>({ do: 'row', email: 'ann@example.com' }).hashed_password).toBe(hashBefore);
        expect((await login(base, 'ann@example.com', 'wrong')).status).toBe(401);
        const cy = await login(base, 'cy@example.com', 'cy pw');
        const inactive = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${cy.body.access_token}` } });
        expect(inactive.status).toBe(400);
        // The app changes bob's password: the next login through gatehouse uses it.
        app({ do: 'set-password', email: 'bob@example.com', password: 'bob new' });
        expect((await login(base, 'bob@example.com', 'bob new')).status).toBe(200);
        expect((await login(base, 'bob@example.com', 'bob pw')).status).toBe(401);
      } finally {
        server.child.kill('SIGTERM');
      }
      expect(await server.exited).toBe(0);
      expect(app({ do: 'schema' })).toEqual(before);
    }, 60_000);

    it('gatehouse user add / passwd / disable --layout fastapi-users write rows the model loads and hashes argon2-cffi accepts', async () => {
      expect((await cli(['user', 'add', 'dora@example.com', ...layout()], 'dora pw\n')).code).toBe(0);
      expect(app({ do: 'row', email: 'dora@example.com' })).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        id_is_uuid: true,
        email: 'dora@example.com',
        hashed_password: expect.stringMatching(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$/),
        is_active: true,
        is_superuser: false,
        is_verified: false,
      });
      expect(authenticate('dora@example.com', 'dora pw')).toEqual({ verified: true, needs_rehash: false, active: true });
      expect((await cli(['user', 'passwd', 'dora@example.com', ...layout()], 'dora new\n')).code).toBe(0);
      expect(authenticate('dora@example.com', 'dora new')).toMatchObject({ verified: true, needs_rehash: false });
      expect(authenticate('dora@example.com', 'dora pw')).toMatchObject({ verified: false });
      expect((await cli(['user', 'disable', 'dora@example.com', ...layout()])).code).toBe(0);
      expect(authenticate('dora@example.com', 'dora new')).toMatchObject({ verified: true, active: false });
      expect((await cli(['user', 'enable', 'cy@example.com', ...layout()])).code).toBe(0);
      expect(authenticate('cy@example.com', 'cy pw')).toMatchObject({ active: true });
    }, 60_000);

    it('refuses hashes pwdlib could not read and users without a hash', async () => {
      const { createSqliteUserStore } = await import('../../../src/users/sql/sqlite.js');
      const { createPostgresUserStore } = await import('../../../src/users/sql/postgres.js');
      const store = url.startsWith('sqlite:') ? createSqliteUserStore(url.slice('sqlite:'.length), { layout: 'fastapi-users' }) : createPostgresUserStore(url, { layout: 'fastapi-users' });
      try {
        await expect(store.setPassword('ann@example.com', '$P$BVnb94tilQeVw8Eo9eN7piXzfzieF71')).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
        await expect(store.createUser({ username: 'eve@example.com', hashed_password: null })).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
        expect(app({ do: 'row', email: 'eve@example.com' })).toBeNull();
        expect(store.loginBy).toBe('email');
      } finally {
        await store.close();
      }
    });
  });
}
