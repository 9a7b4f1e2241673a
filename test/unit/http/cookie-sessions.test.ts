/**
 * Cookie sessions through the handler (issue 22): POST /login's cookie, no fixation, bearer wins,
 * the origin rule, renewal at most once per updateAge (store writes counted with a fake clock),
 * idle and absolute expiry, a password change, /logout, /sessions and its isolation between users,
 * and no cookie secret in any event.
 */
import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { createAuthHandler, type AuthEvent } from '../../../src/http/index.js';
import { createMemorySessionStore, type SessionStore } from '../../../src/tokens/index.js';
import { createMemoryUserStore } from '../../../src/users/index.js';
import { BASE, KEY, context, loginRequest, makeUsers } from '../../helpers/http.js';

const DAY = 86400;
const ORIGIN = 'http://testserver';

/** A session store that counts its writes. */
function countingStore(): { store: SessionStore; writes: () => number } {
  const inner = createMemorySessionStore();
  let writes = 0;
  const store: SessionStore = {
    ...inner,
    createSession: (s) => ((writes += 1), inner.createSession(s)),
    rotateSession: (...a) => ((writes += 1), inner.rotateSession(...a)),
    touchSession: (...a) => ((writes += 1), inner.touchSession(...a)),
    revokeSession: (...a) => ((writes += 1), inner.revokeSession(...a)),
    revokeUserSessions: (...a) => ((writes += 1), inner.revokeUserSessions(...a)),
    findSession: (id) => inner.findSession(id),
    listSessions: (u, n) => inner.listSessions(u, n),
    isAccessRevoked: (...a) => inner.isAccessRevoked(...a),
    revokeAccessToken: (...a) => inner.revokeAccessToken(...a),
    sweep: (n) => inner.sweep(n),
  };
  return { store, writes: () => writes };
}

function setup(sessions: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  let clock = Math.floor(Date.now() / 1000);
  const users = createMemoryUserStore(makeUsers());
  const events: AuthEvent[] = [];
  const counted = countingStore();
  const handle = createAuthHandler({
    users,
    key: KEY,
    context,
    origin: ORIGIN,
    onEvent: (e) => void events.push(e),
    sessions: { store: counted.store, now: () => clock, ...sessions },
    ...extra,
  });
  return { users, handle, events, counted, tick: (seconds: number) => (clock += seconds) };
}

type Handler = ReturnType<typeof createAuthHandler>;

async function cookieLogin(handle: Handler, username = 'johndoe', password = 'secret', init: RequestInit = {}): Promise<{ cookie: string; setCookie: string; response: Response }> {
  const response = await handle(
    new Request(BASE + '/login', { method: 'POST', headers: { 'content-type': 'application/json', ...(init.headers ?? {}) }, body: JSON.stringify({ username, password }) }),
  );
  expect(response.status).toBe(200);
  const setCookie = response.headers.get('set-cookie')!;
  return { cookie: setCookie.split(';')[0]!, setCookie, response };
}

const withCookie = (path: string, cookie: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  new Request(BASE + path, { ...init, headers: { cookie, ...(init.headers ?? {}) } });

describe('POST /login', () => {
  it('answers the public user and a __Host- cookie: HttpOnly, Secure, SameSite=Lax, Path=/, Max-Age 7 days, an opaque id.secret', async () => {
    const { handle, counted } = setup();
    const { setCookie, response } = await cookieLogin(handle);
    expect(await response.json()).toEqual({ username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false });
    expect(response.headers.get('cache-control')).toBe('no-store');
    const [pair, ...attributes] = setCookie.split('; ');
    expect(pair).toMatch(/^__Host-gatehouse-session=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=604800', 'Path=/', 'SameSite=Lax', 'Secure'].sort());
    // Only the hash is stored.
    const id = pair!.split('=')[1]!.split('.')[0]!;
    const secret = pair!.split('.')[1]!;
    const stored = await counted.store.findSession(id);
    expect(stored?.kind).toBe('cookie');
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('takes a form body too, and refuses a wrong password with 401 and no cookie (the same check as /token)', async () => {
    const { handle, events } = setup();
    const ok = await handle(loginRequest({ username: 'johndoe', password: 'secret' }, '/login'));
    expect(ok.status).toBe(200);
    const bad = await handle(loginRequest({ username: 'johndoe', password: 'nope' }, '/login'));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(events.map((e) => e.type)).toEqual(['login_succeeded', 'login_failed']);
    const missing = await handle(new Request(BASE + '/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"johndoe"}' }));
    expect(missing.status).toBe(422);
  });

  it('shares the throttle with /token: failures at /token lock /login out', async () => {
    const { handle } = setup({}, { throttle: { username: { freeFailures: 1 }, address: false } as never });
    for (let i = 0; i < 3; i += 1) await handle(loginRequest({ username: 'johndoe', password: 'bad' }));
    const response = await handle(loginRequest({ username: 'johndoe', password: 'secret' }, '/login'));
    expect(response.status).toBe(429);
  });

  it('gives a new session id at every login, whatever cookie came with it (no fixation)', async () => {
    const { handle } = setup();
    const first = await cookieLogin(handle);
    const second = await cookieLogin(handle, 'johndoe', 'secret', { headers: { cookie: first.cookie } });
    expect(second.cookie).not.toBe(first.cookie);
    expect(second.cookie.split('=')[1]!.split('.')[0]).not.toBe(first.cookie.split('=')[1]!.split('.')[0]);
  });

  it('refuses allowHttpCookies with the __Host- name, and without it names the cookie gatehouse-session without Secure', async () => {
    expect(() => createAuthHandler({ users: makeUsers(), key: KEY, sessions: { cookie: { allowHttpCookies: true, name: '__Host-x' } } })).toThrow(/prefix/);
    const { handle } = setup({ cookie: { allowHttpCookies: true } });
    const { setCookie } = await cookieLogin(handle);
    expect(setCookie).toMatch(/^gatehouse-session=/);
    expect(setCookie).not.toMatch(/Secure/);
  });
});

describe('the cookie on the routes', () => {
  it('authenticates /users/me/ and /users/me/items/; a bearer token wins when both are given', async () => {
    const { handle } = setup();
    const { cookie } = await cookieLogin(handle);
    expect((await (await handle(withCookie('/users/me/', cookie))).json()).username).toBe('johndoe');
    expect((await handle(withCookie('/users/me/items/', cookie))).status).toBe(200);
    // A bad bearer token with a good cookie: the bearer decides.
    const both = await handle(withCookie('/users/me/', cookie, { headers: { authorization: 'Bearer not-a-token' } }));
    expect(both.status).toBe(401);
    const token = (await (await handle(loginRequest({ username: 'minimal', password: 'pw' }))).json()).access_token;
    const bearerWins = await handle(withCookie('/users/me/', cookie, { headers: { authorization: `Bearer ${token}` } }));
    expect((await bearerWins.json()).username).toBe('minimal');
  });

  it('refuses a forged or unknown cookie with 401 and clears it', async () => {
    const { handle } = setup();
    const { cookie } = await cookieLogin(handle);
    const forged = cookie.slice(0, -3) + (cookie.endsWith('AAA') ? 'BBB' : 'AAA');
    const response = await handle(withCookie('/users/me/', forged));
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await handle(withCookie('/users/me/', '__Host-gatehouse-session=garbage'))).status).toBe(401);
  });

  it('the origin rule: a cookie POST from another origin is 403 naming it; same origin and trusted origins pass; bearer is not checked', async () => {
    const { handle } = setup({ trustedOrigins: ['https://admin.example.com'] });
    const { cookie } = await cookieLogin(handle);
    const evil = await handle(withCookie('/sessions/AAAAAAAAAAAAAAAAAAAAAA', cookie, { method: 'DELETE', headers: { origin: 'https://evil.example' } }));
    expect(evil.status).toBe(403);
    expect((await evil.json()).detail).toContain('https://evil.example');
    const noOrigin = await handle(withCookie('/logout', cookie, { method: 'POST' }));
    expect(noOrigin.status).toBe(403);
    const trusted = await handle(withCookie('/sessions/AAAAAAAAAAAAAAAAAAAAAA', cookie, { method: 'DELETE', headers: { origin: 'https://admin.example.com' } }));
    expect(trusted.status).toBe(404); // past the rule: no such session
    // Safe methods are not checked.
    expect((await handle(withCookie('/users/me/', cookie, { headers: { origin: 'https://evil.example' } }))).status).toBe(200);
    // Bearer requests are not subject to it.
    const { handle: withRefresh } = setup({}, { refreshTokens: true });
    const token = (await (await withRefresh(loginRequest({ username: 'johndoe', password: 'secret' }))).json()).access_token;
    const byBearer = await withRefresh(new Request(BASE + '/logout', { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' } }));
    expect(byBearer.status).toBe(204);
  });

  it('renews at most once per updateAge: 1000 requests over 3 days write 3 times, each renewal sending a fresh Max-Age', async () => {
    const { handle, counted, tick } = setup();
    const { cookie } = await cookieLogin(handle);
    const before = counted.writes();
    let renewals = 0;
    for (let i = 0; i < 1000; i += 1) {
      tick(260); // 1000 x 260 s = about 3 days
      const response = await handle(withCookie('/users/me/', cookie));
      expect(response.status).toBe(200);
      const renewed = response.headers.get('set-cookie');
      if (renewed !== null) {
        renewals += 1;
        expect(renewed).toMatch(/Max-Age=604800/);
      }
    }
    expect(counted.writes() - before).toBe(3);
    expect(renewals).toBe(3);
  });

  it('ends after idleTtl without use, and after ttl whatever the use', async () => {
    const idle = setup();
    const a = await cookieLogin(idle.handle);
    idle.tick(7 * DAY - 1);
    expect((await idle.handle(withCookie('/users/me/', a.cookie))).status).toBe(200); // renewed here
    idle.tick(7 * DAY - 1);
    expect((await idle.handle(withCookie('/users/me/', a.cookie))).status).toBe(200);
    idle.tick(7 * DAY);
    expect((await idle.handle(withCookie('/users/me/', a.cookie))).status).toBe(401);

    const absolute = setup();
    const b = await cookieLogin(absolute.handle);
    for (let day = 1; day < 30; day += 1) {
      absolute.tick(DAY);
      expect((await absolute.handle(withCookie('/users/me/', b.cookie))).status).toBe(200);
    }
    absolute.tick(DAY);
    expect((await absolute.handle(withCookie('/users/me/', b.cookie))).status).toBe(401);
  });

  it('a password change ends the session', async () => {
    const { handle, users } = setup();
    const { cookie } = await cookieLogin(handle);
    await users.setPassword('johndoe', bcryptjs.hashSync('new', 4));
    expect((await handle(withCookie('/users/me/', cookie))).status).toBe(401);
  });

  it('POST /logout ends the session and clears the cookie', async () => {
    const { handle, events } = setup();
    const { cookie } = await cookieLogin(handle);
    const response = await handle(withCookie('/logout', cookie, { method: 'POST', headers: { origin: ORIGIN } }));
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toMatch(/^__Host-gatehouse-session=; .*Max-Age=0/);
    expect((await handle(withCookie('/users/me/', cookie))).status).toBe(401);
    expect(events.at(-1)?.type).toBe('logout');
  });

  it('requireUser takes the cookie and answers the renewed cookie as setCookie', async () => {
    const { handle, tick } = setup();
    const { cookie } = await cookieLogin(handle);
    const result = await handle.auth.requireUser(withCookie('/app', cookie));
    expect(result.user?.username).toBe('johndoe');
    expect(result.setCookie).toBeUndefined();
    tick(DAY);
    expect((await handle.auth.requireUser(withCookie('/app', cookie))).setCookie).toMatch(/Max-Age=604800/);
  });
});

describe('/sessions', () => {
  it('lists only the caller\'s live sessions, marks the current one, never shows a secret or hash', async () => {
    const { handle } = setup();
    const one = await cookieLogin(handle, 'johndoe', 'secret', { headers: { 'user-agent': 'Browser One' } });
    const two = await cookieLogin(handle, 'johndoe', 'secret', { headers: { 'user-agent': 'Browser Two' } });
    await cookieLogin(handle, 'minimal', 'pw');
    const response = await handle(withCookie('/sessions', two.cookie));
    expect(response.status).toBe(200);
    const text = await response.text();
    const listed = JSON.parse(text) as Array<Record<string, unknown>>;
    expect(listed.map((s) => s.user_agent).sort()).toEqual(['Browser One', 'Browser Two']);
    expect(listed.find((s) => s.current)?.user_agent).toBe('Browser Two');
    expect(Object.keys(listed[0]!).sort()).toEqual(['client_address', 'created_at', 'current', 'expires_at', 'id', 'kind', 'last_seen_at', 'user_agent']);
    for (const cookie of [one.cookie, two.cookie]) expect(text).not.toContain(cookie.split('.')[1]);
    expect(text).not.toMatch(/hash/i);
  });

  it('DELETE /sessions/{id} ends one of one\'s own; another user\'s id is 404 and stays live', async () => {
    const { handle } = setup();
    const john = await cookieLogin(handle);
    const johnOther = await cookieLogin(handle);
    const other = await cookieLogin(handle, 'minimal', 'pw');
    const otherId = other.cookie.split('=')[1]!.split('.')[0]!;
    const johnOtherId = johnOther.cookie.split('=')[1]!.split('.')[0]!;
    const denied = await handle(withCookie(`/sessions/${otherId}`, john.cookie, { method: 'DELETE', headers: { origin: ORIGIN } }));
    expect(denied.status).toBe(404);
    expect((await handle(withCookie('/users/me/', other.cookie))).status).toBe(200);
    // minimal's list does not show john's sessions.
    const minimalList = (await (await handle(withCookie('/sessions', other.cookie))).json()) as Array<{ id: string }>;
    expect(minimalList.map((s) => s.id)).toEqual([otherId]);
    const ended = await handle(withCookie(`/sessions/${johnOtherId}`, john.cookie, { method: 'DELETE', headers: { origin: ORIGIN } }));
    expect(ended.status).toBe(204);
    expect((await handle(withCookie('/users/me/', johnOther.cookie))).status).toBe(401);
    expect((await handle(withCookie('/users/me/', john.cookie))).status).toBe(200);
  });

  it('POST /logout?everywhere ends every other session, cookie sessions and refresh families alike, and keeps the current', async () => {
    const { handle } = setup({}, { refreshTokens: true });
    const current = await cookieLogin(handle);
    const other = await cookieLogin(handle);
    const refresh = (await (await handle(loginRequest({ username: 'johndoe', password: 'secret' }))).json()).refresh_token as string;
    const listed = (await (await handle(withCookie('/sessions', current.cookie))).json()) as Array<{ kind: string }>;
    expect(listed.map((s) => s.kind).sort()).toEqual(['cookie', 'cookie', 'refresh']);
    const response = await handle(withCookie('/logout?everywhere', current.cookie, { method: 'POST', headers: { origin: ORIGIN } }));
    expect(response.status).toBe(204);
    expect((await handle(withCookie('/users/me/', other.cookie))).status).toBe(401);
    expect((await handle(withCookie('/users/me/', current.cookie))).status).toBe(200);
    expect((await handle(loginRequest({ grant_type: 'refresh_token', refresh_token: refresh }))).status).toBe(400);
  });

  it('no event carries a cookie secret', async () => {
    const { handle, events } = setup();
    const { cookie } = await cookieLogin(handle);
    await handle(withCookie('/sessions', cookie));
    await handle(withCookie('/logout', cookie, { method: 'POST', headers: { origin: ORIGIN } }));
    const lines = JSON.stringify(events);
    expect(events.length).toBeGreaterThan(1);
    expect(lines).not.toContain(cookie.split('=')[1]!);
    expect(lines).not.toContain(cookie.split('.')[1]!);
  });
});

describe('CORS with sessions', () => {
  it('answers the preflight of DELETE /sessions/{id} for a listed origin with credentials', async () => {
    const { handle } = setup({}, { cors: { origins: ['https://app.example.com'], credentials: true } });
    const response = await handle(
      new Request(BASE + '/sessions/AAAAAAAAAAAAAAAAAAAAAA', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'DELETE' } }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-methods')).toBe('DELETE');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
