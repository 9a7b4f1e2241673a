/**
 * The token lifecycle through the handler: refresh tokens (rotation, grace window, reuse, expiry),
 * POST /revoke, POST /logout, revokeAllTokens, and the `stp` claim that ends tokens after a password
 * change or a delete-and-recreate, with the verified-token cache in the way.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserStoreError } from '../../../src/errors.js';
import { createAuthHandler, type AuthEvent } from '../../../src/http/index.js';
import { oauth2FailureOf } from '../../../src/http/auth/token-errors.js';
import { createMemorySessionStore, type SessionStore } from '../../../src/tokens/index.js';
import { createMemoryUserStore } from '../../../src/users/index.js';
import { BASE, KEY, bearer, context, decodePayload, loginRequest, makeUsers } from '../../helpers/http.js';

type Handler = ReturnType<typeof createAuthHandler>;
interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
}

function setup(options: Record<string, unknown> = {}) {
  const users = createMemoryUserStore(makeUsers());
  const events: AuthEvent[] = [];
  const handle = createAuthHandler({ users, key: KEY, context, refreshTokens: true, onEvent: (e) => void events.push(e), ...options });
  return { users, handle, events };
}

async function login(handle: Handler, username = 'johndoe', password = 'secret'): Promise<TokenBody> {
  const response = await handle(loginRequest({ username, password }));
  expect(response.status).toBe(200);
  return (await response.json()) as TokenBody;
}

const refreshRequest = (token: string, extra: Record<string, string> = {}) => loginRequest({ grant_type: 'refresh_token', refresh_token: token, ...extra });
const form = (path: string, fields: Record<string, string>) => new Request(BASE + path, { method: 'POST', body: new URLSearchParams(fields) });
const me = (handle: Handler, token: string) => handle(bearer('/users/me/', token)).then((r) => r.status);

afterEach(() => {
  vi.useRealTimers();
});

describe('refresh tokens off (the tutorial default)', () => {
  it('answers the tutorial body, refuses the refresh grant with 422 and routes no /revoke or /logout', async () => {
    const handle = createAuthHandler({ users: makeUsers(), key: KEY, context });
    const response = await handle(loginRequest({ username: 'johndoe', password: 'secret' }));
    expect(Object.keys(await response.json())).toEqual(['access_token', 'token_type']);
    expect((await handle(refreshRequest('x'))).status).toBe(422);
    expect((await handle(form('/revoke', { token: 'x' }))).status).toBe(404);
    expect((await handle(new Request(BASE + '/logout', { method: 'POST' }))).status).toBe(404);
  });
});

describe('refresh tokens on', () => {
  it('the password grant answers refresh_token and expires_in; access tokens carry sid, jti and stp and live 15 minutes', async () => {
    const { handle } = setup();
    const before = Math.floor(Date.now() / 1000);
    const body = await login(handle);
    expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token']);
    expect(body.expires_in).toBe(900);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const claims = decodePayload(body.access_token);
    expect(Object.keys(claims)).toEqual(['sub', 'stp', 'sid', 'jti', 'exp']);
    expect(claims.sid).toBe(body.refresh_token!.split('.')[0]);
    expect(claims.exp).toBeGreaterThanOrEqual(before + 900);
    expect(claims.exp).toBeLessThanOrEqual(before + 902);
    expect(await me(handle, body.access_token)).toBe(200);
  });

  it('rotates; the grace window answers the predecessor with the same successor; reuse after it revokes the family', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T12:00:00Z'));
    const { handle, events } = setup();
    const first = await login(handle);

    vi.setSystemTime(new Date('2026-12-07T12:10:00Z'));
    const rotated = await handle(refreshRequest(first.refresh_token!));
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const second = (await rotated.json()) as TokenBody;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.refresh_token!.split('.')[0]).toBe(first.refresh_token!.split('.')[0]);
    expect(decodePayload(second.access_token).jti).not.toBe(decodePayload(first.access_token).jti);
    expect(events.map((e) => e.type)).toContain('token_refreshed');

    // The client lost the answer and retries 5 s later: the very same successor.
    vi.setSystemTime(new Date('2026-12-07T12:10:05Z'));
    const retry = (await (await handle(refreshRequest(first.refresh_token!))).json()) as TokenBody;
    expect(retry.refresh_token).toBe(second.refresh_token);

    // 10 s after the rotation the predecessor is a reuse: the family is revoked.
    vi.setSystemTime(new Date('2026-12-07T12:10:10Z'));
    const reused = await handle(refreshRequest(first.refresh_token!));
    expect(reused.status).toBe(400);
    expect(await reused.json()).toEqual({ detail: 'Invalid refresh token' });
    const reuse = events.find((e) => e.type === 'refresh_reuse_detected')!;
    expect(reuse).toMatchObject({ username: 'johndoe', sessionId: first.refresh_token!.split('.')[0] });
    expect(JSON.stringify(events)).not.toContain(first.refresh_token!.split('.')[1]);
    expect((await handle(refreshRequest(second.refresh_token!))).status).toBe(400);
    // The family's access tokens are refused too (sid revoked), cached or not.
    expect(await me(handle, second.access_token)).toBe(401);
  });

  it('idle and absolute expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.parse('2026-12-07T12:00:00Z');
    vi.setSystemTime(start);
    const { handle } = setup({ refreshTokens: { ttl: '3d', idleTtl: '1d' } });
    let token = (await login(handle)).refresh_token!;
    for (const hours of [23, 46, 69]) {
      vi.setSystemTime(start + hours * 3600_000);
      const response = await handle(refreshRequest(token));
      expect(response.status).toBe(200);
      token = ((await response.json()) as TokenBody).refresh_token!;
    }
    vi.setSystemTime(start + 72 * 3600_000); // absolute end
    expect((await handle(refreshRequest(token))).status).toBe(400);

    const idle = (await login(handle)).refresh_token!;
    vi.setSystemTime(start + 72 * 3600_000 + 86400_000); // one day idle
    expect((await handle(refreshRequest(idle))).status).toBe(400);
  });

  it('tags its refusals invalid_grant for the RFC 6749 answers', async () => {
    const { handle } = setup();
    // The tag is on the answer's parts: read them from the core the handler is made of.
    const { createAuthCore } = await import('../../../src/http/auth/index.js');
    const { login: loginParts } = createAuthCore({ users: makeUsers(), key: KEY, context, refreshTokens: true });
    const parts = await loginParts(refreshRequest('A'.repeat(22) + '.' + 'B'.repeat(43)));
    expect(parts.status).toBe(400);
    expect(oauth2FailureOf(parts)?.error).toBe('invalid_grant');
    expect((await handle(refreshRequest('not-a-token'))).status).toBe(400);
  });

  it('50 concurrent refreshes with one token: exactly one successor', async () => {
    const { handle } = setup();
    const first = await login(handle);
    const answers = await Promise.all(Array.from({ length: 50 }, () => handle(refreshRequest(first.refresh_token!))));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    const tokens = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as TokenBody).refresh_token)));
    expect(tokens.size).toBe(1);
    const [successor] = tokens;
    expect((await handle(refreshRequest(successor!))).status).toBe(200);
  });

  it('a disabled or removed user, or one whose password changed, cannot refresh', async () => {
    const { handle, users } = setup();
    const a = await login(handle);
    await users.setDisabled('johndoe', true);
    expect((await handle(refreshRequest(a.refresh_token!))).status).toBe(400);
    await users.setDisabled('johndoe', false);
    const b = await login(handle);
    await users.setPassword('johndoe', (await context.hash('new')) as string);
    expect((await handle(refreshRequest(b.refresh_token!))).status).toBe(400);
    const c = await login(handle, 'johndoe', 'new');
    await users.deleteUser('johndoe');
    expect((await handle(refreshRequest(c.refresh_token!))).status).toBe(400);
  });

  it('a session store that fails answers 503 (not 500) on login and refresh', async () => {
    const healthy = createMemorySessionStore();
    let down = false;
    const failing = new Proxy(healthy, {
      get: (target, name) => {
        const value = (target as any)[name];
        return typeof value !== 'function'
          ? value
          : (...args: unknown[]) => {
              if (down) throw new UserStoreError('ERR_USER_STORE_UNAVAILABLE', 'down');
              return value(...args);
            };
      },
    }) as SessionStore;
    const { handle } = setup({ refreshTokens: { store: failing }, onError: () => {} });
    const body = await login(handle);
    down = true;
    expect((await handle(refreshRequest(body.refresh_token!))).status).toBe(503);
    expect((await handle(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(503);
    expect((await handle(bearer('/users/me/', body.access_token))).status).toBe(503);
    down = false;
    expect((await handle(refreshRequest(body.refresh_token!))).status).toBe(200);
  });
});

describe('revocation and logout', () => {
  it('POST /logout ends the session and the access token, through the verified-token cache', async () => {
    const { handle, events } = setup();
    const body = await login(handle);
    expect(await me(handle, body.access_token)).toBe(200); // now cached
    const out = await handle(bearer('/logout', body.access_token, { method: 'POST' }));
    expect(out.status).toBe(204);
    expect(await me(handle, body.access_token)).toBe(401);
    expect((await handle(refreshRequest(body.refresh_token!))).status).toBe(400);
    expect(events.find((e) => e.type === 'logout')).toMatchObject({ username: 'johndoe', sessionId: body.refresh_token!.split('.')[0] });
    expect((await handle(new Request(BASE + '/logout', { method: 'POST' }))).status).toBe(401);
  });

  it('POST /revoke: a refresh token ends its family; an access token its jti; unknown tokens answer 200', async () => {
    const { handle } = setup();
    const a = await login(handle);
    const b = await login(handle);
    expect(await me(handle, a.access_token)).toBe(200);
    expect((await handle(form('/revoke', { token: a.refresh_token!, token_type_hint: 'refresh_token' }))).status).toBe(200);
    expect((await handle(refreshRequest(a.refresh_token!))).status).toBe(400);
    expect(await me(handle, a.access_token)).toBe(401); // its session is gone
    // The other login is untouched; revoking its access token ends only that token.
    expect(await me(handle, b.access_token)).toBe(200);
    expect((await handle(form('/revoke', { token: b.access_token }))).status).toBe(200);
    expect(await me(handle, b.access_token)).toBe(401);
    expect((await handle(refreshRequest(b.refresh_token!))).status).toBe(200);

    expect((await handle(form('/revoke', { token: 'garbage' }))).status).toBe(200);
    expect((await handle(form('/revoke', { token: 'A'.repeat(22) + '.' + 'B'.repeat(43) }))).status).toBe(200);
    const missing = await handle(form('/revoke', {}));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('paths are configurable', async () => {
    const { handle } = setup({ paths: { revoke: '/oauth/revoke', logout: '/auth/logout' } });
    const body = await login(handle);
    expect((await handle(form('/oauth/revoke', { token: body.refresh_token! }))).status).toBe(200);
    expect((await handle(refreshRequest(body.refresh_token!))).status).toBe(400);
    const other = await login(handle);
    expect((await handle(bearer('/auth/logout', other.access_token, { method: 'POST' }))).status).toBe(204);
    expect((await handle(form('/revoke', { token: 'x' }))).status).toBe(404);
  });

  it('revokeAllTokens: every session and access token of the user ends, through the cache', async () => {
    const { handle, events } = setup();
    const a = await login(handle);
    const b = await login(handle);
    const other = await login(handle, 'minimal', 'pw');
    expect(await me(handle, a.access_token)).toBe(200);
    expect(await handle.auth.revokeAllTokens('johndoe')).toBe(2);
    expect(await me(handle, a.access_token)).toBe(401);
    expect(await me(handle, b.access_token)).toBe(401);
    expect((await handle(refreshRequest(b.refresh_token!))).status).toBe(400);
    expect(await me(handle, other.access_token)).toBe(200);
    expect(events.find((e) => e.type === 'tokens_revoked')).toMatchObject({ username: 'johndoe', count: 2 });
    // A new login works.
    expect(await me(handle, (await login(handle)).access_token)).toBe(200);
  });
});

describe('the stamp claim (refresh tokens off too)', () => {
  it('a password change ends the tokens issued before it, cached or not', async () => {
    const users = createMemoryUserStore(makeUsers());
    const handle = createAuthHandler({ users, key: KEY, context });
    const token = (await login(handle)).access_token;
    expect(await me(handle, token)).toBe(200);
    await users.setPassword('johndoe', (await context.hash('changed')) as string);
    expect(await me(handle, token)).toBe(401);
    expect(await me(handle, (await login(handle, 'johndoe', 'changed')).access_token)).toBe(200);
  });

  it('a username deleted and created again never inherits the old tokens', async () => {
    const users = createMemoryUserStore(makeUsers());
    const handle = createAuthHandler({ users, key: KEY, context });
    const token = (await login(handle)).access_token;
    await users.deleteUser('johndoe');
    const hash = (await context.hash('secret')) as string;
    await users.createUser({ username: 'johndoe', hashed_password: hash });
    expect(await me(handle, token)).toBe(401);
    expect(await me(handle, (await login(handle)).access_token)).toBe(200);
  });

  it('a store without stamps (a fake_users_db object): the stamp derives from the hash, a changed hash ends tokens', async () => {
    const db = makeUsers();
    const store = { findUser: (name: string) => (Object.hasOwn(db, name) ? { ...db[name]! } : null) };
    const handle = createAuthHandler({ users: store, key: KEY, context });
    const token = (await login(handle)).access_token;
    expect(await me(handle, token)).toBe(200);
    db.johndoe!.hashed_password = (await context.hash('secret')) as string; // same password, new salt
    expect(await me(handle, token)).toBe(401);
  });

  it('revokeAllTokens without refresh tokens renews the stamp', async () => {
    const users = createMemoryUserStore(makeUsers());
    const handle = createAuthHandler({ users, key: KEY, context });
    const token = (await login(handle)).access_token;
    expect(await me(handle, token)).toBe(200);
    await handle.auth.revokeAllTokens('johndoe');
    expect(await me(handle, token)).toBe(401);
  });
});

describe('refresh tokens with scopes', () => {
  it('keeps the login scopes, narrows to a requested subset, refuses more with invalid_scope', async () => {
    const { handle } = setup({ scopes: true });
    const response = await handle(loginRequest({ username: 'johndoe', password: 'secret', scope: 'me' }));
    const first = (await response.json()) as TokenBody;
    const kept = (await (await handle(refreshRequest(first.refresh_token!))).json()) as TokenBody;
    expect(decodePayload(kept.access_token).scope).toBe('me');
    const wider = await handle(refreshRequest(kept.refresh_token!, { scope: 'me items' }));
    expect(wider.status).toBe(400);
    expect(await wider.json()).toEqual({ detail: 'Invalid scope' });
    // The refused request left the token usable; a narrower (equal) scope is granted.
    const narrowed = (await (await handle(refreshRequest(kept.refresh_token!, { scope: 'me' }))).json()) as TokenBody;
    expect(decodePayload(narrowed.access_token).scope).toBe('me');
  });
});

describe('sweeping expired sessions', () => {
  it('sweeps at most once an hour, after a login, without waiting for it; a failed sweep is retried a minute later', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T12:00:00Z'));
    const inner = createMemorySessionStore();
    const sweeps: number[] = [];
    let failing = false;
    const store: SessionStore = Object.assign(Object.create(inner) as SessionStore, {
      sweep: (at: number) => {
        sweeps.push(at);
        if (failing) throw new UserStoreError('ERR_USER_STORE_UNAVAILABLE', 'down');
        return inner.sweep(at);
      },
    });
    const { handle } = setup({ refreshTokens: { store } });
    await login(handle);
    await login(handle);
    expect(sweeps).toHaveLength(1);
    vi.setSystemTime(new Date('2026-12-07T13:00:01Z'));
    failing = true;
    await login(handle);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sweeps).toHaveLength(2);
    vi.setSystemTime(new Date('2026-12-07T13:01:02Z'));
    failing = false;
    await login(handle);
    expect(sweeps).toHaveLength(3);
  });
});
