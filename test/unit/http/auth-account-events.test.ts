/**
 * The account changes of the Auth object (auth.setPassword, auth.setDisabled) on the memory user
 * store and a real SQLite one: each ends every token and session of the user (the access token,
 * the refresh token, a cookie session in its own store), tells `onEvent` once (never the password
 * or the hash), and refuses bad input with a typed error before anything changes.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, PasswordPolicyError, UserStoreError } from '../../../src/errors.js';
import { createAuthHandler, type AuthEvent } from '../../../src/http/index.js';
import { MAX_PASSWORD_BYTES } from '../../../src/passwords/index.js';
import { createMemorySessionStore } from '../../../src/tokens/index.js';
import { createMemoryUserStore, type UserRecord, type UserStore } from '../../../src/users/index.js';
import { createSqliteUserStore } from '../../../src/users/sql/sqlite.js';
import { BASE, KEY, bearer, context, loginRequest, makeUsers } from '../../helpers/http.js';

type Handler = ReturnType<typeof createAuthHandler>;
interface TokenBody {
  access_token: string;
  refresh_token?: string;
}

const NEW_PASSWORD = 'correct horse battery staple';

/** The user stores under test, each holding johndoe (password 'secret', enabled). */
const STORES: [string, () => Promise<UserStore>][] = [
  ['memory', async () => createMemoryUserStore(makeUsers())],
  [
    'SQLite',
    async () => {
      const users = createSqliteUserStore(new Database(':memory:'));
      await users.migrate();
      await users.createUser({ username: 'johndoe', hashed_password: await context.hash('secret'), email: 'johndoe@example.com', disabled: false });
      return users;
    },
  ],
];

function setup(users: UserStore, options: Record<string, unknown> = {}) {
  const events: AuthEvent[] = [];
  const handle = createAuthHandler({ users, key: KEY, context, refreshTokens: true, onEvent: (e) => void events.push(e), ...options });
  return { handle, events };
}

const tokenStatus = (handle: Handler, username: string, password: string) =>
  handle(loginRequest({ username, password })).then((r) => r.status);

async function login(handle: Handler, username = 'johndoe', password = 'secret'): Promise<TokenBody> {
  const response = await handle(loginRequest({ username, password }));
  expect(response.status).toBe(200);
  return (await response.json()) as TokenBody;
}

const me = (handle: Handler, token: string) => handle(bearer('/users/me/', token)).then((r) => r.status);
const refresh = (handle: Handler, token: string) =>
  handle(loginRequest({ grant_type: 'refresh_token', refresh_token: token })).then((r) => r.status);

/** The events sent from `index` on. */
const since = (events: AuthEvent[], index: number) => events.slice(index);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(STORES)('with the %s user store', (_name, makeStore) => {
  it('setPassword: one password_changed event (no password, no hash), every old token refused, the new password works', async () => {
    const users = await makeStore();
    const { handle, events } = setup(users);
    const a = await login(handle);
    const b = await login(handle);
    expect(await me(handle, a.access_token)).toBe(200);
    const before = events.length;

    await handle.auth.setPassword('johndoe', NEW_PASSWORD);

    const sent = since(events, before);
    expect(sent).toHaveLength(1); // not an extra tokens_revoked
    expect(sent[0]).toMatchObject({ type: 'password_changed', username: 'johndoe', clientAddress: null });
    expect(sent[0]!.count).toBeGreaterThanOrEqual(2);
    const newHash = (await users.findUser('johndoe'))!.hashed_password as string;
    expect(await context.verify(NEW_PASSWORD, newHash)).toBe(true);
    const serialized = JSON.stringify(sent[0]);
    expect(serialized).not.toContain(NEW_PASSWORD);
    expect(serialized).not.toContain(newHash);
    expect(serialized).not.toContain('secret');

    expect(await me(handle, a.access_token)).toBe(401);
    expect(await me(handle, b.access_token)).toBe(401);
    expect(await refresh(handle, a.refresh_token!)).toBe(400);
    expect(await refresh(handle, b.refresh_token!)).toBe(400);
    expect(await tokenStatus(handle, 'johndoe', 'secret')).toBe(401);
    const fresh = await login(handle, 'johndoe', NEW_PASSWORD);
    expect(await me(handle, fresh.access_token)).toBe(200);
    expect(await refresh(handle, fresh.refresh_token!)).toBe(200);
  });

  it('setDisabled(true): one user_disabled event, every token refused; setDisabled(false): no event, logins work again', async () => {
    const users = await makeStore();
    const { handle, events } = setup(users);
    const a = await login(handle);
    const before = events.length;

    await handle.auth.setDisabled('johndoe', true);

    const sent = since(events, before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'user_disabled', username: 'johndoe', clientAddress: null, count: 1 });
    expect((await users.findUser('johndoe'))!.disabled).toBe(true);
    expect(await me(handle, a.access_token)).toBe(401);
    expect(await refresh(handle, a.refresh_token!)).toBe(400);

    const enabling = events.length;
    await handle.auth.setDisabled('johndoe', false);
    expect(since(events, enabling)).toEqual([]);
    expect((await users.findUser('johndoe'))!.disabled).toBe(false);
    // Enabling does not bring the old tokens back.
    expect(await me(handle, a.access_token)).toBe(401);
    const fresh = await login(handle);
    expect(await me(handle, fresh.access_token)).toBe(200);
    expect(await refresh(handle, fresh.refresh_token!)).toBe(200);
  });

  it('bad input: typed errors before anything changes, no event', async () => {
    const users = await makeStore();
    const { handle, events } = setup(users);
    const a = await login(handle);
    const before = events.length;
    const { auth } = handle;

    for (const username of ['', 42, null, undefined]) {
      const error = await rejection(auth.setPassword(username as unknown as string, NEW_PASSWORD));
      expect(error).toBeInstanceOf(UserStoreError);
      expect(error).toMatchObject({ code: 'ERR_USER_INVALID' });
      expect(await rejection(auth.setDisabled(username as unknown as string, true))).toMatchObject({ code: 'ERR_USER_INVALID' });
    }
    for (const password of ['', 42, null, new Uint8Array(3), 'x'.repeat(MAX_PASSWORD_BYTES + 1)]) {
      const error = await rejection(auth.setPassword('johndoe', password as unknown as string));
      expect(error).toBeInstanceOf(PasswordPolicyError);
      expect(error).toMatchObject({ code: 'ERR_PASSWORD_POLICY' });
    }
    for (const disabled of ['yes', 1, null, undefined]) {
      const error = await rejection(auth.setDisabled('johndoe', disabled as unknown as boolean));
      expect(error).toBeInstanceOf(UserStoreError);
      expect(error).toMatchObject({ code: 'ERR_USER_INVALID' });
    }
    // An unknown user: the store's ERR_USER_NOT_FOUND, as it is.
    expect(await rejection(auth.setPassword('nobody', NEW_PASSWORD))).toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
    expect(await rejection(auth.setDisabled('nobody', true))).toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
    expect(await rejection(auth.setDisabled('nobody', false))).toMatchObject({ code: 'ERR_USER_NOT_FOUND' });

    expect(since(events, before)).toEqual([]);
    expect(await me(handle, a.access_token)).toBe(200);
    expect(await refresh(handle, a.refresh_token!)).toBe(200);
    expect(await tokenStatus(handle, 'johndoe', 'secret')).toBe(200);
  });
});

describe('account changes on other stores', () => {
  it('a store without setPassword or setDisabled: ConfigurationError naming the method, nothing ended', async () => {
    const inner = createMemoryUserStore(makeUsers());
    const { handle, events } = setup({ findUser: (name) => inner.findUser(name) });
    const a = await login(handle);
    const before = events.length;
    for (const [call, method] of [
      [() => handle.auth.setPassword('johndoe', NEW_PASSWORD), 'setPassword'],
      [() => handle.auth.setDisabled('johndoe', true), 'setDisabled'],
      [() => handle.auth.setDisabled('johndoe', false), 'setDisabled'],
    ] as const) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain(method);
    }
    expect(since(events, before)).toEqual([]);
    expect(await refresh(handle, a.refresh_token!)).toBe(200);
  });

  it('a custom store without a stamp or sessions of its own: the new hash and the revoked sessions end the tokens', async () => {
    const records = new Map<string, UserRecord>(Object.entries(makeUsers()));
    const notFound = () => new UserStoreError('ERR_USER_NOT_FOUND', 'no such user');
    const users: UserStore = {
      findUser: (name) => records.get(name) ?? null,
      async setPassword(name, hash) {
        const user = records.get(name);
        if (!user) throw notFound();
        records.set(name, { ...user, hashed_password: hash });
      },
      async setDisabled(name, disabled) {
        const user = records.get(name);
        if (!user) throw notFound();
        records.set(name, { ...user, disabled });
      },
    };
    const { handle, events } = setup(users);
    const a = await login(handle);
    await handle.auth.setPassword('johndoe', NEW_PASSWORD);
    expect(events.at(-1)).toMatchObject({ type: 'password_changed', count: 1 });
    expect(await me(handle, a.access_token)).toBe(401);
    expect(await refresh(handle, a.refresh_token!)).toBe(400);

    // Disabling keeps the hash (and so the derived stamp): the revoked session refuses the tokens.
    const b = await login(handle, 'johndoe', NEW_PASSWORD);
    await handle.auth.setDisabled('johndoe', true);
    expect(events.at(-1)).toMatchObject({ type: 'user_disabled', count: 1 });
    expect(await me(handle, b.access_token)).toBe(401);
    expect(await refresh(handle, b.refresh_token!)).toBe(400);
  });

  it('cookie sessions in their own store end too, and are counted (setPassword, revokeAllTokens)', async () => {
    const users = createMemoryUserStore(makeUsers());
    const { handle, events } = setup(users, { origin: BASE, sessions: { store: createMemorySessionStore() } });
    const cookieLogin = async () => {
      const response = await handle(
        new Request(BASE + '/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'johndoe', password: 'secret' }) }),
      );
      expect(response.status).toBe(200);
      return response.headers.get('set-cookie')!.split(';')[0]!;
    };
    const withCookie = (cookie: string) => handle(new Request(BASE + '/users/me/', { headers: { cookie } })).then((r) => r.status);

    await login(handle);
    const cookie = await cookieLogin();
    expect(await withCookie(cookie)).toBe(200);
    expect(await handle.auth.revokeAllTokens('johndoe')).toBe(2);
    expect(events.at(-1)).toMatchObject({ type: 'tokens_revoked', count: 2 });
    expect(await withCookie(cookie)).toBe(401);

    await login(handle);
    const again = await cookieLogin();
    await handle.auth.setPassword('johndoe', NEW_PASSWORD);
    expect(events.at(-1)).toMatchObject({ type: 'password_changed', count: 2 });
    expect(await withCookie(again)).toBe(401);
  });

  it('an onEvent hook that throws or rejects breaks neither change', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    let calls = 0;
    const users = createMemoryUserStore(makeUsers());
    const handle = createAuthHandler({
      users,
      key: KEY,
      context,
      onEvent: () => {
        calls += 1;
        if (calls === 1) throw new Error('hook failed');
        return Promise.reject(new Error('hook rejected'));
      },
    });
    await expect(handle.auth.setPassword('johndoe', NEW_PASSWORD)).resolves.toBeUndefined();
    await expect(handle.auth.setDisabled('johndoe', true)).resolves.toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls).toBe(2);
    expect(error.mock.calls.map((call) => String(call[0]))).toEqual([
      'gatehouse: onEvent failed: hook failed',
      'gatehouse: onEvent failed: hook rejected',
    ]);
    expect(users.findUser('johndoe')).toMatchObject({ disabled: true });
  });
});
