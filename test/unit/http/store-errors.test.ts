/**
 * A user store that fails (here: a real SQLite database without the users table) answers 503, and
 * the operator hears why: on the console by default, one line per kind of failure at most once a
 * minute, naming the code and the driver's message, never the password; to `onError` (every time,
 * with the request) when it is given.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuth, createAuthHandler } from '../../../src/http/index.js';
import { UserStoreError } from '../../../src/errors.js';
import { createSqliteUserStore } from '../../../src/users/sql/sqlite.js';
import { KEY, bearer, context, craft, loginRequest, nowSeconds } from '../../helpers/http.js';

const PASSWORD = 'hunter2-do-not-log';
const token = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 600 } });

/** A store on an empty database: every lookup fails with "no such table". */
const noTable = () => createSqliteUserStore(new Database(':memory:'));

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('user store failures', () => {
  it('are reported on the console by default: once per kind, with the driver message, never the password', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const h = createAuthHandler({ users: noTable(), key: KEY, context });
    for (let i = 0; i < 5; i++) {
      const response = await h(loginRequest({ username: 'johndoe', password: PASSWORD }));
      expect(response.status).toBe(503);
      expect(await response.text()).toBe('{"detail":"Service Unavailable"}');
    }
    expect(log).toHaveBeenCalledTimes(1);
    const line = log.mock.calls[0]!.join(' ');
    expect(line).toMatch(/^gatehouse: the user store failed, answered 503: ERR_USER_STORE_QUERY: findUser: /);
    expect(line).toContain('no such table: users');
    expect(line).not.toContain(PASSWORD);
    expect(line).not.toContain('\n');
    // requireUser's failures go the same way.
    expect((await h(bearer('/users/me/', token))).status).toBe(503);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('report the same kind again after a minute, with how many were not printed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const auth = createAuth({ users: noTable(), key: KEY, context });
    for (let i = 0; i < 3; i++) expect((await auth.requireUser(bearer('/', token))).response?.status).toBe(503);
    expect(log).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(59_000);
    await auth.requireUser(bearer('/', token));
    expect(log).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    await auth.requireUser(bearer('/', token));
    expect(log).toHaveBeenCalledTimes(2);
    expect(String(log.mock.calls[1]![0])).toContain('(and 3 more since the last report)');
  });

  it('go to onError instead, every time, with the request', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const seen: Array<[unknown, string]> = [];
    const h = createAuthHandler({ users: noTable(), key: KEY, context, onError: (error, request) => seen.push([error, request.url]) });
    expect((await h(loginRequest({ username: 'johndoe', password: PASSWORD }))).status).toBe(503);
    expect((await h(bearer('/users/me/', token))).status).toBe(503);
    expect((await h(bearer('/users/me/', token))).status).toBe(503);
    expect(log).not.toHaveBeenCalled();
    expect(seen.map(([, url]) => url)).toEqual(['http://testserver/token', 'http://testserver/users/me/', 'http://testserver/users/me/']);
    for (const [error] of seen) {
      expect(error).toBeInstanceOf(UserStoreError);
      expect((error as UserStoreError).code).toBe('ERR_USER_STORE_QUERY');
    }
  });

  it('a store that rejects asynchronously is reported too; a throwing onError changes nothing', async () => {
    const errors: unknown[] = [];
    const down = new UserStoreError('ERR_USER_STORE_UNAVAILABLE', 'findUser: the database is unavailable', { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
    const users = { findUser: () => Promise.reject(down) };
    const auth = createAuth({ users, key: KEY, context, onError: (error) => { errors.push(error); throw new Error('broken logger'); } });
    expect((await auth.requireUser(bearer('/', token))).response?.status).toBe(503);
    expect((await auth.login(loginRequest({ username: 'johndoe', password: PASSWORD }))).status).toBe(503);
    expect(errors).toEqual([down, down]);
  });
});
