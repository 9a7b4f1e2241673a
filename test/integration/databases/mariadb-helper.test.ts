// The MariaDB test helper itself: a real server on a free port, a database of our own, stop/start.
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestMariadb, type TestMariadb } from '../../helpers/mariadb.js';

const started = await startTestMariadb();
const db: TestMariadb | null = 'skip' in started ? null : started;

describe.skipIf(!db)('test MariaDB helper', () => {
  afterAll(async () => {
    await db?.destroy();
  });

  it('serves a utf8mb4 database of its own and survives stop/start', async () => {
    const connection = await mysql.createConnection({ uri: db!.url });
    const [rows] = await connection.query('SELECT DATABASE() AS name, @@character_set_database AS charset');
    expect(rows).toEqual([{ name: db!.database, charset: 'utf8mb4' }]);
    await connection.end();
    if (!db!.controllable) return;
    await db!.stop();
    await expect(mysql.createConnection({ uri: db!.url, connectTimeout: 1000 })).rejects.toThrow();
    await db!.start();
    const again = await mysql.createConnection({ uri: db!.url });
    const [[row]] = (await again.query('SELECT 1 + 1 AS two')) as unknown as [[{ two: number }]];
    expect(row.two).toBe(2);
    await again.end();
  }, 60_000);
});
