/**
 * The CLI as a newcomer meets it (issue 20): a typo gets one line that names the option it meant,
 * empty passwords and plain passwords in an import file are refused, the CLI hashes as the library's
 * default context does, and `npm start` stopped by a signal leaves no server behind.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { getDefaultContext } from '../../../src/passwords/default-context.js';
import { KEY } from '../../helpers/http.js';
import { login, root, run, scryptMatches, startServer } from '../../helpers/cli.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-cli-door-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };

describe('gatehouse usage errors: one line, the option meant, where to read more', () => {
  it.each([
    [['serve', '--databse', 'sqlite:./x.db'], 'unknown option --databse (did you mean --database?)', 'serve'],
    [['serve', '--trusted-proxies', 'unix'], 'unknown option --trusted-proxies (did you mean --trusted-proxy?)', 'serve'],
    [['serve', '--zzzzzzz'], 'unknown option --zzzzzzz', 'serve'],
    [['serve', '--port'], '--port needs a value', 'serve'],
    [['serve', '--port', '99999'], '--port must be a number from 0 to 65535', 'serve'],
    [['hash', '--shceme', 'bcrypt'], 'unknown option --shceme (did you mean --scheme?)', 'hash'],
    [['hash', 'extra'], 'unexpected argument extra', 'hash'],
    [['verify'], 'verify needs a hash: an argument, --hash-file FILE or $GATEHOUSE_HASH', 'verify'],
    [['user', 'add', 'bob', '--emial', 'b@example.com'], 'unknown option --emial (did you mean --email?)', 'user add'],
    [['user', 'list', '--jsno'], 'unknown option --jsno (did you mean --json?)', 'user list'],
    [['user', 'ad', 'bob'], 'unknown user command ad (did you mean add?)', 'user'],
    [['db', 'migrat'], 'unknown db command migrat (did you mean migrate?)', 'db'],
    [['sevre'], 'unknown command sevre (did you mean serve?)', undefined],
    [['frobnicate'], 'unknown command frobnicate', undefined],
  ])('gatehouse %j', async (args, line, help) => {
    const result = await run(args, '', ENV);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`gatehouse: ${line}\nsee gatehouse ${help === undefined ? '' : `${help} `}--help\n`);
  });

  it("the pointed-at help exists: each command's own, exit 0", async () => {
    for (const [args, first, contains] of [
      [['serve', '--help'], 'Usage: gatehouse serve [options]', '--database URL'],
      [['hash', '-h'], 'Usage: gatehouse hash [options]', '--scheme NAME'],
      [['user', 'add', '--help'], 'Usage: gatehouse user add [options]', '--full-name F'],
      [['user', '--help'], 'Usage: gatehouse user <command> [options]', 'user import FILE'],
      [['secret', '--help'], 'Usage: gatehouse secret [options]', '32 random bytes'],
    ] as const) {
      const result = await run([...args]);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout.split('\n')[0]).toBe(first);
      expect(result.stdout).toContain(contains);
      expect(result.stdout).not.toContain('Commands:');
    }
  });
});

describe('gatehouse hash: an empty password is refused', () => {
  it.each([[''], ['\n'], ['\r\n']])('stdin %j: exit 2, no hash printed', async (stdin) => {
    const result = await run(['hash'], stdin);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('gatehouse: the password is empty\nsee gatehouse hash --help\n');
  });

  it('a password of one space is a password', async () => {
    const result = await run(['hash'], ' ');
    expect(result.code).toBe(0);
    expect(scryptMatches(' ', result.stdout.trim())).toBe(true);
  });
});

describe('one default hash across the library and the CLI', () => {
  const path = join(temp, 'default-hash.db');
  const url = `sqlite:${path}`;

  it('the help of hash and user add states it: scrypt with the default context\'s parameters', async () => {
    for (const args of [['hash', '--help'], ['user', 'add', '--help']]) {
      const { stdout } = await run(args);
      expect(stdout, args.join(' ')).toContain('scrypt (ln=17, r=8, p=1)');
      expect(stdout, args.join(' ')).toContain('getDefaultContext()');
    }
  });

  it('gatehouse hash prints the library default context\'s hash, which node:crypto recomputes', async () => {
    const result = await run(['hash'], 'correct horse\n');
    expect(result.code).toBe(0);
    const hash = result.stdout.trim();
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
    expect(scryptMatches('correct horse', hash)).toBe(true);
    expect(scryptMatches('correct horse\n', hash)).toBe(false);
    const library = getDefaultContext();
    expect(library.needsUpdate(hash)).toBe(false);
    expect(await library.verifyAndUpdate('correct horse', hash)).toEqual({ valid: true, newHash: null });
    // --scheme still writes another format, which the library then moves to its default.
    const bcrypt = (await run(['hash', '--scheme', 'bcrypt'], 'pw')).stdout.trim();
    expect(bcrypt).toMatch(/^\$2b\$12\$/);
    expect(library.needsUpdate(bcrypt)).toBe(true);
  });

  it('a user added by the CLI logs in through the library\'s default context without a rehash', async () => {
    expect((await run(['db', 'migrate', '--database', url], '', ENV)).code).toBe(0);
    expect(await run(['user', 'add', 'carol', '--database', url], 'carol pw\n', ENV)).toMatchObject({ code: 0, stdout: 'gatehouse: added carol\n' });
    const db = new Database(path, { readonly: true });
    const stored = (db.prepare('SELECT hashed_password FROM users WHERE username = ?').get('carol') as { hashed_password: string }).hashed_password;
    db.close();
    expect(scryptMatches('carol pw', stored)).toBe(true);
    const library = getDefaultContext();
    expect(library.needsUpdate(stored)).toBe(false);
    expect(await library.verifyAndUpdate('carol pw', stored)).toEqual({ valid: true, newHash: null });

    // And through the server: a login leaves the stored hash as it was.
    const server = startServer(['--database', url], ENV);
    try {
      expect((await login(await server.url, 'carol', 'carol pw')).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    const after = new Database(path, { readonly: true });
    expect((after.prepare('SELECT hashed_password FROM users WHERE username = ?').get('carol') as { hashed_password: string }).hashed_password).toBe(stored);
    after.close();
  }, 30_000);
});

describe('gatehouse user import: a record with a password where the hash belongs', () => {
  const path = join(temp, 'import.db');
  const url = `sqlite:${path}`;
  const users = () => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT username FROM users ORDER BY username').all();
    } finally {
      db.close();
    }
  };

  it('is refused whole, naming the record and the field, saying what to do', async () => {
    expect((await run(['db', 'migrate', '--database', url], '', ENV)).code).toBe(0);
    const file = join(temp, 'plain.json');
    writeFileSync(
      file,
      JSON.stringify({
        johndoe: { username: 'johndoe', hashed_password: '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW' },
        bob: { username: 'bob', hashed_password: null },
        alice: { username: 'alice', password: 'secret2', email: 'alice@example.com' },
      }),
    );
    const refused = await run(['user', 'import', file, '--database', url], '', ENV);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `gatehouse: ${file}: record 3 (alice): has "password" but no "hashed_password"; import takes hashes: ` +
        'hash each password with gatehouse hash (into hashed_password), or add the user with gatehouse user add\n' +
        'see gatehouse user import --help\n',
    );
    expect(users()).toEqual([]); // nothing of the file was written

    // With the hash where it belongs, the file imports; a record with no hash at all is told.
    const hash = (await run(['hash'], 'secret2')).stdout.trim();
    const fixed = JSON.parse(readFileSync(file, 'utf8'));
    fixed.alice = { username: 'alice', hashed_password: hash, email: 'alice@example.com' };
    writeFileSync(file, JSON.stringify(fixed));
    const imported = await run(['user', 'import', file, '--database', url], '', ENV);
    expect(imported).toMatchObject({ code: 0, stdout: 'gatehouse: imported 3 user(s)\n' });
    expect(imported.stderr).toBe('gatehouse: bob: no hashed_password: no login until gatehouse user passwd\n');
    expect(users()).toEqual([{ username: 'alice' }, { username: 'bob' }, { username: 'johndoe' }]);
  }, 30_000);
});

/** Whether anything accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids of the processes whose parent is `pid` (Linux /proc). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function descendants(pid: number): number[] {
  return children(pid).flatMap((child) => [child, ...descendants(child)]);
}

async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (await condition()) return true;
  }
  return condition();
}

describe.skipIf(process.platform !== 'linux')('npm start, stopped by a signal to npm', () => {
  const started = new Set<number>();
  afterAll(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };

  // SIGTERM and SIGINT reach the server (the script execs node); SIGKILL leaves it to notice that npm ended.
  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)('%s: the server stops, its port closes, no process remains', async (signal) => {
    // The start script as it is, in a directory of its own (its demo database lands there), run by npm.
    const cwd = mkdtempSync(join(temp, 'npm-start-'));
    symlinkSync(join(root, 'node_modules'), join(cwd, 'node_modules'), 'dir');
    symlinkSync(join(root, 'src'), join(cwd, 'src'), 'dir');
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'start-test', private: true, type: 'module', scripts: { start: pkg.scripts.start } }));
    const env: Record<string, string | undefined> = { ...process.env, SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined };
    for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
    const npm = spawn('npm', ['start', '--', '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.on('data', (d) => (out += d));
    npm.stderr.on('data', (d) => (out += d));
    started.add(npm.pid!);
    const exited = new Promise((resolve) => npm.on('exit', resolve));
    let left: number[] = [];
    try {
      expect(await until(() => /serving on http:\/\/127\.0\.0\.1:(\d+)/.test(out), 60_000), out).toBe(true);
      const port = Number(/serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
      left = descendants(npm.pid!);
      for (const pid of left) started.add(pid);
      expect(left.length).toBeGreaterThan(0); // the server (and any shell) under npm
      expect(await listening(port)).toBe(true);
      expect((await login(`http://127.0.0.1:${port}`, 'johndoe', 'secret')).status).toBe(200);

      npm.kill(signal); // the npm process, not its group: as a process manager or `kill PID` does
      expect(await until(async () => (await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 50, false))])) as boolean, 15_000)).toBe(true);
      expect(await until(async () => !(await listening(port)), 10_000), `port ${port} still open:\n${out}`).toBe(true);
      expect(await until(() => left.every((pid) => !alive(pid)), 10_000), `left running: ${left.filter(alive).join(', ')}`).toBe(true);
    } finally {
      for (const pid of left) if (alive(pid)) process.kill(pid, 'SIGKILL');
      npm.kill('SIGKILL');
    }
  }, 120_000);
});
