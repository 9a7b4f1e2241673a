/**
 * The `gatehouse` bin, spawned as a user runs it: the built dist/cli/index.js (CI builds before testing),
 * or src/cli/index.ts through tsx when there is no build.
 */
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { built, login, run, scryptMatches, start, startServer } from '../../helpers/cli.js';

const SEED_HASH = '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW';

const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe(`gatehouse CLI (${existsSync(built) ? 'dist/cli/index.js' : 'src/cli/index.ts via tsx'})`, () => {
  const temp = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('prints help; unknown commands or options: one line, a pointer to the help, exit 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: gatehouse <command>/);
    expect(help.stdout).toContain('verify [HASH]');
    expect(help.stdout).toContain('--hash-file FILE');
    expect(help.stdout).toContain('$GATEHOUSE_HASH');
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/^Usage: gatehouse <command>/);

    for (const [args, pointer] of [
      [['frobnicate'], 'see gatehouse --help'],
      [['serve', '--nope'], 'see gatehouse serve --help'],
      [['hash', 'extra'], 'see gatehouse hash --help'],
      [['serve', '--port', '99999'], 'see gatehouse serve --help'],
      [['verify'], 'see gatehouse verify --help'],
    ] as const) {
      const result = await run([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n'), args.join(' ')).toEqual([expect.stringMatching(/^gatehouse: /), pointer, '']);
      expect(result.stderr).not.toContain('Usage: gatehouse');
    }
    expect((await run(['frobnicate'])).stderr).toContain('unknown command frobnicate\n');
  });

  it('secret prints 32 random bytes as hex', async () => {
    const [a, b] = await Promise.all([run(['secret']), run(['secret'])]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(a.stdout).not.toBe(b.stdout);
  });

  it("hash reads the password from stdin (final newline dropped) and prints the library default context's scrypt hash", async () => {
    const result = await run(['hash'], 'correct horse\n');
    expect(result.code).toBe(0);
    const hash = result.stdout.trim();
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(scryptMatches('correct horse', hash)).toBe(true); // node:crypto agrees
    expect(scryptMatches('correct horse\n', hash)).toBe(false);
    const bcrypt = await run(['hash', '--scheme', 'bcrypt'], 'correct horse\n');
    expect(bcryptjs.compareSync('correct horse', bcrypt.stdout.trim())).toBe(true); // another implementation agrees
  });

  it('hash --scheme pbkdf2_sha256 makes a passlib hash that node:crypto recomputes', async () => {
    const result = await run(['hash', '--scheme', 'pbkdf2_sha256'], 'pässword');
    expect(result.code).toBe(0);
    const match = /^\$pbkdf2-sha256\$(\d+)\$([./A-Za-z0-9]+)\$([./A-Za-z0-9]+)\n$/.exec(result.stdout);
    expect(match).not.toBeNull();
    const ab64 = (text: string) => Buffer.from(text.replace(/\./g, '+'), 'base64');
    const derived = pbkdf2Sync('pässword', ab64(match![2]!), Number(match![1]), 32, 'sha256');
    expect(derived.equals(ab64(match![3]!))).toBe(true);
    expect((await run(['hash', '--scheme', 'md5'], 'x')).code).toBe(2);
  });

  it('verify exits 0 on a match, 1 on a mismatch, 2 on an unreadable hash', async () => {
    expect((await run(['verify', SEED_HASH], 'secret\n')).code).toBe(0);
    const wrong = await run(['verify', SEED_HASH], 'Secret\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('does not match');
    expect(wrong.stderr + wrong.stdout).not.toContain('Secret');
    for (const hash of ['garbage', '$2b$12$short', '$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e']) {
      const bad = await run(['verify', hash], 'secret');
      expect(bad.code, hash).toBe(2);
      expect(bad.stderr).toMatch(/^gatehouse: /);
    }
  }, 20_000);

  it('serve: the seed user, tokens signed with $SECRET_KEY, clean exit on SIGTERM', async () => {
    const server = startServer([], { SECRET_KEY: KEY });
    try {
      const url = await server.url;
      const { status, body } = await login(url, 'johndoe', 'secret');
      expect(status).toBe(200);
      const [header, payload, signature] = body.access_token.split('.');
      expect(createHmac('sha256', KEY).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
      const me = await fetch(`${url}/users/me/`, { headers: { authorization: `Bearer ${body.access_token}` } });
      expect(await me.json()).toMatchObject({ username: 'johndoe', disabled: false });
      expect((await fetch(`${url}/docs`)).status).toBe(200);
      expect(server.stderr()).toBe('');
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  }, 20_000);

  it('serve --users reads the file and saves upgraded hashes; --scopes adds scopes; no key: a warning', async () => {
    const file = join(temp, 'users.json');
    writeFileSync(
      file,
      JSON.stringify({
        bob: { username: 'bob', full_name: 'Bob', email: null, hashed_password: bcryptjs.hashSync('pw', 4), disabled: false },
      }),
    );
    const server = startServer(['--users', file, '--scopes'], { SECRET_KEY: undefined });
    try {
      const url = await server.url;
      expect(server.stderr()).toContain('SECRET_KEY is not set');
      const { status, body } = await login(url, 'bob', 'pw', 'me');
      expect(status).toBe(200);
      expect(payloadOf(body.access_token)).toMatchObject({ sub: 'bob', scope: 'me' });
      const items = await fetch(`${url}/users/me/items/`, { headers: { authorization: `Bearer ${body.access_token}` } });
      expect(items.status).toBe(401);
      expect(items.headers.get('www-authenticate')).toBe('Bearer scope="items me"');
      // The cost-4 bcrypt hash was moved to the library's default (scrypt), in the file.
      const saved = JSON.parse(readFileSync(file, 'utf8')).bob.hashed_password as string;
      expect(saved).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
      expect(scryptMatches('pw', saved)).toBe(true);
    } finally {
      server.child.kill('SIGINT');
    }
    expect(await server.exited).toBe(0);
  }, 20_000);

  it('hash and verify --preset NAME [--coexist]: the old system\'s format, its schemes only', async () => {
    const django = await run(['hash', '--preset', 'django', '--coexist'], 'secret\n');
    expect(django.code).toBe(0);
    const [, salt, key] = /^pbkdf2_sha256\$1500000\$([A-Za-z0-9]{22})\$(\S+)\n$/.exec(django.stdout) ?? [];
    expect(key).toBe(pbkdf2Sync('secret', salt!, 1_500_000, 32, 'sha256').toString('base64'));
    const werkzeug = await run(['hash', '--preset', 'werkzeug', '--coexist'], 'secret');
    expect(werkzeug.stdout).toMatch(/^scrypt:32768:8:1\$/);
    expect((await run(['verify', werkzeug.stdout.trim(), '--preset', 'werkzeug'], 'secret')).code).toBe(0);
    // Werkzeug's pre-0.9 salted sha1 is an HMAC in presets.werkzeug (Django's salted digest elsewhere).
    const legacy = `sha1$salt1234$${createHmac('sha1', 'salt1234').update('secret').digest('hex')}`;
    expect((await run(['verify', legacy, '--preset', 'werkzeug'], 'secret')).code).toBe(0);
    expect((await run(['verify', legacy, '--preset', 'django'], 'secret')).code).toBe(1);
    const wp = await run(['hash', '--preset', 'better-auth', '--coexist'], 'secret');
    expect(wp.stdout).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}\n$/);
    for (const args of [['hash', '--preset', 'nope'], ['hash', '--coexist'], ['hash', '--preset', 'everything', '--coexist'], ['verify', 'x', '--coexist']]) {
      const bad = await run(args, 'secret');
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(/^gatehouse: /);
    }
  }, 20_000);

  it('serve --users FILE --preset django --coexist: Django hashes log in and are rewritten as Django writes them', async () => {
    const file = join(temp, 'django-users.json');
    const salt = 'AbCdEfGhIjKlMnOpQrStUv';
    const old = `pbkdf2_sha256$1000$${salt}$${pbkdf2Sync('pw', salt, 1000, 32, 'sha256').toString('base64')}`;
    writeFileSync(file, JSON.stringify({ ann: { username: 'ann', full_name: 'Ann', email: null, hashed_password: old, disabled: false } }));
    const server = startServer(['--users', file, '--preset', 'django', '--coexist'], { SECRET_KEY: KEY });
    try {
      const url = await server.url;
      expect((await login(url, 'ann', 'pw')).status).toBe(200);
      const saved = JSON.parse(readFileSync(file, 'utf8')).ann.hashed_password as string;
      const [, newSalt, key] = /^pbkdf2_sha256\$1500000\$([A-Za-z0-9]{22})\$(\S+)$/.exec(saved) ?? [];
      expect(key).toBe(pbkdf2Sync('pw', newSalt!, 1_500_000, 32, 'sha256').toString('base64'));
      expect((await login(url, 'ann', 'wrong')).status).toBe(401);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  }, 30_000);

  it('serve stops with a message for a key too short to sign', async () => {
    const result = await run(['serve', '--port', '0'], '', { SECRET_KEY: 'tiny-key-xyz' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^gatehouse: SECRET_KEY cannot sign tokens: .*32 bytes/);
    expect(result.stderr).not.toContain('tiny-key-xyz'); // secrets are never printed
  });

  it('serve --users with a missing or broken file stops with a message', async () => {
    const missing = await run(['serve', '--port', '0', '--users', join(temp, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read the user file');
    const broken = join(temp, 'broken.json');
    writeFileSync(broken, '{"a": ');
    const bad = await run(['serve', '--port', '0', '--users', broken]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not valid JSON');
  });
  it('verify reads the hash from --hash-file or $GATEHOUSE_HASH (kept out of `ps`)', async () => {
    const file = join(temp, 'hash.txt');
    writeFileSync(file, `\ufeff${SEED_HASH}\n`);
    expect((await run(['verify', '--hash-file', file], 'secret\n')).code).toBe(0);
    expect((await run(['verify', '--hash-file', file], 'wrong\n')).code).toBe(1);
    expect((await run(['verify'], 'secret\n', { GATEHOUSE_HASH: SEED_HASH })).code).toBe(0);
    expect((await run(['verify'], 'wrong\n', { GATEHOUSE_HASH: SEED_HASH })).code).toBe(1);
    // An argument wins over the environment; an argument and a file together are a usage error.
    expect((await run(['verify', SEED_HASH], 'secret\n', { GATEHOUSE_HASH: 'garbage' })).code).toBe(0);
    expect((await run(['verify', SEED_HASH, '--hash-file', file], 'secret\n')).code).toBe(2);
    const missing = await run(['verify', '--hash-file', join(temp, 'absent.txt')], 'secret\n');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read --hash-file');
    const unreadable = join(temp, 'bad-hash.txt');
    writeFileSync(unreadable, 'not a hash\n');
    const bad = await run(['verify', '--hash-file', unreadable], 'secret\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('not a hash'); // the hash is never echoed
    expect((await run(['verify'], 'secret\n', { GATEHOUSE_HASH: undefined })).code).toBe(2);
  });

  it('serve --headers-timeout / --request-timeout cut a silent client; bad values are usage errors', async () => {
    const server = startServer(['--headers-timeout', '0.5', '--request-timeout', '1'], { SECRET_KEY: KEY });
    try {
      const { port } = new URL(await server.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => {});
      let received = '';
      socket.on('data', (data) => (received += data));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      const opened = Date.now();
      // Complete headers, then a body that never comes.
      socket.write('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50\r\n\r\n');
      await closed;
      expect(Date.now() - opened).toBeGreaterThanOrEqual(900);
      expect(Date.now() - opened).toBeLessThan(8000);
      expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    for (const args of [['--headers-timeout', 'soon'], ['--request-timeout', '0'], ['--max-connections', '-3'], ['--headers-timeout', '40', '--request-timeout', '30']]) {
      const result = await run(['serve', '--port', '0', ...args], '', { SECRET_KEY: KEY });
      expect(result.code, args.join(' ')).toBe(2);
    }
  }, 30_000);
  it('serve --help lists --unix-socket, --trusted-proxy and --max-connections-per-address; bad values are usage errors', async () => {
    const help = await run(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--unix-socket PATH');
    expect(help.stdout).toContain('--trusted-proxy ADDR');
    expect(help.stdout).toContain('"unix" for connections over a Unix');
    expect(help.stdout).toContain('--max-connections-per-address N');
    for (const args of [
      ['--port', '0', '--max-connections-per-address', '0'],
      ['--port', '0', '--max-connections-per-address', 'many'],
      ['--port', '0', '--trusted-proxy', 'proxy.example'],
      ['--port', '0', '--trusted-proxy', '10.0.0.0/99'],
      ['--port', '0', '--trusted-proxy', 'unix', '--throttle-options', '{"trustedProxies":"unix"}'],
      ['--unix-socket', join(temp, 'x.sock'), '--port', '0'],
      ['--unix-socket', join(temp, 'x.sock'), '--host', '127.0.0.1'],
      ['--unix-socket', ''],
    ]) {
      const result = await run(['serve', ...args], '', { SECRET_KEY: KEY });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^gatehouse: .*\nsee gatehouse serve --help\n$/);
    }
  }, 30_000);

  it('serve --unix-socket PATH --trusted-proxy unix counts each forwarded client address on its own', async () => {
    const path = join(temp, 'serve.sock');
    const policy = JSON.stringify({ username: false, address: { maxFailures: 2, windowMs: 600_000 } });
    const child = start(['serve', '--unix-socket', path, '--trusted-proxy', 'unix', '--throttle-options', policy], { SECRET_KEY: KEY });
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d) => ((out += d), out.includes('serving on') && resolve()));
        void exited.then(() => reject(new Error(`serve exited: ${out}`)));
      });
      expect(out).toContain(`serving on http+unix://${encodeURIComponent(path)}`);
      const body = 'username=johndoe&password=wrong';
      const failed = (client: string) =>
        new Promise<number>((resolve, reject) => {
          const headers = { 'x-forwarded-for': client, 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length };
          const req = request({ socketPath: path, method: 'POST', path: '/token', agent: false, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          });
          req.on('error', reject);
          req.end(body);
        });
      const statuses = [];
      for (const client of ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.2', '198.51.100.2', '198.51.100.2']) statuses.push(await failed(client));
      expect(statuses).toEqual([401, 401, 429, 401, 401, 429]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);

  it('serve --max-connections-per-address: one address holding its share leaves room for another', async () => {
    const server = startServer(['--max-connections', '6', '--max-connections-per-address', '2'], { SECRET_KEY: KEY });
    const sockets: Socket[] = [];
    try {
      const { port } = new URL(await server.url);
      const closed: Promise<unknown>[] = [];
      for (let i = 0; i < 6; i++) {
        const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: '127.0.0.2' });
        socket.on('error', () => {});
        sockets.push(socket);
        closed.push(new Promise((resolve) => socket.once('close', resolve)));
        await new Promise((resolve) => socket.once('connect', resolve));
      }
      await Promise.all(closed.slice(2)); // all but its share closed at once
      const answer = await new Promise<string>((resolve) => {
        const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: '127.0.0.3' }, () => {
          socket.write('GET /users/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        });
        let text = '';
        socket.on('data', (d) => (text += d));
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 30_000);

  it('serve logs a stored hash it refuses (naming the user, never the hash); the client gets a 401', async () => {
    const file = join(temp, 'costly-users.json');
    const costly = `$2b$20$${'abcdefghijklmnopqrstuv'}${'A'.repeat(31)}`;
    writeFileSync(file, JSON.stringify({ bob: { username: 'bob', hashed_password: costly } }));
    const server = startServer(['--users', file], { SECRET_KEY: KEY });
    try {
      const url = await server.url;
      const { status } = await login(url, 'bob', 'whatever');
      expect(status).toBe(401);
      await expect.poll(() => server.stderr()).toContain('ERR_HASH_COST_LIMIT');
      expect(server.stderr()).toContain('refused to check the stored hash of user "bob" (bcrypt, ERR_HASH_COST_LIMIT: cost 20 is above maxRounds 14)');
      expect(server.stderr()).not.toContain(costly);
      expect(server.stderr()).not.toContain('AAAAAAAA');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 20_000);
});
