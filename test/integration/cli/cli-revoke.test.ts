/**
 * `gatehouse user revoke NAME --database URL` as a real child process on real databases (SQLite, and
 * PostgreSQL when test/helpers/postgres.ts can start one): the user's token stamp is renewed and
 * every session ended, the count printed; other users are untouched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresUserStore } from '../../../src/users/sql/postgres.js';
import { createSqliteUserStore } from '../../../src/users/sql/sqlite.js';
import type { SqlUserStore } from '../../../src/users/sql/store.js';
import { KEY } from '../../helpers/http.js';
import { run } from '../../helpers/cli.js';
import { startTestPostgres } from '../../helpers/postgres.js';
import { newSession } from '../../helpers/session-store-contract.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-cli-revoke-'));
const postgres = await startTestPostgres();
afterAll(async () => {
  if ('destroy' in postgres) await postgres.destroy();
  rmSync(temp, { recursive: true, force: true });
});

const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };
const HOSTILE = `o'neil"; DROP TABLE users; --`;

async function revokeScenario(url: string, open: () => SqlUserStore): Promise<void> {
  expect((await run(['db', 'migrate', '--database', url], '', ENV)).code).toBe(0);
  for (const name of [HOSTILE, 'bob']) expect((await run(['user', 'add', name, '--database', url], 'pw\n', ENV)).code).toBe(0);
  const store = open();
  try {
    const now = Math.floor(Date.now() / 1000);
    const stampBefore = (await store.findUser(HOSTILE))!.token_stamp;
    expect(stampBefore).toMatch(/^[\w-]{22}$/);
    for (let i = 0; i < 3; i++) await store.sessions.createSession(newSession(HOSTILE, now));
    await store.sessions.createSession(newSession('bob', now));

    const revoked = await run(['user', 'revoke', HOSTILE, '--database', url], '', ENV);
    expect(revoked).toMatchObject({ code: 0, stdout: `gatehouse: revoked the tokens of ${HOSTILE}: 3 session(s) ended\n` });
    expect(await store.sessions.listSessions(HOSTILE, now)).toEqual([]);
    const stampAfter = (await store.findUser(HOSTILE))!.token_stamp;
    expect(stampAfter).toMatch(/^[\w-]{22}$/);
    expect(stampAfter).not.toBe(stampBefore);
    expect(await store.sessions.listSessions('bob', now)).toHaveLength(1);

    const again = await run(['user', 'revoke', HOSTILE, '--database', url], '', ENV);
    expect(again.stdout).toBe(`gatehouse: revoked the tokens of ${HOSTILE}: 0 session(s) ended\n`);
    expect((await store.findUser(HOSTILE))!.token_stamp).not.toBe(stampAfter); // renewed each time

    const missing = await run(['user', 'revoke', 'nobody', '--database', url], '', ENV);
    expect(missing).toMatchObject({ code: 1, stderr: 'gatehouse: no user nobody\n' });
    expect((await run(['user', 'revoke', '--database', url], '', ENV)).code).toBe(2);
  } finally {
    await store.close();
  }
}

describe('gatehouse user revoke', () => {
  it('on SQLite: renews the stamp, ends the sessions and says how many', async () => {
    const path = join(temp, 'users.db');
    await revokeScenario(`sqlite:${path}`, () => createSqliteUserStore(path));
  }, 60_000);

  const skip = 'skip' in postgres ? postgres.skip : undefined;
  it.skipIf(skip !== undefined)(`on PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    if ('skip' in postgres) return;
    await revokeScenario(postgres.url, () => createPostgresUserStore(postgres.url));
  }, 60_000);
});
