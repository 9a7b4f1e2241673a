/** `gatehouse serve --refresh-tokens [--refresh-ttl D] [--refresh-grace D]`: the flags, and a real server using them. */
import { describe, expect, it } from 'vitest';
import { refreshFromCli } from '../../../src/cli/refresh.js';
import { UsageError } from '../../../src/cli/usage.js';
import { login, run, startServer } from '../../helpers/cli.js';

describe('refreshFromCli', () => {
  it('turns the flags into the handler option', () => {
    expect(refreshFromCli({})).toBeUndefined();
    expect(refreshFromCli({ 'refresh-tokens': true })).toEqual({});
    expect(refreshFromCli({ 'refresh-tokens': true, 'refresh-ttl': '7d', 'refresh-grace': '0' })).toEqual({ ttl: 7 * 86400, reuseGrace: 0 });
    expect(refreshFromCli({ 'refresh-tokens': true, 'refresh-grace': '15s' })).toEqual({ reuseGrace: 15 });
    expect(() => refreshFromCli({ 'refresh-ttl': '7d' })).toThrow(UsageError);
    expect(() => refreshFromCli({ 'refresh-tokens': true, 'refresh-ttl': 'soon' })).toThrow(UsageError);
    expect(() => refreshFromCli({ 'refresh-tokens': true, 'refresh-ttl': '0' })).toThrow(UsageError);
  });
});

describe('gatehouse serve --refresh-tokens', () => {
  it('logs in with a refresh token, rotates it, logs out', async () => {
    const server = startServer(['--refresh-tokens', '--refresh-grace', '0'], { SECRET_KEY: '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7' });
    try {
      const url = await server.url;
      const first = (await login(url, 'johndoe', 'secret')).body as { access_token: string; refresh_token: string; expires_in: number };
      expect(first.expires_in).toBe(900);
      const refresh = (token: string) =>
        fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }) });
      const rotated = await refresh(first.refresh_token);
      expect(rotated.status).toBe(200);
      const second = (await rotated.json()) as { access_token: string; refresh_token: string };
      expect((await refresh(first.refresh_token)).status).toBe(400); // strict: a reuse
      expect((await refresh(second.refresh_token)).status).toBe(400); // the family is revoked
      const fresh = (await login(url, 'johndoe', 'secret')).body as { access_token: string };
      const out = await fetch(`${url}/logout`, { method: 'POST', headers: { authorization: `Bearer ${fresh.access_token}` } });
      expect(out.status).toBe(204);
      expect((await fetch(`${url}/users/me/`, { headers: { authorization: `Bearer ${fresh.access_token}` } })).status).toBe(401);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('refuses --refresh-ttl without --refresh-tokens', async () => {
    const result = await run(['serve', '--port', '0', '--refresh-ttl', '7d']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--refresh-tokens/);
  });
});
