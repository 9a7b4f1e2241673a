/**
 * createAuthHandler's `routes` option: an app keeps only the routes it wants (the tutorial's
 * /users/me/items/ is not forced on it), and /openapi.json lists only the mounted ones.
 */
import { describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { createOpenApiDocument } from '../../../src/http/openapi.js';
import { ConfigurationError } from '../../../src/errors.js';
import { BASE, KEY, bearer, context, loginRequest, makeUsers } from '../../helpers/http.js';

const users = makeUsers();

async function tokenOf(h: (r: Request) => Promise<Response>, path = '/token'): Promise<string> {
  const response = await h(loginRequest({ username: 'johndoe', password: 'secret' }, path));
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const get = (h: (r: Request) => Promise<Response>, path: string) => h(new Request(BASE + path));

describe('routes option', () => {
  it('mounts every tutorial route by default (the conformance app)', async () => {
    const h = createAuthHandler({ users, key: KEY, context });
    const token = await tokenOf(h);
    expect((await h(bearer('/users/me/items/', token))).status).toBe(200);
    const doc = (await (await get(h, '/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(['/token', '/users/me/', '/users/me/items/']);
  });

  it('items: false drops /users/me/items/ (404 like any unknown path) and from OpenAPI', async () => {
    const h = createAuthHandler({ users, key: KEY, context, routes: { items: false } });
    const token = await tokenOf(h);
    const items = await h(bearer('/users/me/items/', token));
    expect(items.status).toBe(404);
    expect(await items.text()).toBe('{"detail":"Not Found"}');
    // No trailing-slash redirect to a route that is not there either.
    expect((await get(h, '/users/me/items')).status).toBe(404);
    expect((await h(bearer('/users/me/', token))).status).toBe(200);
    const doc = (await (await get(h, '/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(['/token', '/users/me/']);
  });

  it('a string mounts the route at that path', async () => {
    const h = createAuthHandler({ users, key: KEY, context, routes: { token: '/auth/token', me: '/auth/me', items: false } });
    expect((await h(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(404);
    const token = await tokenOf(h, '/auth/token');
    const me = await h(bearer('/auth/me', token));
    expect(await me.json()).toMatchObject({ username: 'johndoe' });
    const doc = (await (await get(h, '/openapi.json')).json()) as any;
    expect(Object.keys(doc.paths)).toEqual(['/auth/token', '/auth/me']);
    expect(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl).toBe('auth/token');
  });

  it('only the token route: a login endpoint for an app that protects its own routes', async () => {
    const h = createAuthHandler({ users, key: KEY, context, routes: { me: false, items: false, docs: false, openapi: false } });
    const token = await tokenOf(h);
    expect((await h(bearer('/users/me/', token))).status).toBe(404);
    expect((await get(h, '/openapi.json')).status).toBe(404);
    expect((await get(h, '/docs')).status).toBe(404);
    expect((await h.auth.requireUser(bearer('/anything', token))).user?.username).toBe('johndoe');
  });

  it('openapi without the docs page', async () => {
    const h = createAuthHandler({ users, key: KEY, context, routes: { docs: false } });
    expect((await get(h, '/openapi.json')).status).toBe(200);
    expect((await get(h, '/docs')).status).toBe(404);
    expect((await get(h, '/docs/oauth2-redirect')).status).toBe(404);
  });

  it('lists only the schemas the mounted routes use', () => {
    const doc = createOpenApiDocument({ paths: { token: '/token', me: '/me', items: '/items' }, scopes: null, routes: ['me'] }) as any;
    expect(Object.keys(doc.paths)).toEqual(['/me']);
    expect(Object.keys(doc.components.schemas)).toEqual(['User']);
    expect(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl).toBe('token');
  });

  it('refuses contradictory or malformed route options', () => {
    const bad = (routes: unknown, extra: object = {}) => () =>
      createAuthHandler({ users, key: KEY, context, routes: routes as never, ...extra });
    expect(bad({ docs: true, openapi: false })).toThrow(ConfigurationError);
    expect(bad({ docs: true, openapi: false })).toThrow(/routes\.docs needs routes\.openapi/);
    expect(bad({ token: '/a' }, { paths: { token: '/b' } })).toThrow(/routes\.token and paths\.token/);
    expect(bad({ docs: true }, { docs: false })).toThrow(/docs: false/);
    expect(bad({ me: 'no-slash' })).toThrow(/routes\.me/);
    expect(bad({ me: 1 })).toThrow(/routes\.me/);
    expect(bad({ nope: true })).toThrow(/unknown route "nope"/);
    expect(bad('items')).toThrow(/routes must be an object/);
  });

  it('with scopes, only the mounted routes need theirs declared', () => {
    expect(() => createAuthHandler({ users, key: KEY, context, scopes: { me: 'Me.' } })).toThrow(/"me" and "items"/);
    expect(() => createAuthHandler({ users, key: KEY, context, scopes: { me: 'Me.' }, routes: { items: false } })).not.toThrow();
  });
});
