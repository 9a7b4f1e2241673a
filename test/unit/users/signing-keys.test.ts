/**
 * The key ring's SQL store on real SQLite (better-sqlite3, by path and open): the table migrate()
 * creates, rows as the ring wrote them, a missing table read as no keys, and two rings on one file
 * seeing each other's rotations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyRing } from '../../../src/tokens/index.js';
import { createSqliteKeyRingStore } from '../../../src/users/sql/sqlite.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-signing-keys-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const SECRET = 'k'.repeat(64);

describe('createSqliteKeyRingStore', () => {
  it('reads a database without the table as no keys; migrate creates it once', async () => {
    const store = createSqliteKeyRingStore(join(temp, 'a.db'));
    expect(await store.listKeys()).toEqual([]);
    expect(await store.migrate()).toBe(true);
    expect(await store.migrate()).toBe(false);
    await store.close();
  });

  it('two rings on one file: a rotation by one is picked up by the other; rows hold sealed keys only', async () => {
    const path = join(temp, 'b.db');
    let now = 1_800_000_000_000;
    const clock = () => now;
    const adminStore = createSqliteKeyRingStore(`sqlite:${path}`);
    await adminStore.migrate();
    const admin = createKeyRing({ store: adminStore, secret: SECRET, now: clock, publishFor: 60 });
    const first = await admin.add({ algorithm: 'RS256' });
    const serverStore = createSqliteKeyRingStore(path);
    const server = createKeyRing({ store: serverStore, secret: SECRET, now: clock, refreshInterval: 5 });
    await server.ready;
    expect((await server.current()).signing!.kid).toBe(first.kid);

    const second = await admin.rotate({ algorithm: 'ES256' });
    now += 5_000;
    await server.current();
    await server.refresh();
    expect((await server.current()).jwks.keys.map((key) => key.kid)).toEqual([first.kid, second.kid]);
    now += 60_000;
    expect((await server.current()).signing!.kid).toBe(second.kid);

    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT * FROM gatehouse_signing_keys ORDER BY activates_at').all() as Array<Record<string, unknown>>;
    db.close();
    expect(rows.map((row) => [row.kid, row.alg])).toEqual([[first.kid, 'RS256'], [second.kid, 'ES256']]);
    expect(Object.keys(rows[0]!).sort()).toEqual(['activates_at', 'alg', 'created_at', 'kid', 'private_key', 'public_jwk']);
    for (const row of rows) {
      expect(JSON.parse(row.public_jwk as string)).not.toHaveProperty('d');
      expect(row.private_key).toMatch(/^gh1\./);
    }
    await adminStore.close();
    await serverStore.close();
  });

  it('works on an open better-sqlite3 database (left open)', async () => {
    const db = new Database(':memory:');
    const store = createSqliteKeyRingStore(db as never);
    await store.migrate();
    const ring = createKeyRing({ store, secret: SECRET });
    const key = await ring.add({ algorithm: 'EdDSA' });
    expect((await store.listKeys()).map((row) => row.kid)).toEqual([key.kid]);
    await store.removeKeys([key.kid, 'unknown']);
    expect(await store.listKeys()).toEqual([]);
    await store.close();
    expect(db.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 }); // still open
  });
});
