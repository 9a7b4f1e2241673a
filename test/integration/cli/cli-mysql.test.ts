/**
 * `gatehouse db migrate`, `gatehouse user ...` and `serve --database` / `--throttle-store` on
 * MariaDB (test/helpers/mariadb.ts: skipped with the reason outside CI when none can be had, a
 * failure in CI), as real child processes: mysql:// and mariadb:// URLs alike.
 */
import { randomBytes } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, run, scryptMatches, startServer } from '../../helpers/cli.js';
import { startTestMariadb } from '../../helpers/mariadb.js';

const mariadb = await startTestMariadb();
afterAll(async () => {
  if ('destroy' in mariadb) await mariadb.destroy();
});

const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined, GATEHOUSE_THROTTLE_STORE: undefined };
const HOSTILE = `o'neil"; DROP TABLE users; --`;
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const skip = 'skip' in mariadb ? mariadb.skip : undefined;

describe.skipIf(skip !== undefined)(`gatehouse on MariaDB${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const url = 'url' in mariadb ? mariadb.url : '';
  const query = async (sql: string, params: (string | number | boolean)[] = []) => {
    const connection = await mysql.createConnection({ uri: url });
    try {
      return (await connection.execute(sql, params))[0] as Array<Record<string, unknown>>;
    } finally {
      await connection.end();
    }
  };
  const row = async (username: string) => (await query('SELECT hashed_password, disabled, email FROM users WHERE username = ?', [username]))[0];

  it('db migrate, user add/list/disable/enable/passwd/revoke/remove with mysql:// and mariadb:// URLs', async () => {
    const migrated = await run(['db', 'migrate', '--database', url], '', ENV);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('created the users table');
    expect((await run(['db', 'migrate', '--database', url], '', ENV)).stdout).toContain('the users table exists');
    const tables = (await query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME')).map((r) => r.t);
    expect(tables).toEqual(['gatehouse_revoked_tokens', 'gatehouse_sessions', 'gatehouse_signing_keys', 'users']);

    const maria = url.replace(/^mysql:/, 'mariadb:');
    const added = await run(['user', 'add', HOSTILE, '--email', 'o@x', '--full-name', "O'Neil", '--database', maria], 'first pw\n', ENV);
    expect(added).toMatchObject({ code: 0, stdout: `gatehouse: added ${HOSTILE}\n` });
    expect(scryptMatches('first pw', (await row(HOSTILE))!.hashed_password as string)).toBe(true);
    expect((await run(['user', 'add', HOSTILE.toUpperCase(), '--database', url], 'x\n', ENV)).stderr).toContain('exists'); // a look-alike

    const env = { ...ENV, GATEHOUSE_DATABASE: url };
    expect((await run(['user', 'disable', HOSTILE], '', env)).code).toBe(0);
    expect((await row(HOSTILE))!.disabled).toBe(1);
    const json = (await run(['user', 'list', '--json'], '', env)).stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(json).toEqual([expect.objectContaining({ username: HOSTILE, email: 'o@x', full_name: "O'Neil", disabled: true })]);
    expect((await run(['user', 'enable', HOSTILE], '', env)).code).toBe(0);
    expect((await run(['user', 'passwd', HOSTILE], 'second pw\n', env)).code).toBe(0);
    expect(scryptMatches('second pw', (await row(HOSTILE))!.hashed_password as string)).toBe(true);
    expect(await run(['user', 'passwd', 'nobody'], 'x\n', env)).toMatchObject({ code: 1, stderr: 'gatehouse: no user nobody\n' });
    const [before] = await query('SELECT token_stamp FROM users WHERE username = ?', [HOSTILE]);
    const revoked = await run(['user', 'revoke', HOSTILE], '', env); // logout everywhere: a new token stamp
    expect(revoked.code, revoked.stderr).toBe(0);
    const [after] = await query('SELECT token_stamp FROM users WHERE username = ?', [HOSTILE]);
    expect(after!.token_stamp).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(after!.token_stamp).not.toBe(before!.token_stamp);
    expect((await run(['user', 'remove', HOSTILE], '', env)).code).toBe(0);
    expect(await row(HOSTILE)).toBeUndefined();
  }, 240_000); // a dozen CLI processes, three hashing with scrypt (128 MiB)

  it('serve --database mariadb:// --throttle-store mysql://: logins, upgrades, throttling on the table, 503 while down, then recovery', async () => {
    await run(['db', 'migrate', '--database', url], '', ENV);
    await query('DELETE FROM users');
    await query('INSERT INTO users (username, hashed_password, email, full_name, disabled) VALUES (?, ?, ?, ?, ?)', [
      'johndoe',
      bcryptjs.hashSync('secret', 4),
      'j@x',
      'John Doe',
      false,
    ]);
    const server = startServer(['--database', url.replace(/^mysql:/, 'mariadb:'), '--throttle-store', url], ENV);
    try {
      const base = await server.url;
      const ok = await login(base, 'johndoe', 'secret');
      expect(ok.status).toBe(200);
      expect((await row('johndoe'))!.hashed_password).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/); // upgraded in place
      const me = await fetch(`${base}/users/me/`, bearer(ok.body.access_token));
      expect(await me.json()).toEqual({ username: 'johndoe', email: 'j@x', full_name: 'John Doe', disabled: false });
      expect((await login(base, 'johndoe', 'wrong')).status).toBe(401);
      const counters = await query('SELECT count FROM gatehouse_login_counters');
      expect(counters.length).toBeGreaterThan(0); // the failure was counted in MariaDB

      if ('controllable' in mariadb && mariadb.controllable) {
        await mariadb.stop();
        try {
          const down = await fetch(`${base}/users/me/`, bearer(ok.body.access_token));
          expect(down.status).toBe(503);
          expect(await down.json()).toEqual({ detail: 'Service Unavailable' });
          expect((await login(base, 'johndoe', 'secret')).status).toBe(503);
        } finally {
          await mariadb.start();
        }
        expect((await fetch(`${base}/users/me/`, bearer(ok.body.access_token))).status).toBe(200);
        expect((await login(base, 'johndoe', 'secret')).status).toBe(200);
      }
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  }, 120_000);

  it('the key ring on MariaDB: keys add / list, serve signs with it, jose verifies through jwks.json; no private key in the table', async () => {
    const env = { ...ENV, GATEHOUSE_KEY_SECRET: randomBytes(32).toString('hex') };
    expect((await run(['db', 'migrate', '--database', url], '', env)).code).toBe(0);
    await query('DELETE FROM gatehouse_signing_keys');
    const add = await run(['keys', 'add', '--alg', 'ES256', '--database', url], '', env);
    expect(add.code, add.stderr).toBe(0);
    const list = await run(['keys', 'list', '--json', '--database', url], '', { ...env, GATEHOUSE_KEY_SECRET: undefined });
    const keys = list.stdout.trim().split('\n').map((line) => JSON.parse(line) as { kid: string; alg: string; phase: string });
    expect(keys.map((key) => [key.alg, key.phase])).toEqual([['ES256', 'signing']]);
    const rows = await query('SELECT kid, private_key FROM gatehouse_signing_keys');
    expect(rows.map((r) => r.kid)).toEqual([keys[0]!.kid]);
    expect(String(rows[0]!.private_key)).not.toMatch(/"d"|PRIVATE KEY/);

    const added = await run(['user', 'add', 'keyuser', '--database', url], 'key-user-pass', env);
    expect(added.code, added.stderr).toBe(0);
    const server = startServer(['--database', url, '--no-event-log'], env);
    try {
      const base = await server.url;
      const { status, body } = await login(base, 'keyuser', 'key-user-pass');
      expect(status).toBe(200);
      const verified = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)));
      expect(verified.protectedHeader).toMatchObject({ alg: 'ES256', kid: keys[0]!.kid });
      expect(verified.payload.sub).toBe('keyuser');
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  }, 120_000);
});
