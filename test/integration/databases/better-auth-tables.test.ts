/**
 * better-auth's user and account tables shared with gatehouse (issue 23), proved by better-auth
 * itself (the npm package, on SQLite through better-sqlite3, its tables made by its own
 * migrations): users who sign up through auth.api.signUpEmail log in through
 * `gatehouse serve --layout better-auth`; users gatehouse adds or changes sign in through
 * auth.api.signInEmail; a password better-auth changes works in gatehouse at the next login.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, run, startServer } from '../../helpers/cli.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-better-auth-'));
const path = join(temp, 'sqlite.db');
const db = new Database(path);
const auth = betterAuth({
  database: db,
  emailAndPassword: { enabled: true },
  secret: 'a better-auth secret of the tests, 32+ chars',
  baseURL: 'http://localhost:3000',
  logger: { disabled: true },
});
afterAll(() => {
  db.close();
  rmSync(temp, { recursive: true, force: true });
});
const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };
const url = `sqlite:${path}`;
const layout = ['--database', url, '--layout', 'better-auth'];
const cli = (args: string[], stdin = '') => run(args, stdin, ENV);
const schema = () => db.prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('user', 'account') ORDER BY name").all();

/** better-auth's sign-in: true when it gives a session, false on its 401. */
async function signsIn(email: string, password: string): Promise<boolean> {
  try {
    const result = await auth.api.signInEmail({ body: { email, password } });
    return typeof result.token === 'string' && result.user.email === email;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 401) return false;
    throw error;
  }
}

describe("better-auth's user and account tables on SQLite", () => {
  it('better-auth makes its tables (its migrations) and users (signUpEmail)', async () => {
    const { runMigrations } = await getMigrations(auth.options);
    await runMigrations();
    await auth.api.signUpEmail({ body: { email: 'ann@example.com', password: 'ann password ✓', name: 'Ann Lee' } });
    await auth.api.signUpEmail({ body: { email: 'bob@example.com', password: 'bob password', name: 'Bob' } });
    expect(await signsIn('ann@example.com', 'ann password ✓')).toBe(true);
  });

  it('gatehouse serve --layout better-auth logs in who signed up with better-auth; a password better-auth changes works next', async () => {
    const before = schema();
    const server = startServer(layout, ENV);
    try {
      const base = await server.url;
      expect(server.stdout()).toContain("(better-auth's user and account tables)");
      const ann = await login(base, 'ann@example.com', 'ann password ✓');
      expect(ann.status).toBe(200);
      const me = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${ann.body.access_token}` } });
      expect(await me.json()).toEqual({ username: 'ann@example.com', email: 'ann@example.com', full_name: 'Ann Lee', disabled: null });
      expect((await login(base, 'ann@example.com', 'wrong password')).status).toBe(401);
      expect((await login(base, 'nobody@example.com', 'ann password ✓')).status).toBe(401);

      // Bob changes his password through better-auth (his session's cookie, changePassword).
      const signed = await auth.api.signInEmail({ body: { email: 'bob@example.com', password: 'bob password' }, returnHeaders: true });
      const cookie = signed.headers.get('set-cookie')!.split(';')[0]!;
      await auth.api.changePassword({ body: { currentPassword: 'bob password', newPassword: 'bob new password' }, headers: new Headers({ cookie }) });
      expect((await login(base, 'bob@example.com', 'bob new password')).status).toBe(200);
      expect((await login(base, 'bob@example.com', 'bob password')).status).toBe(401);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(schema()).toEqual(before); // never altered
  }, 60_000);

  it('users gatehouse adds, changes and removes are better-auth users', async () => {
    const added = await cli(['user', 'add', 'carol@example.com', '--full-name', 'Carol Ray', ...layout], 'carol password\n');
    expect(added).toMatchObject({ code: 0, stdout: 'gatehouse: added carol@example.com\n' });
    expect(await signsIn('carol@example.com', 'carol password')).toBe(true);
    const user = db.prepare('SELECT * FROM user WHERE email = ?').get('carol@example.com') as Record<string, unknown>;
    expect(user).toMatchObject({ id: expect.stringMatching(/^[A-Za-z0-9]{32}$/), name: 'Carol Ray', emailVerified: 0, createdAt: expect.stringMatching(/Z$/) });
    const accounts = db.prepare('SELECT * FROM account WHERE userId = ?').all(user.id);
    expect(accounts).toEqual([
      expect.objectContaining({ providerId: 'credential', accountId: user.id, password: expect.stringMatching(/^[0-9a-f]{32}:[0-9a-f]{128}$/) }),
    ]);
    const session = await auth.api.signInEmail({ body: { email: 'carol@example.com', password: 'carol password' } });
    expect(session.user).toMatchObject({ id: user.id, name: 'Carol Ray', email: 'carol@example.com' });

    expect((await cli(['user', 'passwd', 'carol@example.com', ...layout], 'carol new password\n')).code).toBe(0);
    expect(await signsIn('carol@example.com', 'carol new password')).toBe(true);
    expect(await signsIn('carol@example.com', 'carol password')).toBe(false);

    const listed = await cli(['user', 'list', '--json', ...layout]);
    expect(listed.stdout.trim().split('\n').map((line) => JSON.parse(line).username)).toEqual(['ann@example.com', 'bob@example.com', 'carol@example.com']);
    expect((await cli(['user', 'remove', 'carol@example.com', ...layout])).code).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM account WHERE userId = ?').get(user.id)).toEqual({ n: 0 });
    expect(await signsIn('carol@example.com', 'carol new password')).toBe(false);
    // db migrate puts gatehouse's own tables beside better-auth's and leaves those as they are.
    const before = schema();
    const migrate = await cli(['db', 'migrate', ...layout]);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain("better-auth's user and account tables: not altered (made by the app)");
    expect(schema()).toEqual(before);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'gatehouse_%' ORDER BY name").all()).toEqual(
      expect.arrayContaining([{ name: 'gatehouse_revoked_tokens' }, { name: 'gatehouse_sessions' }]),
    );
  }, 60_000);

  it('a user without a credential account has no password until gatehouse sets one; foreign hashes are refused', async () => {
    const { createSqliteUserStore } = await import('../../../src/users/sql/sqlite.js');
    const store = createSqliteUserStore(path, { layout: 'better-auth', create: false });
    try {
      await store.createUser({ username: 'dan@example.com', hashed_password: null, full_name: 'Dan' });
      expect(await store.findUser('dan@example.com')).toMatchObject({ hashed_password: null, full_name: 'Dan' });
      expect(db.prepare("SELECT count(*) AS n FROM account a JOIN user u ON a.userId = u.id WHERE u.email = 'dan@example.com'").get()).toEqual({ n: 0 });
      expect(await signsIn('dan@example.com', 'dan password')).toBe(false);
      const { presets } = await import('../../../src/passwords/presets/index.js');
      await store.setPassword('dan@example.com', await presets.betterAuth({ coexist: true }).hash('dan password'));
      expect(await signsIn('dan@example.com', 'dan password')).toBe(true);
      await expect(store.setPassword('dan@example.com', '$2y$10$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZa')).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });
      await expect(store.setPassword('nobody@example.com', await presets.betterAuth({ coexist: true }).hash('x'))).rejects.toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
    } finally {
      await store.close();
    }
  }, 30_000);
});
