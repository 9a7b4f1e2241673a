/**
 * Issue #18 through the real `gatehouse` command (child processes, real SQLite files):
 * - `user add` and `db migrate` on look-alike names (JohnDoe / johndoe);
 * - the SQLite files `npm start`, `db migrate` and `--throttle-store sqlite:` create are 0600
 *   (with their -wal and -shm), under the usual umask 022;
 * - `--throttle-store` read from $GATEHOUSE_THROTTLE_STORE (a password in it stays out of `ps`).
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, run, startServer } from '../../helpers/cli.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-cli-hardening-'));
const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined, GATEHOUSE_THROTTLE_STORE: undefined };
let umask: number;
beforeAll(() => {
  umask = process.umask(0o022); // children inherit it: SQLite alone would make 0644 files
});
afterAll(() => {
  process.umask(umask);
  rmSync(temp, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('look-alike usernames (issue #18)', () => {
  it('user add refuses a look-alike of an existing name, before asking for a password', async () => {
    const url = `sqlite:${join(temp, 'add.db')}`;
    expect((await run(['db', 'migrate', '--database', url], '', ENV)).code).toBe(0);
    expect((await run(['user', 'add', 'johndoe', '--database', url], 'victim pw\n', ENV)).code).toBe(0);
    for (const twin of ['JohnDoe', '\uff4aohndoe', 'JOHNDOE']) {
      // No password on stdin: had it asked for one, the empty password would be a usage error (2).
      const refused = await run(['user', 'add', twin, '--database', url], '', ENV);
      expect(refused.code, twin).toBe(1);
      expect(refused.stderr).toBe(`gatehouse: the user johndoe exists, and ${twin} differs from it only in case or Unicode form\n`);
    }
    const listed = await run(['user', 'list', '--json', '--database', url], '', ENV);
    expect(listed.stdout.trim().split('\n').map((line) => JSON.parse(line).username)).toEqual(['johndoe']);
  });

  it('db migrate upgrades a table with look-alikes in it: nothing lost, the groups told, new ones refused', async () => {
    const path = join(temp, 'old.db');
    const db = new Database(path);
    // gatehouse's table as migrate made it before issue #18.
    db.exec(
      'CREATE TABLE users (username TEXT NOT NULL PRIMARY KEY, hashed_password TEXT, email TEXT, full_name TEXT, ' +
        'disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)), created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, ' +
        'updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)',
    );
    const insert = db.prepare('INSERT INTO users (username, hashed_password) VALUES (?, ?)');
    for (const name of ['JohnDoe', 'johndoe', 'alice', '\uff21lice', 'bob']) insert.run(name, `hash of ${name}`);
    db.close();
    const url = `sqlite:${path}`;
    const migrated = await run(['db', 'migrate', '--database', url], '', ENV);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toBe(`gatehouse: the users table exists in ${url}\n`);
    expect(migrated.stderr).toBe(
      'gatehouse: warning: 2 group(s) of usernames differ only in case or Unicode form (look-alikes, kept as they are):\n' +
        'gatehouse:   JohnDoe, johndoe\n' +
        'gatehouse:   alice, \uff21lice\n' +
        'gatehouse: new look-alikes are refused; remove the unwanted ones with gatehouse user remove NAME\n',
    );
    const after = new Database(path, { readonly: true });
    expect(after.prepare('SELECT username, hashed_password FROM users ORDER BY username').all()).toEqual(
      ['JohnDoe', 'alice', 'bob', 'johndoe', '\uff21lice'].map((name) => ({ username: name, hashed_password: `hash of ${name}` })),
    );
    after.close();
    expect((await run(['user', 'add', 'BOB', '--database', url], '', ENV)).code).toBe(1);
    const again = await run(['db', 'migrate', '--database', url], '', ENV);
    expect(again.code).toBe(0);
  });
});

describe('SQLite files the command creates are 0600 (issue #18)', () => {
  it('db migrate: the new file is 0600; a file that exists keeps its mode', async () => {
    const made = join(temp, 'migrated.db');
    expect((await run(['db', 'migrate', '--database', `sqlite:${made}`], '', ENV)).code).toBe(0);
    expect(mode(made).toString(8)).toBe('600');
    const existing = join(temp, 'existing.db');
    writeFileSync(existing, '');
    chmodSync(existing, 0o640);
    expect((await run(['db', 'migrate', '--database', `sqlite:${existing}`], '', ENV)).code).toBe(0);
    expect(mode(existing).toString(8)).toBe('640');
  });

  it('npm start (serve --seed-demo) and --throttle-store sqlite: from GATEHOUSE_THROTTLE_STORE: files, -wal and -shm 0600', async () => {
    const users = join(temp, 'demo.db');
    const counters = join(temp, 'counters.db');
    const server = startServer(['--database', `sqlite:${users}`, '--seed-demo'], { ...ENV, GATEHOUSE_THROTTLE_STORE: `sqlite:${counters}` });
    try {
      const url = await server.url;
      expect((await login(url, 'johndoe', 'secret')).status).toBe(200);
      expect((await login(url, 'johndoe', 'wrong')).status).toBe(401); // a failure written to the counters
      for (const path of [users, `${users}-wal`, `${users}-shm`, counters, `${counters}-wal`, `${counters}-shm`]) {
        expect(existsSync(path), path).toBe(true);
        expect(mode(path).toString(8), path).toBe('600');
      }
    } finally {
      server.child.kill();
      await server.exited;
    }
  });
});

describe('GATEHOUSE_THROTTLE_STORE (issue #18)', () => {
  it('stands for --throttle-store; --throttle-store and --no-throttle override it; --help tells', async () => {
    const refused = startServer([], { ...ENV, GATEHOUSE_THROTTLE_STORE: 'mongodb://user:pw@db/x' });
    const outcome = await Promise.race([refused.exited, refused.url.then(() => 'listening')]);
    if (outcome === 'listening') refused.child.kill(); // the variable was ignored
    expect(outcome).toBe(2);
    expect(refused.stderr()).toContain('--throttle-store: a counter store URL is memory, redis://..., postgres://..., mysql://... (or mariadb://...) or sqlite:PATH');
    expect(refused.stderr()).not.toContain('pw@');
    for (const args of [['--no-throttle'], ['--throttle-store', 'memory']]) {
      const server = startServer(args, { ...ENV, GATEHOUSE_THROTTLE_STORE: 'mongodb://x' });
      try {
        expect(await server.url, args.join(' ')).toMatch(/^http:/);
      } finally {
        server.child.kill();
        await server.exited;
      }
    }
    expect((await run(['serve', '--help'], '', ENV)).stdout).toContain('$GATEHOUSE_THROTTLE_STORE');
  });
});
