// The SQLite user store on another runtime's own SQLite: bun:sqlite under Bun, node:sqlite under Deno
// (and Node 22.5+). Runs against the built package; prints what it saw as one JSON line, which
// test/integration/runtimes/sqlite-runtimes.test.ts compares with the known answers and checks the file with better-sqlite3.
//   bun run sqlite-store.mjs FILE     deno run --allow-read --allow-write sqlite-store.mjs FILE
import { CryptContext, authenticateUser } from '../../../dist/index.js';
import { createSqliteUserStore } from '../../../dist/users/sql/sqlite.js';

const file = (globalThis.Deno?.args ?? process.argv.slice(2))[0];
const runtime = globalThis.Bun ? 'bun' : globalThis.Deno ? 'deno' : 'node';
const db = globalThis.Bun
  ? new (await import('bun:sqlite')).Database(file)
  : new (await import('node:sqlite')).DatabaseSync(file);

const seen = { runtime };
const codeOf = async (promise) => promise.then(() => 'resolved', (error) => error.code);
const store = createSqliteUserStore(db);
seen.migrated = [await store.migrate(), await store.migrate()];

const cost4 = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 4 } } });
const policy = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto', settings: { bcrypt: { rounds: 5 } } });
const hostile = `o'neil"; DROP TABLE users; --`;
await store.createUser({ username: hostile, hashed_password: await cost4.hash('pw'), email: 'o@x', full_name: "O'Neil" });
await store.createUser({ username: 'alice', hashed_password: null, disabled: true });
seen.duplicate = await codeOf(store.createUser({ username: 'alice', hashed_password: 'x' }));

const found = store.findUser(hostile); // a synchronous database: no promise
seen.synchronous = !(found instanceof Promise);
seen.found = { ...found, hashed_password: found.hashed_password.slice(0, 7) };
seen.lookalike = store.findUser("' OR '1'='1");
const user = await authenticateUser(store, hostile, 'pw', { context: policy });
seen.login = user?.username ?? null;
const upgraded = store.findUser(hostile).hashed_password;
seen.upgradedPrefix = upgraded.slice(0, 7);
seen.staleSwap = await store.updatePasswordHash(hostile, 'x', found.hashed_password);
seen.wrongPassword = await authenticateUser(store, hostile, 'nope', { context: policy });
await store.setDisabled(hostile, true);
seen.listed = (await store.listUsers()).map((u) => [u.username, u.disabled, 'hashed_password' in u]);
await store.setDisabled(hostile, false);
await store.deleteUser('alice');
seen.removedAgain = await codeOf(store.deleteUser('alice'));
seen.invalid = await codeOf(store.createUser({ username: 'nul\0', hashed_password: 'x' }));
// The session store on the same database: RETURNING on this runtime's SQLite, answers without a promise.
const now = 1_800_000_000;
const sid = 'AAAAAAAAAAAAAAAAAAAAAA';
const h = (c) => c.repeat(43);
await store.sessions.createSession({
  id: sid, username: hostile, kind: 'refresh', userStamp: found.token_stamp, scope: '', createdAt: now, lastUsedAt: now,
  expiresAt: now + 100, secretHash: h('a'), previousHash: null, rotatedAt: null, rotationNonce: null, generation: 0,
  revokedAt: null, clientAddress: null, userAgent: null,
});
const rotation = { secretHash: h('b'), previousHash: h('a'), rotationNonce: h('n'), generation: 1, at: now + 1, usedSince: now - 10 };
const rotated = store.sessions.rotateSession(sid, h('a'), rotation);
seen.sessions = {
  synchronous: !(rotated instanceof Promise),
  rotated: [rotated?.generation, rotated?.secretHash === h('b')],
  again: store.sessions.rotateSession(sid, h('a'), rotation),
  liveRevoked: store.sessions.isAccessRevoked(null, sid, now),
  ended: await store.sessions.revokeUserSessions(hostile, now + 2),
  endedRevoked: store.sessions.isAccessRevoked(null, sid, now),
  swept: await store.sessions.sweep(now + 100),
};
db.exec('ALTER TABLE users RENAME TO away');
try {
  store.findUser('alice');
  seen.missingTable = 'no error';
} catch (error) {
  seen.missingTable = [error.name, error.code, error.message.includes('SELECT')];
}
db.exec('ALTER TABLE away RENAME TO users');
db.close();
console.log(JSON.stringify(seen));
