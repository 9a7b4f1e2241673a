/**
 * /openapi.json with cookie sessions: POST /login, GET /sessions, DELETE /sessions/{id} and POST
 * /logout are listed (only those mounted, where they are mounted), with a SessionCookie apiKey scheme
 * naming the cookie; every listed operation is a route the handler answers; the tutorial's own
 * operations stay exactly the fixture's. Without sessions the document is the fixture byte for byte
 * (test/unit/http/http.test.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAuthHandler, type AuthHandlerOptions } from '../../../src/http/index.js';
import { BASE, KEY, context, makeUsers } from '../../helpers/http.js';

const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/http-fastapi-openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

type Doc = { paths: Record<string, Record<string, { security?: unknown; parameters?: unknown }>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } };

async function documentOf(options: Partial<AuthHandlerOptions>): Promise<{ doc: Doc; handler: (request: Request) => Promise<Response> }> {
  const handler = createAuthHandler({ users: makeUsers(), key: KEY, context, ...options });
  const response = await handler(new Request(`${BASE}/openapi.json`));
  expect(response.status).toBe(200);
  return { doc: (await response.json()) as Doc, handler };
}

describe('/openapi.json with cookie sessions', () => {
  it('lists POST /login, GET /sessions, DELETE /sessions/{id}, POST /logout and the SessionCookie scheme', async () => {
    const { doc } = await documentOf({ sessions: true });
    expect(Object.fromEntries(Object.entries(doc.paths).map(([path, ops]) => [path, Object.keys(ops)]))).toEqual({
      '/token': ['post'],
      '/users/me/': ['get'],
      '/users/me/items/': ['get'],
      '/login': ['post'],
      '/sessions': ['get'],
      '/sessions/{id}': ['delete'],
      '/logout': ['post'],
    });
    // The tutorial's operations and schemas are the fixture's, unchanged.
    for (const path of Object.keys(FIXTURE.paths)) expect(doc.paths[path]).toEqual(FIXTURE.paths[path]);
    for (const [name, schema] of Object.entries(FIXTURE.components.schemas)) expect(doc.components.schemas[name]).toEqual(schema);
    expect(doc.components.securitySchemes).toEqual({
      SessionCookie: { type: 'apiKey', in: 'cookie', name: '__Host-gatehouse-session' },
      ...FIXTURE.components.securitySchemes,
    });
    expect(doc.paths['/sessions']!.get!.security).toEqual([{ SessionCookie: [] }, { OAuth2PasswordBearer: [] }]);
    expect(doc.paths['/sessions/{id}']!.delete!.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string', title: 'Id' } }]);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(
      [...Object.keys(FIXTURE.components.schemas), 'Detail', 'Session', 'SessionLogin'].sort(),
    );
  });

  it('every listed operation is a route the handler answers (never 404 or 405)', async () => {
    const { doc, handler } = await documentOf({ sessions: { cookie: { allowHttpCookies: true } } });
    expect(doc.components.securitySchemes.SessionCookie).toEqual({ type: 'apiKey', in: 'cookie', name: 'gatehouse-session' });
    const answers: Record<string, number> = {};
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const response = await handler(new Request(BASE + path.replace('{id}', 'AAAAAAAAAAAAAAAAAAAAAA'), { method: method.toUpperCase() }));
        await response.body?.cancel();
        answers[`${method} ${path}`] = response.status;
      }
    }
    expect(answers).toEqual({
      'post /token': 422,
      'get /users/me/': 401,
      'get /users/me/items/': 401,
      'post /login': 422,
      'get /sessions': 401,
      'delete /sessions/{id}': 401,
      'post /logout': 401,
    });
  });

  it('lists only the mounted session routes, at their paths', async () => {
    const { doc } = await documentOf({
      sessions: true,
      routes: { sessions: false, items: false, token: false, me: false },
      paths: { login: '/auth/login', logout: '/auth/logout' },
    });
    expect(Object.keys(doc.paths)).toEqual(['/auth/login', '/auth/logout']);
    // No bearer route listed: the cookie alone.
    expect(doc.paths['/auth/logout']!.post!.security).toEqual([{ SessionCookie: [] }]);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(['Detail', 'SessionLogin', 'User']);
  });
});
