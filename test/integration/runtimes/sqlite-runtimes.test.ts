/**
 * The SQLite store on the SQLite that other runtimes ship: bun:sqlite (Bun) and node:sqlite (Deno;
 * Node 20 has none). test/integration/runtimes/sqlite-store.mjs runs against the built package there; its
 * answers are compared here and the file it leaves is read with better-sqlite3, the hash with bcryptjs.
 * A runtime whose binary is missing is skipped, naming it. Needs `npm run build` first.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_INDEX, RUNTIMES_DIR, findBinary, lastJsonLine, run, stopAll } from './harness.js';
import { INSTALL_RUNTIMES } from '../../helpers/runtimes.js';

const HOSTILE = `o'neil"; DROP TABLE users; --`;
const script = join(RUNTIMES_DIR, 'sqlite-store.mjs');
const temp = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-runtimes-'));

beforeAll(() => {
  if (!existsSync(DIST_INDEX)) throw new Error(`${DIST_INDEX} is missing: run \`npm run build\` first`);
});
afterAll(async () => {
  await stopAll();
  rmSync(temp, { recursive: true, force: true });
});

const runtimes = [
  { name: 'bun:sqlite under Bun', binary: findBinary('bun'), args: (file: string) => ['run', script, file], runtime: 'bun' },
  {
    name: "node:sqlite under Deno",
    binary: findBinary('deno'),
    args: (file: string) => ['run', '--allow-read', '--allow-write', '--no-lock', '--no-prompt', script, file],
    runtime: 'deno',
  },
];

describe('the SQLite store on other runtimes\' SQLite', () => {
  for (const { name, binary, args, runtime } of runtimes) {
    const test = binary ? it : it.skip;
    test(`${name}${binary ? '' : ` (skipped: no ${runtime} binary; ${INSTALL_RUNTIMES})`}`, async () => {
      const file = join(temp, `${runtime}.db`);
      const seen = lastJsonLine(await run(binary!, args(file), { timeoutMs: 60_000 }));
      expect(seen).toEqual({
        runtime,
        migrated: [true, false],
        duplicate: 'ERR_USER_EXISTS',
        synchronous: true,
        found: { username: HOSTILE, hashed_password: '$2b$04$', email: 'o@x', full_name: "O'Neil", disabled: false, token_stamp: expect.stringMatching(/^[\w-]{22}$/) },
        lookalike: null,
        login: HOSTILE,
        upgradedPrefix: '$2b$05$',
        staleSwap: false,
        wrongPassword: null,
        listed: [
          ['alice', true, false],
          [HOSTILE, true, false],
        ],
        removedAgain: 'ERR_USER_NOT_FOUND',
        invalid: 'ERR_USER_INVALID',
        missingTable: ['UserStoreError', 'ERR_USER_STORE_QUERY', false],
        sessions: { synchronous: true, rotated: [1, true], again: null, liveRevoked: false, ended: 1, endedRevoked: true, swept: 1 },
      });
      const db = new Database(file, { readonly: true });
      try {
        const rows = db.prepare('SELECT username, hashed_password, disabled FROM users').all() as Array<Record<string, unknown>>;
        expect(rows).toEqual([{ username: HOSTILE, hashed_password: expect.stringMatching(/^\$2b\$05\$/), disabled: 0 }]);
        expect(bcryptjs.compareSync('pw', rows[0]!.hashed_password as string)).toBe(true);
      } finally {
        db.close();
      }
    }, 90_000);
  }
});
