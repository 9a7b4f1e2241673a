/**
 * gatehouse/node's requireUserMiddleware in a real Express 5 app over HTTP: it lets a request with
 * a good token through with `req.user` set, and otherwise answers byte for byte as the handler's
 * own protected routes (served by createNodeListener in the same app) do.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Database from 'better-sqlite3';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuth, createAuthHandler, type Auth } from '../../../src/http/index.js';
import { createNodeListener, requireUserMiddleware, type UserRequest } from '../../../src/node/index.js';
import { createSqliteUserStore } from '../../../src/users/sql/sqlite.js';
import { ConfigurationError } from '../../../src/errors.js';
import { KEY, context, craft, makeUsers, nowSeconds } from '../../helpers/http.js';

const users = makeUsers();
const exp = nowSeconds() + 600;
const tokens = {
  none: undefined,
  good: craft({ payload: { sub: 'johndoe', exp } }),
  disabled: craft({ payload: { sub: 'alice', exp } }),
  unknown: craft({ payload: { sub: 'nobody', exp } }),
  badSignature: craft({ payload: { sub: 'johndoe', exp }, secret: 'another-secret-of-enough-length-0123456789' }),
  expired: craft({ payload: { sub: 'johndoe', exp: nowSeconds() - 10 } }),
  garbage: 'not.a.token',
  meOnly: craft({ payload: { sub: 'johndoe', exp, scope: 'me' } }),
  both: craft({ payload: { sub: 'johndoe', exp, scope: 'me items' } }),
};

const plain = createAuthHandler({ users, key: KEY, context });
const scoped = createAuthHandler({ users, key: KEY, context, scopes: true });
const errors: unknown[] = [];

function makeApp() {
  const app = express();
  app.get('/profile', requireUserMiddleware(plain), (req, res) => {
    const { user } = req as typeof req & UserRequest;
    res.json({ hello: user.username });
  });
  app.get('/items', requireUserMiddleware(scoped, { scopes: ['items', 'me'] }), (req, res) => {
    res.json({ items: (req as typeof req & UserRequest).user.username });
  });
  const router = express.Router();
  router.get('/whoami', requireUserMiddleware(createAuth({ users, key: KEY, context })), (req, res) => {
    res.json({ router: (req as typeof req & UserRequest).user.username });
  });
  app.use('/api', router);
  // A store that throws something that is not a store failure: Express's error handler gets it.
  const broken = createAuth({ users: { findUser: () => { throw new TypeError('bug in the store'); } }, key: KEY, context });
  app.get('/broken', requireUserMiddleware(broken), (_req, res) => void res.json({}));
  const noTable = createAuth({ users: createSqliteUserStore(new Database(':memory:')), key: KEY, context, onError: (error) => errors.push(error) });
  app.get('/down', requireUserMiddleware(noTable), (_req, res) => void res.json({}));
  // An Auth-like object without gatehouse's parts: its Response is written.
  const custom: Auth = { ...createAuth({ users, key: KEY, context }) };
  app.get('/custom', requireUserMiddleware(custom), (req, res) => void res.json({ custom: (req as typeof req & UserRequest).user.username }));
  app.use('/scoped', createNodeListener(scoped));
  app.use(createNodeListener(plain));
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    res.status(500).json({ caught: (error as Error).message });
  };
  app.use(onError);
  return app;
}

let server: Server;
let base: string;

beforeAll(async () => {
  server = makeApp().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
afterEach(() => vi.restoreAllMocks());

async function call(path: string, token?: string) {
  const response = await fetch(base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'x-powered-by', 'etag'].includes(name)),
  );
  return { status: response.status, headers, body: await response.text() };
}

describe('requireUserMiddleware in Express', () => {
  it('lets a good token through with req.user set', async () => {
    expect(await call('/profile', tokens.good)).toMatchObject({ status: 200, body: '{"hello":"johndoe"}' });
    expect(await call('/api/whoami', tokens.good)).toMatchObject({ status: 200, body: '{"router":"johndoe"}' });
    expect(await call('/items', tokens.both)).toMatchObject({ status: 200, body: '{"items":"johndoe"}' });
    expect(await call('/custom', tokens.good)).toMatchObject({ status: 200, body: '{"custom":"johndoe"}' });
  });

  it('answers every refusal exactly as the handler\'s /users/me/ does', async () => {
    for (const [name, token] of Object.entries(tokens)) {
      if (name === 'good' || name === 'meOnly' || name === 'both') continue;
      const own = await call('/users/me/', token);
      expect(own.status, name).toBeGreaterThanOrEqual(400);
      expect(await call('/profile', token), name).toEqual(own);
      expect(await call('/api/whoami', token), name).toEqual(own);
      expect(await call('/custom', token), name).toEqual(own);
    }
    expect(await call('/profile')).toEqual({
      status: 401,
      headers: {
        'content-type': 'application/json',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'www-authenticate': 'Bearer',
        'content-length': '30',
      },
      body: '{"detail":"Not authenticated"}',
    });
    expect((await call('/profile', tokens.disabled)).body).toBe('{"detail":"Inactive user"}');
  });

  it('with scopes, answers as the scoped handler\'s /users/me/items/ (Bearer scope="items me")', async () => {
    for (const token of [tokens.none, tokens.meOnly, tokens.garbage, tokens.good]) {
      const own = await call('/scoped/users/me/items/', token);
      expect(await call('/items', token)).toEqual(own);
    }
    const refused = await call('/items', tokens.meOnly);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer scope="items me"');
    expect(refused.body).toBe('{"detail":"Not enough permissions"}');
  });

  it('a failing store answers 503 and is reported; any other error goes to Express\'s error handler', async () => {
    expect(await call('/down', tokens.good)).toMatchObject({ status: 503, body: '{"detail":"Service Unavailable"}' });
    expect(errors).toHaveLength(1);
    expect(await call('/broken', tokens.good)).toMatchObject({ status: 500, body: '{"caught":"bug in the store"}' });
  });

  it('refuses what is not an Auth, and malformed options', () => {
    expect(() => requireUserMiddleware({} as never)).toThrow(ConfigurationError);
    expect(() => requireUserMiddleware(plain, { scopes: 'me' as never })).toThrow(/scopes/);
  });
});

describe('requireUserMiddleware with cookie sessions', () => {
  it('lets the session cookie through and sends the renewed cookie with the app\'s answer (once per updateAge)', async () => {
    let clock = nowSeconds();
    const sessions = createAuthHandler({
      users: makeUsers(),
      key: KEY,
      context,
      sessions: { cookie: { allowHttpCookies: true }, updateAge: '1h', now: () => clock },
    });
    const app = express();
    app.get('/profile', requireUserMiddleware(sessions), (req, res) => {
      res.json({ hello: (req as typeof req & UserRequest).user.username });
    });
    app.use(createNodeListener(sessions));
    const own = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => own.once('listening', resolve));
    try {
      const at = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
      const login = await fetch(`${at}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=johndoe&password=secret',
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

      const fresh = await fetch(`${at}/profile`, { headers: { cookie } });
      expect(await fresh.json()).toEqual({ hello: 'johndoe' });
      expect(fresh.headers.get('set-cookie')).toBeNull(); // nothing to renew yet

      clock += 3601; // past updateAge: this request renews the session
      const renewed = await fetch(`${at}/profile`, { headers: { cookie } });
      expect(await renewed.json()).toEqual({ hello: 'johndoe' });
      expect(renewed.headers.get('set-cookie')).toBe(`${cookie}; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax`);
    } finally {
      await new Promise((resolve) => own.close(resolve));
    }
  });
});
