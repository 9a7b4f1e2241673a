/**
 * `gatehouse serve` logs every auth event as one JSON line on stdout (never a password, hash or
 * token); `--no-event-log` turns it off; `--oauth2-errors` picks the /token answers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, startServer } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The tutorial's users with the seed's bcrypt hashes (the server rehashes them at login). */
function usersFile(): string {
  const path = join(dir, `users-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, readFileSync(new URL('../../fixtures/conformance/users.json', import.meta.url)));
  return path;
}

async function post(url: string, fields: Record<string, string>) {
  const response = await fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams(fields) });
  return { status: response.status, text: await response.text() };
}

async function stop(server: ReturnType<typeof startServer>) {
  server.child.kill('SIGTERM');
  await server.exited;
}

describe('gatehouse serve: event log', () => {
  it('one JSON line per event, without secrets', async () => {
    const file = usersFile();
    const before = readFileSync(file, 'utf8');
    const server = startServer(['--users', file, '--throttle-options', '{"username":{"freeFailures":2}}'], { SECRET_KEY: 'a'.repeat(64) });
    try {
      const url = await server.url;
      const ok = await post(url, { username: 'johndoe', password: 'secret' });
      expect(ok.status).toBe(200);
      const token = (JSON.parse(ok.text) as { access_token: string }).access_token;
      await post(url, { username: 'johndoe', password: 'wrong-password-1' });
      await post(url, { username: 'nobody', password: 'wrong-password-2' });
      let throttled = 0;
      for (let i = 0; i < 6 && throttled !== 429; i++) throttled = (await post(url, { username: 'johndoe', password: 'wrong-password-3' })).status;
      expect(throttled).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const lines = server.stdout().split('\n').filter((line) => line.startsWith('{'));
      const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events.map((event) => event.type)).toEqual(
        expect.arrayContaining(['hash_upgraded', 'login_succeeded', 'login_failed', 'login_throttled']),
      );
      expect(events.find((event) => event.type === 'login_failed' && event.username === 'nobody')).toMatchObject({ reason: 'unknown_user', clientAddress: '127.0.0.1' });
      expect(events.find((event) => event.type === 'hash_upgraded')).toMatchObject({ username: 'johndoe', scheme: expect.any(String) });
      const after = readFileSync(file, 'utf8');
      const hashes = [before, after].flatMap((text) => Object.values(JSON.parse(text) as Record<string, { hashed_password: string }>).map((user) => user.hashed_password));
      expect(hashes.length).toBeGreaterThan(2);
      const log = server.stdout();
      for (const secret of ['secret', 'wrong-password-1', 'wrong-password-2', 'wrong-password-3', token, ...hashes]) expect(log).not.toContain(secret);
    } finally {
      await stop(server);
    }
  });

  it('--no-event-log logs none; --oauth2-errors rfc6749 answers 400 invalid_grant', async () => {
    const server = startServer(['--no-event-log', '--oauth2-errors', 'rfc6749'], { SECRET_KEY: 'a'.repeat(64) });
    try {
      const url = await server.url;
      expect((await post(url, { username: 'johndoe', password: 'secret' })).status).toBe(200);
      const wrong = await post(url, { username: 'johndoe', password: 'wrong' });
      expect(wrong).toEqual({ status: 400, text: '{"error":"invalid_grant","error_description":"Incorrect username or password"}' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.stdout().split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
    } finally {
      await stop(server);
    }
  });

  it('keeps serving when its stdout reader goes away (EPIPE), as a bench that stops reading after the URL', async () => {
    const server = startServer([], { SECRET_KEY: 'a'.repeat(64) });
    try {
      const url = await server.url;
      server.child.stdout!.destroy(); // the read end closes: the next event line meets EPIPE
      for (let i = 0; i < 3; i++) expect((await post(url, { username: 'johndoe', password: 'wrong' })).status).toBe(401);
      expect((await post(url, { username: 'johndoe', password: 'secret' })).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await stop(server);
    }
    expect(server.stderr()).not.toMatch(/EPIPE|Unhandled/);
  });

  it('refuses an unknown --oauth2-errors style', async () => {
    const result = await run(['serve', '--oauth2-errors', 'oauth'], '', { SECRET_KEY: 'a'.repeat(64) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--oauth2-errors must be fastapi or rfc6749');
  });
});
