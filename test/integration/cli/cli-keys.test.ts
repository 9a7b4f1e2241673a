/**
 * `gatehouse keys add|rotate|list` and `serve --database` signing with the database's key ring, as
 * real child processes on SQLite files and PostgreSQL. The rotation test has jose's
 * createRemoteJWKSet verify every token `gatehouse serve` issues across add -> rotate -> retire,
 * with short phases (--publish-for, $GATEHOUSE_KEY_REFRESH, $GATEHOUSE_TOKEN_TTL,
 * $GATEHOUSE_KEY_MAX_TOKEN_AGE): zero failures allowed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import Database from 'better-sqlite3';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../helpers/http.js';
import { login, run, startServer } from '../../helpers/cli.js';
import { startTestPostgres } from '../../helpers/postgres.js';

const temp = mkdtempSync(join(tmpdir(), 'gatehouse-cli-keys-'));
const postgres = await startTestPostgres();
afterAll(async () => {
  if ('destroy' in postgres) await postgres.destroy();
  rmSync(temp, { recursive: true, force: true });
});

const KEY_SECRET = randomBytes(32).toString('hex');
const ENV = { SECRET_KEY: KEY, GATEHOUSE_DATABASE: undefined, GATEHOUSE_KEY_SECRET: KEY_SECRET };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  kid: string;
  alg: string;
  public_jwk: string;
  private_key: string;
}

function sqliteRows(path: string): Row[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM gatehouse_signing_keys ORDER BY activates_at').all() as Row[];
  } finally {
    db.close();
  }
}

/** Nothing private in a row: the public JWK has public members only, the private key is sealed. */
function expectNoPrivateMaterial(rows: Row[]): void {
  for (const row of rows) {
    const jwk = JSON.parse(row.public_jwk) as Record<string, unknown>;
    for (const name of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(name);
    expect(row.private_key).toMatch(/^gh1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(row)).not.toMatch(/"(d|p|q)":/);
  }
}

async function jwks(url: string): Promise<{ status: number; cacheControl: string | null; keys: Array<Record<string, unknown>> }> {
  const response = await fetch(`${url}/.well-known/jwks.json`);
  const body = (await response.json()) as { keys?: Array<Record<string, unknown>> };
  return { status: response.status, cacheControl: response.headers.get('cache-control'), keys: body.keys ?? [] };
}

describe('gatehouse keys on SQLite', () => {
  const path = join(temp, 'keys.db');
  const database = `sqlite:${path}`;

  it('help, typos and a rotation with nothing to rotate are usage errors pointing at keys --help', async () => {
    const help = await run(['keys', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: gatehouse keys <command> \[options\]/);
    expect(help.stdout).toContain('GATEHOUSE_KEY_SECRET');
    const typo = await run(['keys', 'rotat', '--database', database], '', ENV);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('gatehouse: unknown keys command rotat (did you mean rotate?)\nsee gatehouse keys --help\n');
    const empty = await run(['keys', 'rotate', '--database', `sqlite:${join(temp, 'empty.db')}`], '', ENV);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no key signs yet: add one first/);
  });

  it('db migrate creates the table; add, list, rotate; no private material in the table or the output', async () => {
    expect((await run(['db', 'migrate', '--database', database], '', ENV)).code).toBe(0);
    expect(sqliteRows(path)).toEqual([]);

    const noSecret = await run(['keys', 'add', '--database', database], '', { ...ENV, GATEHOUSE_KEY_SECRET: undefined });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/GATEHOUSE_KEY_SECRET/);

    const add = await run(['keys', 'add', '--alg', 'EdDSA', '--database', database], '', ENV);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^[\w-]{43}  EdDSA  signing  signing since /);
    const rotate = await run(['keys', 'rotate', '--alg', 'RS256', '--database', database], '', ENV);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(/^[\w-]{43}  RS256  published  signs from /);

    const list = await run(['keys', 'list', '--json', '--database', database], '', { ...ENV, GATEHOUSE_KEY_SECRET: undefined });
    expect(list.code).toBe(0);
    const keys = list.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(keys.map((key) => [key.alg, key.phase])).toEqual([['EdDSA', 'signing'], ['RS256', 'published']]);
    expect((keys[1]!.activatesAt as number) - (keys[1]!.createdAt as number)).toBeGreaterThanOrEqual(600);
    expect(keys[0]!.retiresAt).toBe(keys[1]!.activatesAt);
    expect(list.stdout).not.toMatch(/gh1\.|"d"/);
    const rows = sqliteRows(path);
    expect(rows.map((row) => row.kid)).toEqual(keys.map((key) => key.kid));
    expectNoPrivateMaterial(rows);

    const wrong = await run(['keys', 'rotate', '--database', database], '', { ...ENV, GATEHOUSE_KEY_SECRET: 'f'.repeat(64) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/another key-encryption secret/);
    expect(wrong.stderr).not.toContain(KEY_SECRET);
    expect(sqliteRows(path)).toHaveLength(2); // nothing added

    expect((await run(['keys', 'add', '--alg', 'HS256', '--database', database], '', ENV)).code).toBe(2);
    expect((await run(['keys', 'frobnicate', '--database', database], '', ENV)).code).toBe(2);
  });

  it('serve --database signs with the ring and serves jwks.json; refuses to start without the secret', async () => {
    const refused = await run(['serve', '--port', '0', '--database', database], '', { ...ENV, GATEHOUSE_KEY_SECRET: undefined });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/GATEHOUSE_KEY_SECRET/);
    const wrong = await run(['serve', '--port', '0', '--database', database], '', { ...ENV, GATEHOUSE_KEY_SECRET: 'e'.repeat(64) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/another key-encryption secret/);

    const add = await run(['user', 'add', 'alice', '--database', database], 'wonderland-pass', ENV);
    expect(add.code, add.stderr).toBe(0);
    const server = startServer(['--database', database], ENV);
    try {
      const url = await server.url;
      const published = await jwks(url);
      expect(published.status).toBe(200);
      expect(published.cacheControl).toBe('public, max-age=300');
      expect(published.keys.map((key) => [key.alg, key.use])).toEqual([['EdDSA', 'sig'], ['RS256', 'sig']]);
      for (const key of published.keys) for (const name of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(name);
      const { status, body } = await login(url, 'alice', 'wonderland-pass');
      expect(status).toBe(200);
      const header = decodeProtectedHeader(body.access_token);
      expect(header).toMatchObject({ alg: 'EdDSA', kid: published.keys[0]!.kid });
      const verified = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`)));
      expect(verified.payload.sub).toBe('alice');
      const me = await fetch(`${url}/users/me/`, { headers: { authorization: `Bearer ${body.access_token}` } });
      expect(me.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('a database without keys signs HS256 with SECRET_KEY and has no jwks.json', async () => {
    const plain = `sqlite:${join(temp, 'plain.db')}`;
    const server = startServer(['--database', plain, '--seed-demo'], { ...ENV, GATEHOUSE_KEY_SECRET: undefined });
    try {
      const url = await server.url;
      expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(404);
      const { body } = await login(url, 'johndoe', 'secret');
      expect(decodeProtectedHeader(body.access_token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('jose createRemoteJWKSet across a full rotation of gatehouse serve', () => {
  it('add -> rotate -> retire -> gone: every token verifies, zero failures', async () => {
    const path = join(temp, 'rotation.db');
    const database = `sqlite:${path}`;
    // Phases: the verifier caches the set 1.5 s, the server re-reads the ring every 0.3 s, a new
    // key is published 3 s before it signs (> cache + re-read), tokens live 4 s, a retired key stays 6 s.
    const env = { ...ENV, GATEHOUSE_KEY_REFRESH: '0.3', GATEHOUSE_TOKEN_TTL: '4', GATEHOUSE_KEY_MAX_TOKEN_AGE: '6' };
    expect((await run(['keys', 'add', '--database', database], '', env)).code).toBe(0);
    // A cheap hash that passlib's context keeps as it is: logins measure keys, not password hashing.
    const users = join(temp, 'cheap-users.json');
    writeFileSync(users, JSON.stringify({ carol: { username: 'carol', hashed_password: bcryptjs.hashSync('carol-pass', 4), disabled: false } }));
    expect((await run(['db', 'migrate', '--database', database], '', env)).code).toBe(0);
    const imported = await run(['user', 'import', users, '--database', database], '', env);
    expect(imported.code, imported.stderr).toBe(0);
    const server = startServer(['--database', database, '--preset', 'passlib', '--coexist', '--no-throttle'], env);
    try {
      const url = await server.url;
      const JWKS = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`), { cacheMaxAge: 1500, cooldownDuration: 500 });
      const issued: Array<{ token: string; exp: number; kid: string }> = [];
      let verified = 0;
      const failures: string[] = [];
      let rotated: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
      const start = Date.now();
      const kidsSeen: string[] = [];
      const firstSignedAt = new Map<string, number>();
      const firstPublishedAt = new Map<string, number>();
      while (Date.now() - start < 15_000) {
        if (!rotated && Date.now() - start > 1000) {
          rotated = run(['keys', 'rotate', '--alg', 'EdDSA', '--publish-for', '3', '--max-token-age', '6', '--database', database], '', env);
        }
        const { status, body } = await login(url, 'carol', 'carol-pass');
        expect(status).toBe(200);
        const kid = decodeProtectedHeader(body.access_token).kid!;
        if (kidsSeen.at(-1) !== kid) {
          kidsSeen.push(kid);
          firstSignedAt.set(kid, Date.now());
        }
        for (const key of (await jwks(url)).keys) if (!firstPublishedAt.has(key.kid as string)) firstPublishedAt.set(key.kid as string, Date.now());
        const { exp } = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString()) as { exp: number };
        issued.push({ token: body.access_token, exp: exp * 1000, kid });
        for (const entry of issued) {
          if (entry.exp - Date.now() < 300) continue; // (about to) expire: not a key question
          try {
            await jwtVerify(entry.token, JWKS);
            verified++;
          } catch (error) {
            failures.push(`${entry.kid}: ${(error as Error).message}`);
          }
        }
        await sleep(150);
      }
      const rotation = await rotated!;
      expect(rotation.code, rotation.stderr).toBe(0);
      expect(failures).toEqual([]);
      console.log(`rotation: ${issued.length} tokens issued, ${verified} verifications by jose, kids ${kidsSeen.length}`);
      // Logins are slow on a shared machine (a password hash each): still, every phase is covered.
      expect(verified).toBeGreaterThan(issued.length);
      const switchAt = issued.findIndex((entry) => entry.kid === kidsSeen[1]);
      expect(switchAt).toBeGreaterThan(0);
      // The new key was published well before its first token (publish-for 3 s, less a re-read and a login).
      expect(firstSignedAt.get(kidsSeen[1]!)! - firstPublishedAt.get(kidsSeen[1]!)!).toBeGreaterThan(2000);
      expect(kidsSeen).toHaveLength(2); // the first key signed, then the second, never back
      // After retire + maxTokenAge the old key has left the set; keys list calls it gone.
      const published = await jwks(url);
      expect(published.keys.map((key) => key.kid)).toEqual([kidsSeen[1]]);
      const list = await run(['keys', 'list', '--json', '--max-token-age', '6', '--database', database], '', env);
      const phases = list.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { phase: string }).phase);
      expect(phases).toEqual(['gone', 'signing']);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 40_000);
});

const pgSkip = 'skip' in postgres ? postgres.skip : undefined;
describe.skipIf(pgSkip !== undefined)(`gatehouse keys on PostgreSQL${pgSkip ? ` (skipped: ${pgSkip})` : ''}`, () => {
  const url = 'url' in postgres ? postgres.url : '';

  it('db migrate, keys add and rotate, serve signs with the ring; rows hold no private material', async () => {
    expect((await run(['db', 'migrate', '--database', url], '', ENV)).code).toBe(0);
    const add = await run(['keys', 'add', '--alg', 'ES256', '--database', url], '', ENV);
    expect(add.code, add.stderr).toBe(0);
    expect((await run(['keys', 'rotate', '--database', url], '', ENV)).code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<Row>('SELECT kid, alg, public_jwk, private_key FROM gatehouse_signing_keys ORDER BY activates_at');
      expect(rows).toHaveLength(2);
      expectNoPrivateMaterial(rows);
    } finally {
      await client.end();
    }
    expect((await run(['user', 'add', 'bob', '--database', url], 'builder-pass', ENV)).code).toBe(0);
    const server = startServer(['--database', url], ENV);
    try {
      const base = await server.url;
      const published = await jwks(base);
      expect(published.keys).toHaveLength(2);
      const { body } = await login(base, 'bob', 'builder-pass');
      const verified = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)));
      expect(verified.protectedHeader).toMatchObject({ alg: 'ES256', kid: published.keys[0]!.kid });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const list = await run(['keys', 'list', '--database', url], '', { ...ENV, GATEHOUSE_KEY_SECRET: undefined });
    expect(list.stdout.trim().split('\n').map((line) => line.split('  ')[2])).toEqual(['signing', 'published']);
  });
});
