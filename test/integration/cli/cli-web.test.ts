/**
 * `gatehouse serve --cors-origin` (issue 22): the listed origin is echoed on the wire, another is
 * not, a bad or repeated origin is a usage error; the cookie-session flags (--trusted-origin,
 * --allow-http-cookies) are checked and then refused without --sessions.
 */
import { describe, expect, it } from 'vitest';
import { run, startServer } from '../../helpers/cli.js';

const ENV = { SECRET_KEY: '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7' };

describe('gatehouse serve --cors-origin', () => {
  it('echoes the listed origins only, on answers and preflights', async () => {
    const server = startServer(['--cors-origin', 'http://127.0.0.2:5173', '--cors-origin', 'https://App.Example.com'], ENV);
    try {
      const url = await server.url;
      const listed = await fetch(`${url}/users/me/`, { headers: { origin: 'http://127.0.0.2:5173' } });
      expect(listed.status).toBe(401);
      expect(listed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.2:5173');
      expect(listed.headers.get('vary')).toBe('Origin');
      const normalised = await fetch(`${url}/users/me/`, { headers: { origin: 'https://app.example.com' } });
      expect(normalised.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      const other = await fetch(`${url}/users/me/`, { headers: { origin: 'http://127.0.0.3:5173' } });
      expect(other.headers.has('access-control-allow-origin')).toBe(false);
      const preflight = await fetch(`${url}/token`, {
        method: 'OPTIONS',
        headers: { origin: 'http://127.0.0.2:5173', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
      expect(preflight.headers.has('access-control-allow-credentials')).toBe(false);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 30_000);

  it.each([
    [['--cors-origin', 'https://app.example.com/'], /--cors-origin: "https:\/\/app.example.com\/" is not an origin/],
    [['--cors-origin', 'app.example.com'], /not an http\(s\) origin/],
    [['--cors-origin', 'https://a.example', '--cors-origin', 'https://A.example:443'], /--cors-origin https:\/\/a.example is given twice/],
    [['--cors-origin', '*', '--cors-origin', 'https://a.example'], /allows every page/],
    [['--trusted-origin', 'https://a.example/x'], /--trusted-origin: .* is not an origin/],
    [['--trusted-origin', 'https://a.example'], /--trusted-origin applies to cookie sessions: give --sessions too/],
    [['--allow-http-cookies'], /--allow-http-cookies applies to cookie sessions/],
    [['--allow-http-cookies', '--host', '0.0.0.0'], /--host 0.0.0.0 is not one/],
    [['--allow-http-cookies', '--trusted-origin', 'https://a.example'], /--trusted-origin and --allow-http-cookies apply to/],
  ])('%j is a usage error', async (args, message) => {
    const result = await run(['serve', '--port', '0', ...args], '', ENV);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/see gatehouse serve --help/);
  }, 30_000);

  it('lists --cors-origin in serve --help', async () => {
    const result = await run(['serve', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--cors-origin ORIGIN/);
  }, 30_000);
});

describe('gatehouse serve --sessions', () => {
  it('logs in with a cookie (plain HTTP with --allow-http-cookies, said at start), refuses a cross-origin cookie POST, lists and ends the session', async () => {
    const server = startServer(['--sessions', '--allow-http-cookies', '--trusted-origin', 'http://127.0.0.2:5173'], ENV);
    try {
      const url = await server.url;
      expect(server.stderr()).toMatch(/--allow-http-cookies: the session cookie lacks Secure and the __Host- prefix/);
      const login = await fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret' }) });
      expect(login.status).toBe(200);
      const setCookie = login.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/^gatehouse-session=[\w-]{22}\.[\w-]{43}; /);
      expect(setCookie).not.toMatch(/Secure/);
      const cookie = setCookie.split(';')[0]!;
      expect((await fetch(`${url}/users/me/`, { headers: { cookie } })).status).toBe(200);
      const listed = (await (await fetch(`${url}/sessions`, { headers: { cookie } })).json()) as Array<{ current: boolean }>;
      expect(listed.map((s) => s.current)).toEqual([true]);
      const evil = await fetch(`${url}/logout`, { method: 'POST', headers: { cookie, origin: 'http://127.0.0.3:5173' } });
      expect(evil.status).toBe(403);
      const trusted = await fetch(`${url}/logout`, { method: 'POST', headers: { cookie, origin: 'http://127.0.0.2:5173' } });
      expect(trusted.status).toBe(204);
      expect((await fetch(`${url}/users/me/`, { headers: { cookie } })).status).toBe(401);
      // The event log names the session's public id, never the cookie's secret.
      expect(server.stdout()).not.toContain(cookie.split('.')[1]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 30_000);
});
