/**
 * The lifecycle's cost on PostgreSQL, counted by the server itself (pg_stat_statements), through the
 * handler on a store made from a URL (prepared statements):
 *   - GET /users/me/ with a token that has `sid` and `jti` runs ONE statement: the user and the
 *     revocation check together, as without refresh tokens the user alone;
 *   - a refresh runs two: the compare-and-swap and the user;
 * and the single statement still refuses what was revoked (logout, /revoke, logout everywhere, a
 * reused refresh token's family): at once on the server that revoked, and on another one as soon
 * as PostgreSQL's NOTIFY reaches it — once a server LISTENs, it keeps "not revoked" answers and
 * asks only for the user, until any revocation anywhere clears them.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { createPostgresUserStore } from '../../../src/users/sql/postgres.js';
import type { SqlUserStore } from '../../../src/users/sql/store.js';
import { KEY, context } from '../../helpers/http.js';
import { COUNT_STATEMENTS, startTestPostgres, statementCounter } from '../../helpers/postgres.js';

const postgres = await startTestPostgres({ settings: COUNT_STATEMENTS });
const suite = 'skip' in postgres ? describe.skip : describe;

suite(`PostgreSQL: statements per request with refresh tokens${'skip' in postgres ? ` (skipped: ${postgres.skip})` : ''}`, () => {
  let store: SqlUserStore;
  let other: SqlUserStore;
  let counter: Awaited<ReturnType<typeof statementCounter>>;
  const url = 'skip' in postgres ? '' : postgres.url;

  beforeAll(async () => {
    store = createPostgresUserStore(url);
    other = createPostgresUserStore(url);
    await store.migrate();
    await store.createUser({ username: 'johndoe', hashed_password: await context.hash('secret') });
    counter = await statementCounter(url);
  });
  afterAll(async () => {
    await counter?.close();
    await store?.close();
    await other?.close();
    if ('destroy' in postgres) await postgres.destroy();
  });

  const handlerOn = (users: SqlUserStore) => createAuthHandler({ users, key: KEY, context, refreshTokens: true, docs: false });

  async function login(handle: (request: Request) => Promise<Response>) {
    const response = await handle(new Request('http://t/token', { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret' }) }));
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; refresh_token: string };
  }
  const me = async (handle: (request: Request) => Promise<Response>, access: string) =>
    (await handle(new Request('http://t/users/me/', { headers: { authorization: `Bearer ${access}` } }))).status;
  /** `check` holds within `ms` (another server hears of a revocation through NOTIFY, a moment later). */
  async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
      if (await check()) return true;
    }
    return check();
  }
  /** Requests on every handler until none runs the revocation look-up: each one LISTENs and remembers. */
  async function remembered(handles: ((request: Request) => Promise<Response>)[], access: string, ms = 3000): Promise<boolean> {
    return eventually(async () => {
      await counter.reset();
      for (const handle of handles) for (let i = 0; i < 3; i++) expect(await me(handle, access)).toBe(200);
      return (await counter.count('gatehouse_revoked')) === 0;
    }, ms);
  }
  const refresh = (handle: (request: Request) => Promise<Response>, token: string) =>
    handle(new Request('http://t/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }) }));

  /** Reset the count once the sweep a handler runs after its first login (hourly, in the background) is done. */
  async function resetAfterSweep(): Promise<void> {
    for (let last = -1, now = await counter.count(); now !== last; last = now, now = await counter.count()) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await counter.reset();
  }

  it('GET /users/me/ with the revocation check is one statement, as the user look-up alone is', async () => {
    const handle = handlerOn(store);
    const { access_token } = await login(handle);
    expect(await me(handle, access_token)).toBe(200); // the stamp column is known from here on
    await resetAfterSweep();
    for (let i = 0; i < 20; i++) expect(await me(handle, access_token)).toBe(200);
    expect(await counter.count()).toBe(20);

    const off = createAuthHandler({ users: store, key: KEY, context, docs: false });
    const plain = await login(off);
    expect(await me(off, plain.access_token)).toBe(200);
    await resetAfterSweep();
    for (let i = 0; i < 20; i++) expect(await me(off, plain.access_token)).toBe(200);
    expect(await counter.count()).toBe(20);
  });

  it('with listen: false (a pooler in transaction mode) nothing is kept: every request asks, in the one statement', async () => {
    const unlistened = createPostgresUserStore(url, { listen: false });
    try {
      const handle = handlerOn(unlistened);
      const { access_token } = await login(handle);
      for (let i = 0; i < 5; i++) expect(await me(handle, access_token)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await resetAfterSweep();
      for (let i = 0; i < 10; i++) expect(await me(handle, access_token)).toBe(200);
      expect(await counter.count('gatehouse_revoked')).toBe(10);
      expect(await counter.count()).toBe(10);
    } finally {
      await unlistened.close();
    }
  });

  it('a refresh is two statements: the swap and the user', async () => {
    const handle = handlerOn(store);
    let { refresh_token } = await login(handle);
    await resetAfterSweep();
    for (let i = 0; i < 10; i++) {
      const response = await refresh(handle, refresh_token);
      expect(response.status).toBe(200);
      refresh_token = ((await response.json()) as { refresh_token: string }).refresh_token;
    }
    expect(await counter.count()).toBe(20);
  });

  it('what is revoked is refused at once, on this server and on another', async () => {
    const here = handlerOn(store);
    const there = handlerOn(other);
    const first = await login(here);
    const second = await login(here);
    for (const handle of [here, there]) expect(await me(handle, first.access_token)).toBe(200);

    // POST /logout ends the first login's session: its access token is refused everywhere.
    expect(await remembered([here, there], first.access_token)).toBe(true);
    const logout = await here(new Request('http://t/logout', { method: 'POST', headers: { authorization: `Bearer ${first.access_token}` } }));
    expect(logout.status).toBe(204);
    expect(await me(here, first.access_token)).toBe(401); // the server that revoked: at once
    expect(await eventually(async () => (await me(there, first.access_token)) === 401)).toBe(true);
    expect(await me(there, first.access_token)).toBe(401);
    for (const handle of [here, there]) expect(await me(handle, second.access_token)).toBe(200);

    // /revoke of an access token: its jti alone is refused; a new token of the same session works.
    const renewed = (await (await refresh(here, second.refresh_token)).json()) as { access_token: string; refresh_token: string };
    const revoke = await here(new Request('http://t/revoke', { method: 'POST', body: new URLSearchParams({ token: second.access_token }) }));
    expect(revoke.status).toBe(200);
    expect(await me(here, second.access_token)).toBe(401);
    expect(await eventually(async () => (await me(there, second.access_token)) === 401)).toBe(true);
    for (const handle of [here, there]) expect(await me(handle, renewed.access_token)).toBe(200);

    // A reused refresh token (past the grace window's predecessor) revokes the family.
    const next = (await (await refresh(there, renewed.refresh_token)).json()) as { access_token: string; refresh_token: string };
    await refresh(there, next.refresh_token);
    expect((await refresh(here, renewed.refresh_token)).status).toBe(400);
    expect(await me(here, next.access_token)).toBe(401);
    expect(await eventually(async () => (await me(there, next.access_token)) === 401)).toBe(true);

    // Every session of the user revoked in the table (logout everywhere, from any process).
    const third = await login(here);
    expect(await me(there, third.access_token)).toBe(200);
    await store.sessions.revokeUserSessions('johndoe', Math.floor(Date.now() / 1000));
    expect(await me(here, third.access_token)).toBe(401);
    expect(await eventually(async () => (await me(there, third.access_token)) === 401)).toBe(true);
  });

  it('a revocation written by anyone (plain SQL) reaches every server through the triggers; a lost LISTEN stops the remembering until it is back', async () => {
    const here = handlerOn(store);
    const there = handlerOn(other);
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    try {
      const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string; jti: string };
      const refused = async (access: string) => (await me(here, access)) === 401 && (await me(there, access)) === 401;
      const now = Math.floor(Date.now() / 1000);

      // A session revoked, an access token revoked, a session deleted: each by plain SQL.
      const writes = [
        (t: string) => sql.query('UPDATE gatehouse_sessions SET revoked_at = $1 WHERE id = $2', [now, claims(t).sid]),
        (t: string) => sql.query('INSERT INTO gatehouse_revoked_tokens (jti, expires_at) VALUES ($1, $2)', [claims(t).jti, now + 900]),
        (t: string) => sql.query('DELETE FROM gatehouse_sessions WHERE id = $1', [claims(t).sid]),
      ];
      for (const write of writes) {
        const { access_token } = await login(here);
        expect(await remembered([here, there], access_token)).toBe(true);
        await write(access_token);
        expect(await eventually(() => refused(access_token))).toBe(true);
      }

      // The LISTEN connections are cut: the servers stop remembering (every request asks again),
      // so a revocation meanwhile is refused at once; then they listen again and remember again.
      const { access_token } = await login(here);
      expect(await remembered([here, there], access_token)).toBe(true);
      const cut = await sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
      expect(cut.rowCount).toBe(2);
      expect(
        await eventually(async () => {
          await counter.reset();
          for (const handle of [here, there]) expect(await me(handle, access_token)).toBe(200);
          return (await counter.count('gatehouse_revoked')) === 2;
        }),
      ).toBe(true);
      const doomed = await login(here);
      expect(await me(there, doomed.access_token)).toBe(200);
      await sql.query('UPDATE gatehouse_sessions SET revoked_at = $1 WHERE id = $2', [now, claims(doomed.access_token).sid]);
      expect(await refused(doomed.access_token)).toBe(true);
      expect(await remembered([here, there], access_token)).toBe(true); // listening again (retried after 1 s)
    } finally {
      await sql.end();
    }
  });
  it('PostgreSQL stopped and started again: 503 while down, then every request asks until the store listens again', async () => {
    if ('skip' in postgres || !postgres.controllable) return;
    const here = handlerOn(store);
    const { access_token } = await login(here);
    expect(await remembered([here], access_token)).toBe(true);
    await postgres.stop();
    try {
      expect(await me(here, access_token)).toBe(503);
    } finally {
      await postgres.start();
    }
    expect(await eventually(async () => (await me(here, access_token)) === 200, 10_000)).toBe(true);
    await counter.close().catch(() => undefined); // its connection went with the server
    counter = await statementCounter(url);
    // A revocation written after the restart is refused: by the look-up while nothing listens, else through the new LISTEN.
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    try {
      const doomed = await login(here);
      expect(await me(here, doomed.access_token)).toBe(200);
      const sid = JSON.parse(Buffer.from(doomed.access_token.split('.')[1]!, 'base64url').toString()).sid as string;
      await sql.query('UPDATE gatehouse_sessions SET revoked_at = 1 WHERE id = $1', [sid]);
      expect(await eventually(async () => (await me(here, doomed.access_token)) === 401, 1000)).toBe(true);
    } finally {
      await sql.end();
    }
    expect(await remembered([here], access_token, 40_000)).toBe(true); // listening again (retried after 1, 5, then 30 s)
  }, 90_000);
});
