/**
 * createAuthHandler's `cors` option (issue 22): preflights of mounted routes answered 204 with the
 * route's methods, only listed origins echoed, `Vary: Origin` on every answer, credentials only
 * when asked, never `*` with them; every answer to a listed origin (401, 404, 405, redirects)
 * carries the headers; misconfigurations refused when the handler is made.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { createAuthHandler } from '../../../src/http/index.js';
import { BASE, KEY, context, loginRequest, makeUsers } from '../../helpers/http.js';

const users = makeUsers();
const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

const handlerWith = (cors?: Parameters<typeof createAuthHandler>[0]['cors']) => createAuthHandler({ users, key: KEY, context, cors });

function call(handler: (r: Request) => Promise<Response>, path: string, init: RequestInit & { origin?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.origin !== undefined) headers.set('origin', init.origin);
  return handler(new Request(BASE + path, { ...init, headers }));
}

const preflight = (path: string, origin: string, method = 'GET', requested = 'authorization') => ({
  method: 'OPTIONS',
  origin,
  headers: { 'access-control-request-method': method, 'access-control-request-headers': requested },
});

/** The CORS-related headers of a response, by name. */
function corsHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));
}

async function tokenOf(handler: (r: Request) => Promise<Response>): Promise<string> {
  const response = await handler(loginRequest({ username: 'johndoe', password: 'secret' }));
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('cors option', () => {
  const handler = handlerWith({ origins: [APP, 'http://localhost:5173'] });

  it('without cors: no CORS headers and a preflight is a 405, as before', async () => {
    const plain = handlerWith();
    const answer = await call(plain, '/users/me/', preflight('/users/me/', APP));
    expect(answer.status).toBe(405);
    expect(corsHeaders(answer)).toEqual({});
    expect(corsHeaders(await call(plain, '/users/me/', { origin: APP }))).toEqual({});
  });

  it('a preflight from a listed origin: 204, the route methods, Authorization and Content-Type, max-age, Vary', async () => {
    const answer = await call(handler, '/users/me/', preflight('/users/me/', APP));
    expect(answer.status).toBe(204);
    expect(await answer.text()).toBe('');
    expect(corsHeaders(answer)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'Authorization, Content-Type',
      'access-control-max-age': '600',
      'access-control-expose-headers': 'WWW-Authenticate, Retry-After',
      vary: 'Origin',
    });
    const token = await call(handler, '/token', preflight('/token', 'http://localhost:5173', 'POST', 'content-type'));
    expect(token.headers.get('access-control-allow-methods')).toBe('POST');
    expect(token.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(token.headers.has('access-control-allow-credentials')).toBe(false);
  });

  it('a preflight from an unlisted origin: 204 without Allow headers (the browser blocks)', async () => {
    for (const origin of [EVIL, `${APP}/`, 'null', 'HTTPS://APP.EXAMPLE.COM', 'https://app.example.com:443']) {
      const answer = await call(handler, '/users/me/', preflight('/users/me/', origin));
      expect(answer.status, origin).toBe(204);
      expect(corsHeaders(answer), origin).toEqual({ vary: 'Origin' });
    }
  });

  it('answers to a listed origin carry the headers, errors included', async () => {
    const token = await tokenOf(handler);
    const me = await call(handler, '/users/me/', { origin: APP, headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe('johndoe');
    const expected = { 'access-control-allow-origin': APP, 'access-control-expose-headers': 'WWW-Authenticate, Retry-After', vary: 'Origin' };
    expect(corsHeaders(me)).toEqual(expected);
    for (const [path, init, status] of [
      ['/users/me/', {}, 401],
      ['/users/me/', { headers: { authorization: 'Bearer nope' } }, 401],
      ['/nowhere', {}, 404],
      ['/users/me/', { method: 'DELETE' }, 405],
      ['/users/me', {}, 307],
      ['/token', { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'wrong' }) }, 401],
      ['/users/me/', { method: 'OPTIONS' }, 405], // OPTIONS without Access-Control-Request-Method is no preflight
    ] as const) {
      const answer = await call(handler, path, { ...init, origin: APP });
      expect(answer.status, `${path} ${status}`).toBe(status);
      expect(corsHeaders(answer), `${path} ${status}`).toEqual(expected);
    }
    // A preflight of an unknown path is a 404 (the browser then blocks), still readable as such.
    const unknown = await call(handler, '/nowhere', preflight('/nowhere', APP));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('answers to unlisted origins and to requests without Origin: only Vary: Origin', async () => {
    const token = await tokenOf(handler);
    for (const origin of [EVIL, undefined]) {
      const me = await call(handler, '/users/me/', { origin, headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200); // CORS is the browser's to enforce; the server answers as always
      expect(corsHeaders(me)).toEqual({ vary: 'Origin' });
    }
    expect(corsHeaders(await call(handler, '/openapi.json', {}))).toEqual({ vary: 'Origin' });
  });

  it('credentials: Access-Control-Allow-Credentials on preflights and answers to listed origins only', async () => {
    const withCredentials = handlerWith({ origins: [APP], credentials: true, maxAge: 7200, allowHeaders: ['X-Requested-With'], exposeHeaders: [] });
    const answer = await call(withCredentials, '/users/me/', preflight('/users/me/', APP));
    expect(corsHeaders(answer)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'Authorization, Content-Type, X-Requested-With',
      'access-control-max-age': '7200',
      vary: 'Origin',
    });
    expect(corsHeaders(await call(withCredentials, '/users/me/', { origin: APP }))).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    });
    expect(corsHeaders(await call(withCredentials, '/users/me/', { origin: EVIL }))).toEqual({ vary: 'Origin' });
  });

  it("origins '*': any page, no credentials, no Vary (the answer does not depend on Origin)", async () => {
    const any = handlerWith({ origins: '*' });
    expect(corsHeaders(await call(any, '/users/me/', { origin: EVIL }))).toEqual({
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'WWW-Authenticate, Retry-After',
    });
    const answer = await call(any, '/users/me/', preflight('/users/me/', EVIL));
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET');
    expect(handlerWith({ origins: ['*'] })).toBeTypeOf('function');
  });

  it('refuses misconfigurations when the handler is made', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ origins: '*', credentials: true }, /cannot be used with credentials/],
      [{ origins: ['*'], credentials: true }, /cannot be used with credentials/],
      [{ origins: ['*', APP] }, /list no others/],
      [{ origins: [`${APP}/`] }, /without a path, query or trailing slash/],
      [{ origins: [`${APP}/app`] }, /not an origin/],
      [{ origins: [`${APP}?x=1`] }, /not an origin/],
      [{ origins: ['app.example.com'] }, /not an http\(s\) origin/],
      [{ origins: ['chrome-extension://abcdef'] }, /not an http\(s\) origin/],
      [{ origins: ['file:///tmp/x.html'] }, /not an http\(s\) origin/],
      [{ origins: ['null'] }, /not an http\(s\) origin/],
      [{ origins: [APP, 'https://APP.example.com'] }, /listed twice/],
      [{ origins: [] }, /lists no origin/],
      [{ origins: APP }, /must be an array/],
      [{}, /must be an array/],
      [{ origins: [APP], credentials: 'yes' }, /credentials must be a boolean/],
      [{ origins: [APP], maxAge: -1 }, /maxAge/],
      [{ origins: [APP], maxAge: 86401 }, /maxAge/],
      [{ origins: [APP], allowHeaders: ['X Bad'] }, /allowHeaders/],
      [{ origins: [APP], origin: APP }, /unknown option "origin"/],
      [[APP], /must be an object/],
    ];
    for (const [cors, message] of bad) {
      expect(() => handlerWith(cors as never), JSON.stringify(cors)).toThrow(ConfigurationError);
      expect(() => handlerWith(cors as never), JSON.stringify(cors)).toThrow(message);
    }
  });
});
