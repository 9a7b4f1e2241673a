/**
 * Issue 7, part 6: the headers of every answer. Token answers are never stored (RFC 6749 5.1:
 * Cache-Control: no-store, Pragma: no-cache); /users/me/, /users/me/items/ and every error are
 * no-store; /docs carries a CSP of its own assets only (its inline script by hash) and
 * X-Frame-Options: DENY; every answer has X-Content-Type-Options: nosniff. And maxTokenAge: the
 * handler refuses tokens signed with its key for a longer life than its own tokenTtl (plus leeway).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuth, createAuthHandler } from '../../../src/http/index.js';
import { KEY, BASE, bearer, context, craft, loginRequest, makeUsers, nowSeconds } from '../../helpers/http.js';

const users = makeUsers();
const handle = createAuthHandler({ users, key: KEY, context, onError: () => {} });
const tokenFor = (sub: string, extra: Record<string, unknown> = {}) => craft({ payload: { sub, exp: nowSeconds() + 600, ...extra } });

describe('cache and type headers', () => {
  it('a token answer: no-store, Pragma no-cache, nosniff', async () => {
    const response = await handle(loginRequest({ username: 'johndoe', password: 'secret' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-type')).toBe('application/json');
  });

  it('/users/me/ and /users/me/items/: no-store, nosniff', async () => {
    for (const path of ['/users/me/', '/users/me/items/']) {
      const response = await handle(bearer(path, tokenFor('johndoe')));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('every error answer: no-store, nosniff', async () => {
    const requests: Array<[number, Request]> = [
      [401, loginRequest({ username: 'johndoe', password: 'wrong' })],
      [422, loginRequest({ username: 'johndoe' })],
      [401, new Request(`${BASE}/users/me/`)],
      [401, bearer('/users/me/', 'garbage')],
      [400, bearer('/users/me/', tokenFor('alice'))],
      [404, new Request(`${BASE}/nope`)],
      [405, new Request(`${BASE}/token`)],
      [413, new Request(`${BASE}/token`, { method: 'POST', body: 'x'.repeat(70_000), headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ];
    for (const [status, request] of requests) {
      const response = await handle(request);
      expect(response.status).toBe(status);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('pragma')).toBeNull(); // only where a token is
    }
  });

  it('a 500 answer: no-store, nosniff', async () => {
    const broken = createAuthHandler({
      users: { findUser: () => Promise.reject(new Error('down')) },
      key: KEY,
      context,
      onError: () => {},
    });
    const response = await broken(bearer('/users/me/', tokenFor('johndoe')));
    expect(response.status).toBe(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('nosniff on every answer of every route, including redirects, HEAD and docs assets', async () => {
    const paths = ['/token', '/users/me', '/users/me/', '/docs', '/docs/', '/docs/oauth2-redirect', '/docs/swagger-ui.css', '/openapi.json', '/'];
    for (const path of paths) {
      for (const method of ['GET', 'HEAD', 'POST']) {
        const response = await handle(new Request(BASE + path, { method }));
        expect(response.headers.get('x-content-type-options'), `${method} ${path}`).toBe('nosniff');
      }
    }
  });

  it('requireUser answers for an app\'s own routes are no-store too', async () => {
    const auth = createAuth({ users, key: KEY, context });
    const result = await auth.requireUser(new Request(`${BASE}/mine`));
    expect(result.response?.status).toBe(401);
    expect(result.response?.headers.get('cache-control')).toBe('no-store');
  });
});

describe('/docs security headers', () => {
  it('a CSP allowing only its own assets, its inline script by hash; no framing', async () => {
    for (const path of ['/docs', '/docs/oauth2-redirect']) {
      const response = await handle(new Request(BASE + path));
      expect(response.status).toBe(200);
      const html = await response.text();
      const csp = response.headers.get('content-security-policy')!;
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
      expect(directives['default-src']).toEqual(["'none'"]);
      expect(directives['frame-ancestors']).toEqual(["'none'"]);
      expect(directives['connect-src']).toEqual(["'self'"]);
      // Every inline script is allowed by its own hash, and nothing else but 'self'.
      const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
        (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
      );
      expect(directives['script-src']).toEqual(["'self'", ...inline]);
      expect(csp).not.toMatch(/unsafe-eval|\*|https?:/);
    }
    const page = await (await handle(new Request(`${BASE}/docs`))).text();
    expect(page).toContain('SwaggerUIBundle({'); // still FastAPI's page, inline script and all
  });
});

describe('maxTokenAge in the handler: tokenTtl plus 60 s of leeway', () => {
  it('refuses a token signed with the key for a longer life than tokenTtl', async () => {
    const now = nowSeconds();
    const cases: Array<[string, Record<string, unknown>, number]> = [
      ['exp 10 minutes ahead', { exp: now + 600 }, 200],
      ['exp 30 minutes ahead (tokenTtl)', { exp: now + 1800 }, 200],
      ['exp 30 minutes + 50 s ahead (within leeway)', { exp: now + 1850 }, 200],
      ['exp a year ahead', { exp: now + 365 * 86400 }, 401],
      ['exp 2 hours ahead', { exp: now + 7200 }, 401],
      ['iat long ago, exp soon: exp - iat too long', { iat: now - 86400, exp: now + 600 }, 401],
      ['iat now, exp 20 minutes ahead', { iat: now, exp: now + 1200 }, 200],
    ];
    for (const [name, claims, status] of cases) {
      const response = await handle(bearer('/users/me/', craft({ payload: { sub: 'johndoe', ...claims } })));
      expect(response.status, name).toBe(status);
      if (status === 401) expect(await response.text()).toBe('{"detail":"Could not validate credentials"}');
    }
  });

  it('follows tokenTtl, takes its own maxTokenAge, and false turns it off', async () => {
    const long = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 3 * 3600 } });
    const day = createAuthHandler({ users, key: KEY, context, tokenTtl: '1d' });
    expect((await day(bearer('/users/me/', long))).status).toBe(200);
    const strict = createAuthHandler({ users, key: KEY, context, tokenTtl: '1d', maxTokenAge: '1h' });
    expect((await strict(bearer('/users/me/', long))).status).toBe(401);
    const off = createAuthHandler({ users, key: KEY, context, maxTokenAge: false });
    expect((await off(bearer('/users/me/', long))).status).toBe(200);
  });

  it('its own tokens pass', async () => {
    const login = await handle(loginRequest({ username: 'johndoe', password: 'secret' }));
    const { access_token } = (await login.json()) as { access_token: string };
    expect((await handle(bearer('/users/me/', access_token))).status).toBe(200);
  });
});
