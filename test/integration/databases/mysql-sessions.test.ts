/**
 * The token lifecycle's tables on MariaDB (store.sessions of gatehouse/mysql): every SessionStore
 * method against known answers, and the rotation's compare-and-swap (an UPDATE, then a SELECT on the
 * same connection: MariaDB has no UPDATE ... RETURNING) with exactly one winner among 50; then the
 * shared SessionStore contract (test/helpers/session-store-contract.ts) that every store runs.
 */
import mysql from 'mysql2/promise';
import bcryptjs from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { BASE, KEY, bearer } from '../../helpers/http.js';
import type { StoredSession } from '../../../src/tokens/lifecycle/session-store.js';
import { createMysqlUserStore, type MysqlUserStore } from '../../../src/users/sql/mysql.js';
import { startTestMariadb } from '../../helpers/mariadb.js';
import { sessionStoreContract } from '../../helpers/session-store-contract.js';

const started = await startTestMariadb();
const db = 'skip' in started ? null : started;
const stores: MysqlUserStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  await db?.destroy();
});

const NOW = 1_800_000_000;
const hash = (c: string) => c.repeat(43);
const session = (over: Partial<StoredSession> = {}): StoredSession => ({
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  username: 'johndoe',
  kind: 'refresh',
  userStamp: 'stamp-1',
  scope: 'me items',
  createdAt: NOW,
  lastUsedAt: NOW,
  expiresAt: NOW + 86_400,
  secretHash: hash('a'),
  previousHash: null,
  rotatedAt: null,
  rotationNonce: null,
  generation: 0,
  revokedAt: null,
  clientAddress: '203.0.113.7',
  userAgent: 'curl/8 ünïcode 🔑',
  ...over,
});
const rotation = (secret: string, previous: string, at = NOW + 60) => ({
  secretHash: hash(secret),
  previousHash: hash(previous),
  rotationNonce: hash('n'),
  at,
  usedSince: at - 3600,
});

async function fresh(): Promise<MysqlUserStore> {
  const store = createMysqlUserStore(await db!.createDatabase(), { poolSize: 12 });
  stores.push(store);
  await store.migrate();
  return store;
}

describe.skipIf(!db)(`MariaDB session store${db ? '' : ` (skipped: ${(started as { skip: string }).skip})`}`, () => {
  it('create, find, rotate, touch, revoke, list: known answers', async () => {
    const { sessions } = await fresh();
    const first = session();
    await sessions.createSession(first);
    expect(await sessions.findSession(first.id)).toEqual(first);
    expect(await sessions.findSession('aAAAAAAAAAAAAAAAAAAAAA')).toBeNull(); // ids compare exactly
    expect(await sessions.findSession('x'.repeat(500))).toBeNull();
    await expect(sessions.createSession(first)).rejects.toMatchObject({ code: 'ERR_USER_STORE_QUERY' }); // id taken
    await expect(sessions.createSession(session({ id: 'x'.repeat(23) }))).rejects.toMatchObject({ code: 'ERR_USER_INVALID' });

    // Wrong secret, idle too long, past the end: refused; the right one: the row after the change.
    expect(await sessions.rotateSession(first.id, hash('z'), rotation('b', 'a'))).toBeNull();
    expect(await sessions.rotateSession(first.id, hash('a'), { ...rotation('b', 'a'), usedSince: NOW + 1 })).toBeNull();
    expect(await sessions.rotateSession(first.id, hash('a'), rotation('b', 'a', NOW + 86_400))).toBeNull();
    const rotated = await sessions.rotateSession(first.id, hash('a'), rotation('b', 'a'));
    expect(rotated).toEqual({ ...first, secretHash: hash('b'), previousHash: hash('a'), rotationNonce: hash('n'), generation: 1, rotatedAt: NOW + 60, lastUsedAt: NOW + 60 });
    expect(await sessions.rotateSession(first.id, hash('a'), rotation('c', 'a'))).toBeNull(); // the old secret again

    expect(await sessions.touchSession(first.id, NOW + 120, NOW)).toBe(false); // not the stored lastUsedAt
    expect(await sessions.touchSession(first.id, NOW + 120, NOW + 60)).toBe(true);
    expect((await sessions.findSession(first.id))!.lastUsedAt).toBe(NOW + 120);

    const cookie = session({ id: 'BBBBBBBBBBBBBBBBBBBBBB', kind: 'cookie', createdAt: NOW + 10, clientAddress: null, userAgent: null });
    const other = session({ id: 'CCCCCCCCCCCCCCCCCCCCCC', username: 'JohnDoe' }); // another user: names compare exactly
    const old = session({ id: 'DDDDDDDDDDDDDDDDDDDDDD', expiresAt: NOW - 1 });
    for (const s of [cookie, other, old]) await sessions.createSession(s);
    expect((await sessions.listSessions('johndoe', NOW)).map((s) => s.id)).toEqual([cookie.id, first.id]); // newest first, live only
    expect(await sessions.revokeUserSessions('johndoe', NOW + 200, cookie.id)).toBe(1);
    expect((await sessions.findSession(first.id))!.revokedAt).toBe(NOW + 200);
    expect(await sessions.revokeSession(first.id, NOW + 300)).toBe(false); // already revoked
    expect(await sessions.revokeSession(cookie.id, NOW + 300)).toBe(true);
    expect(await sessions.listSessions('johndoe', NOW)).toEqual([]);
    expect((await sessions.listSessions('JohnDoe', NOW)).map((s) => s.id)).toEqual([other.id]);
    expect(await sessions.touchSession(cookie.id, NOW + 400, NOW)).toBe(false); // revoked: not renewed
  });

  it('revoked access tokens and isAccessRevoked in one query; sweep deletes what no longer matters', async () => {
    const { sessions } = await fresh();
    const live = session();
    await sessions.createSession(live);
    await sessions.createSession(session({ id: 'EEEEEEEEEEEEEEEEEEEEEE', revokedAt: NOW }));
    expect(await sessions.isAccessRevoked('jti-1', live.id, NOW)).toBe(false);
    expect(await sessions.isAccessRevoked(null, null, NOW)).toBe(false);
    expect(await sessions.isAccessRevoked(null, 'EEEEEEEEEEEEEEEEEEEEEE', NOW)).toBe(true); // revoked
    expect(await sessions.isAccessRevoked(null, 'FFFFFFFFFFFFFFFFFFFFFF', NOW)).toBe(true); // gone
    expect(await sessions.isAccessRevoked(null, live.id, live.expiresAt)).toBe(true); // expired
    await sessions.revokeAccessToken('jti-1', NOW + 900);
    await sessions.revokeAccessToken('jti-1', NOW + 600); // idempotent, keeps the later expiry
    expect(await sessions.isAccessRevoked('jti-1', live.id, NOW)).toBe(true);
    expect(await sessions.isAccessRevoked('JTI-1', null, NOW)).toBe(false);
    await sessions.revokeAccessToken('jti-2', NOW - 5);
    await sessions.createSession(session({ id: 'GGGGGGGGGGGGGGGGGGGGGG', expiresAt: NOW - 10 }));
    expect(await sessions.sweep(NOW)).toBe(2); // the expired session and jti-2
    expect(await sessions.isAccessRevoked('jti-1', null, NOW)).toBe(true);
    expect(await sessions.sweep(NOW + 901)).toBe(1); // jti-1 past its exp; the sessions still matter
    expect(await sessions.sweep(NOW + 86_400)).toBe(2); // both sessions (one revoked) past their end
  });

  it('50 concurrent rotations from the same secret: exactly one wins', async () => {
    const { sessions } = await fresh();
    const s = session();
    await sessions.createSession(s);
    const secrets = 'bcdefghijklmnopqrstuvwxyzBCDEFGHIJKLMNOPQRSTUVWXYZ'.slice(0, 50).split('');
    const results = await Promise.all(secrets.map((c) => sessions.rotateSession(s.id, hash('a'), rotation(c, 'a'))));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect((await sessions.findSession(s.id))!.secretHash).toBe(winners[0]!.secretHash);
    expect(winners[0]!.generation).toBe(1);
  });

  it('the tables are made on first use too, for a layout migrate() refuses (Django)', async () => {
    const url = await db!.createDatabase();
    const store = createMysqlUserStore(url, { layout: 'django' });
    stores.push(store);
    await store.sessions.createSession(session());
    expect(await store.sessions.findSession(session().id)).toEqual(session());
    const raw = await mysql.createConnection({ uri: url });
    const [rows] = await raw.query("SELECT TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'gatehouse_sessions'");
    await raw.end();
    expect(rows).toEqual([{ c: 'utf8mb4_bin' }]);
  });

  it.skipIf(!db?.controllable)('while the server is down: ERR_USER_STORE_UNAVAILABLE; after the restart it works again', async () => {
    const store = await fresh();
    await store.sessions.createSession(session());
    await db!.stop();
    try {
      await expect(store.sessions.findSession(session().id)).rejects.toMatchObject({ code: 'ERR_USER_STORE_UNAVAILABLE' });
      await expect(store.sessions.isAccessRevoked('j', session().id, NOW)).rejects.toMatchObject({ code: 'ERR_USER_STORE_UNAVAILABLE' });
    } finally {
      await db!.start();
    }
    expect(await store.sessions.isAccessRevoked('j', session().id, NOW)).toBe(false);
  }, 60_000);
});

describe.skipIf(!db)('MariaDB session store: the shared SessionStore contract', () => {
  sessionStoreContract(async () => (await fresh()).sessions, () => Math.floor(Date.now() / 1000));
});

describe.skipIf(!db)('MariaDB sessions behind the handler (refreshTokens: the store\'s sessions)', () => {
  it('login gives a refresh token kept in MariaDB; refresh rotates it in place; logout revokes the session and its tokens', async () => {
    const users = await fresh();
    const context = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 4 } } });
    await users.createUser({ username: 'johndoe', hashed_password: bcryptjs.hashSync('secret', 4) });
    const handle = createAuthHandler({ users, key: KEY, context, refreshTokens: true, docs: false });
    const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      handle(new Request(BASE + path, { method: 'POST', headers, body: new URLSearchParams(fields) }));
    const first = (await (await post('/token', { username: 'johndoe', password: 'secret' })).json()) as { access_token: string; refresh_token: string };
    const [id] = first.refresh_token.split('.');
    expect(await users.sessions.findSession(id!)).toMatchObject({ username: 'johndoe', kind: 'refresh', generation: 0, revokedAt: null });
    const rotated = await post('/token', { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as { access_token: string; refresh_token: string };
    expect(second.refresh_token.split('.')[0]).toBe(id);
    expect((await users.sessions.findSession(id!))!.generation).toBe(1);
    expect((await handle(bearer('/users/me/', second.access_token))).status).toBe(200);
    const logout = await post('/logout', {}, { authorization: `Bearer ${second.access_token}` });
    expect(logout.status).toBeLessThan(300);
    expect((await users.sessions.findSession(id!))!.revokedAt).not.toBeNull();
    expect((await handle(bearer('/users/me/', second.access_token))).status).toBe(401);
    expect((await post('/token', { grant_type: 'refresh_token', refresh_token: second.refresh_token })).status).toBe(400);
  });
});
