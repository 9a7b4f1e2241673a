/**
 * The handler through Request objects, against test/fixtures/conformance/http-contract.md (FastAPI's
 * behaviour): every row of the contract table, the 422 shapes, the form rules, limits, redirects,
 * 405/HEAD, the scopes variant, OpenAPI and /docs.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { createAuthHandler, createAuth, readBearerToken, readLoginForm, TUTORIAL_SCOPES } from '../../../src/http/index.js';
import { ConfigurationError } from '../../../src/errors.js';
import { importTokenKey } from '../../../src/tokens/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { createMemoryUserStore } from '../../../src/users/index.js';
import {
  BASE,
  KEY,
  bearer,
  context,
  craft,
  decodePayload,
  loginRequest,
  makeUsers,
  nowSeconds,
  read,
} from '../../helpers/http.js';

const users = makeUsers();
const handle = createAuthHandler({ users, key: KEY, context });

async function tokenOf(h: (r: Request) => Promise<Response>, username: string, password: string, scope?: string) {
  const fields: Record<string, string> = { username, password };
  if (scope !== undefined) fields.scope = scope;
  const response = await h(loginRequest(fields));
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const CREDENTIALS = '{"detail":"Could not validate credentials"}';
const NOT_AUTHENTICATED = '{"detail":"Not authenticated"}';

describe('POST /token', () => {
  it('answers a good form with a bearer token: HS256, sub, exp 30 minutes ahead', async () => {
    const before = nowSeconds();
    const response = await handle(loginRequest({ username: 'johndoe', password: 'secret' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const text = await response.text();
    expect(text).toMatch(/^\{"access_token":"[\w-]+\.[\w-]+\.[\w-]+","token_type":"bearer"\}$/);
    const token = JSON.parse(text).access_token as string;
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const payload = decodePayload(token);
    expect(Object.keys(payload)).toEqual(['sub', 'stp', 'exp']);
    expect(payload.sub).toBe('johndoe');
    expect(payload.exp).toBeGreaterThanOrEqual(before + 1800);
    expect(payload.exp).toBeLessThanOrEqual(nowSeconds() + 1800);
    // The signature is the seed key's HMAC (checked independently).
    expect(craft({ payload: JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) }).split('.')[2]).toBe(
      token.split('.')[2],
    );
  });

  it('honours tokenTtl', async () => {
    const h = createAuthHandler({ users, key: KEY, context, tokenTtl: 90 });
    const token = await tokenOf(h, 'johndoe', 'secret');
    const exp = decodePayload(token).exp as number;
    expect(exp - nowSeconds()).toBeGreaterThan(85);
    expect(exp - nowSeconds()).toBeLessThanOrEqual(90);
  });

  it('accepts grant_type=password, multipart, scope and client fields, and ignores Basic auth', async () => {
    const a = await handle(loginRequest({ grant_type: 'password', username: 'johndoe', password: 'secret' }));
    expect(a.status).toBe(200);
    const form = new FormData();
    form.append('username', 'johndoe');
    form.append('password', 'secret');
    const b = await handle(new Request(`${BASE}/token`, { method: 'POST', body: form }));
    expect(b.status).toBe(200);
    const c = await handle(
      new Request(`${BASE}/token`, {
        method: 'POST',
        headers: { authorization: 'Basic Og==' },
        body: new URLSearchParams({ username: 'johndoe', password: 'secret', scope: 'me items', client_id: 'x', client_secret: 'y' }),
      }),
    );
    expect(c.status).toBe(200);
    // Without declared scopes the token has no scope claim (the base tutorial).
    expect(decodePayload(((await c.json()) as { access_token: string }).access_token)).not.toHaveProperty('scope');
  });

  it.each([
    ['wrong password', { username: 'johndoe', password: 'wrong' }],
    ['unknown user', { username: 'nobody', password: 'secret' }],
    ['user without a hash', { username: 'nohash', password: '' + 'x' }],
    ['password differing in case', { username: 'johndoe', password: 'Secret' }],
  ])('answers 401 with a Bearer challenge for a %s', async (_, fields) => {
    expect(await read(await handle(loginRequest(fields)))).toEqual({
      status: 401,
      contentType: 'application/json',
      challenge: 'Bearer',
      text: '{"detail":"Incorrect username or password"}',
    });
  });

  it('gives a disabled user a token (the tutorial checks disabled on protected routes only)', async () => {
    const token = await tokenOf(handle, 'alice', 'secret2');
    expect(decodePayload(token).sub).toBe('alice');
  });

  const missing = (field: string) => ({ type: 'missing', loc: ['body', field], msg: 'Field required', input: null });

  it.each([
    ['both fields missing', 'a=b', [missing('username'), missing('password')]],
    ['empty body', '', [missing('username'), missing('password')]],
    ['empty password', 'username=johndoe&password=', [missing('password')]],
    ['empty username', 'username=&password=secret', [missing('username')]],
    ['missing password', 'username=johndoe', [missing('password')]],
    ['a key without =', 'username&password=x', [missing('username')]],
  ])('answers 422 for %s, shaped as pydantic v2', async (_, body, detail) => {
    const response = await handle(
      new Request(`${BASE}/token`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    );
    expect(await read(response)).toEqual({ status: 422, contentType: 'application/json', challenge: null, text: JSON.stringify({ detail }) });
  });

  it('answers 422 string_pattern_mismatch for a grant_type other than "password", before the missing fields', async () => {
    const response = await handle(loginRequest({ grant_type: 'client_credentials', password: 'x' }));
    expect(response.status).toBe(422);
    expect(await response.text()).toBe(
      '{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern \'^password$\'","input":"client_credentials","ctx":{"pattern":"^password$"}},' +
        '{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}]}',
    );
    for (const value of ['Password', 'password ', 'password\n', ' password']) {
      const r = await handle(loginRequest({ grant_type: value, username: 'johndoe', password: 'secret' }));
      expect(r.status).toBe(422);
      expect(((await r.json()) as { detail: Array<{ input: string }> }).detail[0]!.input).toBe(value);
    }
  });

  it('reads an empty grant_type as absent', async () => {
    expect((await handle(loginRequest({ grant_type: '', username: 'johndoe', password: 'secret' }))).status).toBe(200);
  });

  it('reads other or missing content types as an empty form (422, not 415)', async () => {
    const body = JSON.stringify({ username: 'johndoe', password: 'secret' });
    for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'text/plain' }, {}] as Array<Record<string, string>>) {
      const response = await handle(new Request(`${BASE}/token`, { method: 'POST', body: new TextEncoder().encode(body), headers }));
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual({ detail: [missing('username'), missing('password')] });
    }
  });

  it('matches the media type case-insensitively, with parameters', async () => {
    const response = await handle(
      new Request(`${BASE}/token`, {
        method: 'POST',
        body: 'username=johndoe&password=secret',
        headers: { 'content-type': 'Application/X-WWW-Form-URLEncoded ; charset=UTF-8' },
      }),
    );
    expect(response.status).toBe(200);
  });

  it('decodes + and %XX, keeps the last of repeated keys and ignores the query string', async () => {
    const pw = 'p a+s%s/é€';
    const h = createAuthHandler({
      users: { 'j d': { username: 'j d', hashed_password: await context.hash(pw) } },
      key: KEY,
      context,
    });
    const body = `username=wrong&username=j+d&password=${encodeURIComponent(pw).replace(/%20/g, '+')}`;
    const ok = await h(
      new Request(`${BASE}/token?username=nobody&password=x`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect(ok.status).toBe(200);
    const onlyQuery = await h(new Request(`${BASE}/token?username=j+d&password=x`, { method: 'POST' }));
    expect(onlyQuery.status).toBe(422);
  });

  it('reads the login form on its own (readLoginForm)', async () => {
    const form = await readLoginForm(loginRequest({ username: 'u', password: 'p', scope: ' me\titems  ', client_id: 'c' }));
    expect(form).toEqual({
      grantType: null,
      username: 'u',
      password: 'p',
      scope: ' me\titems  ',
      scopes: ['me', 'items'],
      clientId: 'c',
      clientSecret: null,
    });
  });

  describe('multipart', () => {
    const multipart = (body: string, boundary: string | null = 'XyZ') =>
      new Request(`${BASE}/token`, {
        method: 'POST',
        body,
        headers: { 'content-type': boundary === null ? 'multipart/form-data' : `multipart/form-data; boundary=${boundary}` },
      });
    const part = (name: string, value: string, extra = '') =>
      `--XyZ\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;

    it('answers 400 "Missing boundary in multipart." without a boundary', async () => {
      expect(await read(await handle(multipart('whatever', null)))).toEqual({
        status: 400,
        contentType: 'application/json',
        challenge: null,
        text: '{"detail":"Missing boundary in multipart."}',
      });
    });

    it('parses parts with a quoted boundary, a preamble, part headers and UTF-8 values', async () => {
      const pw = 'sé\r\ncret"';
      const h = createAuthHandler({ users: { u: { username: 'u', hashed_password: await context.hash(pw) } }, key: KEY, context });
      const body = `preamble\r\n${part('username', 'u')}--XyZ\r\ncontent-type: text/plain\r\nCONTENT-DISPOSITION: form-data; name=password\r\n\r\n${pw}\r\n--XyZ--\r\nepilogue`;
      const response = await h(multipart(body, '"XyZ"'));
      expect(response.status).toBe(200);
    });

    it('answers 400 for malformed bodies', async () => {
      for (const body of [
        'no boundary here',
        `${part('username', 'u')}`, // never closed
        `--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--`, // no name
        `--XyZ\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--XyZ--`,
        `--XyZ\r\nContent-Disposition: form-data; name="a"\r\nx\r\n--XyZ--`, // no blank line
        `--XyZjunk\r\n`,
      ]) {
        expect(await read(await handle(multipart(body)))).toEqual({
          status: 400,
          contentType: 'application/json',
          challenge: null,
          text: '{"detail":"There was an error parsing the body"}',
        });
      }
    });

    it('reads an empty multipart form (only the close delimiter) as missing fields', async () => {
      const response = await handle(multipart('--XyZ--\r\n'));
      expect(response.status).toBe(422);
    });

    it('answers 422 string_type for a file where a text field belongs', async () => {
      const body = `${part('username', 'evil', '; filename="a.txt"')}${part('password', 'x')}--XyZ--\r\n`;
      const response = await handle(multipart(body));
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual({
        detail: [{ type: 'string_type', loc: ['body', 'username'], msg: 'Input should be a valid string', input: null }],
      });
    });
  });

  describe('body limits', () => {
    const streamOf = (chunks: number, size: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < chunks; i++) controller.enqueue(new Uint8Array(size).fill(97));
          controller.close();
        },
      });

    it('answers 413 for a streamed body over 64 KiB, counting bytes (no Content-Length)', async () => {
      const request = new Request(`${BASE}/token`, {
        method: 'POST',
        body: streamOf(65, 1024 + 1),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        duplex: 'half',
      } as RequestInit);
      expect(await read(await handle(request))).toEqual({
        status: 413,
        contentType: 'application/json',
        challenge: null,
        text: '{"detail":"Request Entity Too Large"}',
      });
    });

    it('accepts exactly 64 KiB', async () => {
      const body = `username=johndoe&password=secret&pad=${'a'.repeat(65536 - 37)}`;
      expect(body.length).toBe(65536);
      const response = await handle(
        new Request(`${BASE}/token`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      );
      expect(response.status).toBe(200);
      const over = await handle(
        new Request(`${BASE}/token`, { method: 'POST', body: `${body}a`, headers: { 'content-type': 'multipart/form-data; boundary=b' } }),
      );
      expect(over.status).toBe(413);
    });

    it('answers 413 from Content-Length alone, without reading the body', async () => {
      let pulled = false;
      const body = new ReadableStream(
        {
          pull() {
            pulled = true;
            throw new Error('must not be read');
          },
        },
        { highWaterMark: 0 }, // pulled only when someone reads
      );
      const request = new Request(`${BASE}/token`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '1000000' },
        duplex: 'half',
      } as RequestInit);
      expect((await handle(request)).status).toBe(413);
      expect(pulled).toBe(false);
    });

    it('honours maxBodyBytes', async () => {
      const h = createAuthHandler({ users, key: KEY, context, maxBodyBytes: 16 });
      expect((await h(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(413);
    });

    it('answers 400 when the body stream fails', async () => {
      const body = new ReadableStream({
        pull(controller) {
          controller.error(new Error('connection reset'));
        },
      });
      const request = new Request(`${BASE}/token`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        duplex: 'half',
      } as RequestInit);
      expect(await (await handle(request)).json()).toEqual({ detail: 'There was an error parsing the body' });
    });
  });
});

describe('protected routes', () => {
  it('GET /users/me/ gives the public fields in order, never the hash', async () => {
    const token = await tokenOf(handle, 'johndoe', 'secret');
    expect(await read(await handle(bearer('/users/me/', token)))).toEqual({
      status: 200,
      contentType: 'application/json',
      challenge: null,
      text: '{"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe","disabled":false}',
    });
    const minimal = await tokenOf(handle, 'minimal', 'pw');
    expect(await (await handle(bearer('/users/me/', minimal))).text()).toBe(
      '{"username":"minimal","email":null,"full_name":null,"disabled":null}',
    );
  });

  it('GET /users/me/items/ gives the owner\'s items', async () => {
    const token = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 60 } });
    const response = await handle(bearer('/users/me/items/', token));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('[{"item_id":"Foo","owner":"johndoe"}]');
  });

  it('accepts any case of the scheme and trims the token', async () => {
    const token = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 60 } });
    for (const header of [`bearer ${token}`, `BEARER ${token}`, `Bearer   ${token}  `]) {
      const response = await handle(new Request(`${BASE}/users/me/`, { headers: { authorization: header } }));
      expect(response.status).toBe(200);
    }
  });

  it.each([
    ['no header', undefined],
    ['Basic credentials', 'Basic am9obmRvZTpzZWNyZXQ='],
    ['a tab instead of a space', 'Bearer\tabc'],
    ['another scheme starting like bearer', 'Bearerx abc'],
    ['a token without a scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.x'],
  ])('answers 401 "Not authenticated" for %s', async (_, authorization) => {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    for (const path of ['/users/me/', '/users/me/items/']) {
      expect(await read(await handle(new Request(BASE + path, { headers })))).toEqual({
        status: 401,
        contentType: 'application/json',
        challenge: 'Bearer',
        text: NOT_AUTHENTICATED,
      });
    }
  });

  const later = () => nowSeconds() + 600;
  it.each([
    ['"Bearer" alone (an empty token)', () => ''],
    ['garbage', () => 'garbage'],
    ['a tampered signature', () => craft({ payload: { sub: 'johndoe', exp: later() }, signature: 'A'.repeat(43) })],
    ['another secret', () => craft({ payload: { sub: 'johndoe', exp: later() }, secret: 'not-the-key' })],
    ['an expired token', () => craft({ payload: { sub: 'johndoe', exp: nowSeconds() - 60 } })],
    ['exp equal to now', () => craft({ payload: { sub: 'johndoe', exp: nowSeconds() } })],
    ['alg none', () => craft({ header: { alg: 'none', typ: 'JWT' }, payload: { sub: 'johndoe', exp: later() } })],
    ['HS512 (not the allowed algorithm)', () => {
      const input = `${Buffer.from('{"alg":"HS512","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'johndoe', exp: later() })).toString('base64url')}`;
      return `${input}.${createHmac('sha512', KEY).update(input).digest('base64url')}`;
    }],
    ['no sub', () => craft({ payload: { exp: later() } })],
    ['an empty sub', () => craft({ payload: { sub: '', exp: later() } })],
    ['a numeric sub', () => craft({ payload: { sub: 42, exp: later() } })],
    ['an unknown user', () => craft({ payload: { sub: 'ghost', exp: later() } })],
    ['no exp', () => craft({ payload: { sub: 'johndoe' } })],
    ['a null exp (FastAPI: 500)', () => craft({ payload: { sub: 'johndoe', exp: null } })],
    ['a list exp (FastAPI: 500)', () => craft({ payload: { sub: 'johndoe', exp: [later()] } })],
    ['a string exp', () => craft({ payload: { sub: 'johndoe', exp: String(later()) } })],
    ['nbf in the future', () => craft({ payload: { sub: 'johndoe', exp: later(), nbf: later() } })],
    ['iat in the future', () => craft({ payload: { sub: 'johndoe', exp: later(), iat: later() } })],
    ['a payload that is not an object', () => craft({ payload: [1, 2] })],
    ['four segments', () => `${craft({ payload: { sub: 'johndoe', exp: later() } })}.x`],
    ['a huge token', () => 'a'.repeat(100_000)],
  ])('answers 401 "Could not validate credentials" for %s', async (_, token) => {
    expect(await read(await handle(bearer('/users/me/', token())))).toEqual({
      status: 401,
      contentType: 'application/json',
      challenge: 'Bearer',
      text: CREDENTIALS,
    });
  });

  it('answers 400 "Inactive user" (no challenge) for a disabled user\'s valid token', async () => {
    const token = await tokenOf(handle, 'alice', 'secret2');
    for (const path of ['/users/me/', '/users/me/items/']) {
      expect(await read(await handle(bearer(path, token)))).toEqual({
        status: 400,
        contentType: 'application/json',
        challenge: null,
        text: '{"detail":"Inactive user"}',
      });
    }
  });

  it('looks the user up on every request: a user removed or disabled after login is refused', async () => {
    const db = makeUsers();
    const store = createMemoryUserStore(db);
    const lookups = vi.spyOn(store, 'findUser');
    const h = createAuthHandler({ users: store, key: KEY, context });
    const token = await tokenOf(h, 'johndoe', 'secret');
    expect((await h(bearer('/users/me/', token))).status).toBe(200);
    lookups.mockReturnValueOnce({ ...db.johndoe!, disabled: true });
    expect((await h(bearer('/users/me/', token))).status).toBe(400);
    lookups.mockReturnValueOnce(null);
    expect(await (await h(bearer('/users/me/', token))).text()).toBe(CREDENTIALS);
  });
});

describe('routing', () => {
  it('answers 404 for unknown paths', async () => {
    for (const path of ['/nope', '/', '/users', '/users/me/x', '/TOKEN', '/users/me//', '//token']) {
      const r = await read(await handle(new Request(BASE + path)));
      expect(r).toEqual({ status: 404, contentType: 'application/json', challenge: null, text: '{"detail":"Not Found"}' });
    }
  });

  it('answers 405 with Allow for a known path and another method (HEAD included on API routes)', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/token', 'POST'],
      ['HEAD', '/token', 'POST'],
      ['PUT', '/token', 'POST'],
      ['POST', '/users/me/', 'GET'],
      ['HEAD', '/users/me/', 'GET'],
      ['DELETE', '/users/me/items/', 'GET'],
      ['OPTIONS', '/users/me/items/', 'GET'],
      ['PATCH', '/users/me/', 'GET'],
      ['POST', '/docs', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await handle(new Request(BASE + path, { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(response.headers.get('www-authenticate')).toBeNull();
      if (method !== 'HEAD') expect(await response.text()).toBe('{"detail":"Method Not Allowed"}');
    }
  });

  it('redirects (307) a path differing only by a trailing slash, before authentication, query kept, Location relative', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/users/me?x=1&y=%20', '/users/me/?x=1&y=%20'],
      ['PUT', '/users/me', '/users/me/'],
      ['GET', '/users/me/items', '/users/me/items/'],
      ['POST', '/token/', '/token'],
      ['POST', '/token///', '/token'],
      ['GET', '/docs/', '/docs'],
      ['GET', '/openapi.json/', '/openapi.json'],
      ['GET', '/users/me?a=1#frag', '/users/me/?a=1'],
    ];
    for (const [method, path, location] of cases) {
      for (const base of [BASE, 'http://evil.example:8080']) {
        const response = await handle(new Request(base + path, { method, headers: { authorization: 'Bearer garbage' } }));
        expect(response.status).toBe(307);
        expect(response.headers.get('location')).toBe(location); // never the request's Host
        expect(await response.text()).toBe('');
      }
    }
  });

  it('redirects to a configured origin instead; a bad origin is a ConfigurationError', async () => {
    const h = createAuthHandler({ users, key: KEY, context, origin: 'https://api.example.com' });
    const response = await h(new Request('http://evil.example/users/me?q=1'));
    expect(response.headers.get('location')).toBe('https://api.example.com/users/me/?q=1');
    for (const origin of ['api.example.com', 'https://api.example.com/base', 'ftp://x', 'https://x/?q', 'https://x/#f', 42]) {
      expect(() => createAuthHandler({ users, key: KEY, context, origin: origin as never })).toThrow(/origin/);
    }
    expect(() => createAuthHandler({ users, key: KEY, context, paths: { me: '//evil.example/' } })).toThrow(/paths\.me/);
  });

  it('routes on the %-decoded path, as Starlette does', async () => {
    expect(await (await handle(new Request(`${BASE}/users%2Fme/`))).text()).toBe(NOT_AUTHENTICATED);
    expect((await handle(new Request(`${BASE}/%74oken`))).status).toBe(405);
    expect((await handle(new Request(`${BASE}/users/me%2F%ff`))).status).toBe(404);
  });

  it('moves routes with `paths`', async () => {
    const h = createAuthHandler({
      users,
      key: KEY,
      context,
      paths: { token: '/auth/token', me: '/me', items: '/me/items', openapi: '/api.json', docs: '/ui' },
    });
    expect((await h(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(404);
    const token = await tokenOf((r) => h(new Request(r.url.replace('/token', '/auth/token'), r)), 'johndoe', 'secret');
    expect((await h(bearer('/me', token))).status).toBe(200);
    expect((await h(bearer('/me/items', token))).status).toBe(200);
    expect((await h(new Request(`${BASE}/me/`))).headers.get('location')).toBe('/me');
    expect((await h(new Request(`${BASE}/ui`))).status).toBe(200);
    expect((await h(new Request(`${BASE}/docs`))).status).toBe(404);
    const doc = (await (await h(new Request(`${BASE}/api.json`))).json()) as any;
    expect(Object.keys(doc.paths)).toEqual(['/auth/token', '/me', '/me/items']);
    expect(doc.paths['/auth/token'].post.operationId).toBe('login_for_access_token_auth_token_post');
    expect(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl).toBe('auth/token');
    expect(Object.keys(doc.components.schemas)[0]).toBe('Body_login_for_access_token_auth_token_post');
    expect(() => createAuthHandler({ users, key: KEY, paths: { me: 'me' } })).toThrow(/paths\.me/);
    expect(() => createAuthHandler({ users, key: KEY, paths: { me: '/token' } })).toThrow(/two routes/);
  });

  it('answers 500 (JSON) only for a genuine internal error, and reports it', async () => {
    const onError = vi.fn();
    const h = createAuthHandler({
      users: {
        findUser() {
          throw new Error('database down');
        },
      },
      key: KEY,
      context,
      onError,
    });
    const response = await h(bearer('/users/me/', craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 60 } })));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"detail":"Internal Server Error"}');
    expect(onError).toHaveBeenCalledOnce();
    expect((onError.mock.calls[0]![0] as Error).message).toBe('database down');
  });
});

describe('scopes (the tutorial\'s advanced variant)', () => {
  const scoped = createAuthHandler({ users, key: KEY, context, scopes: true });

  it('puts the granted scopes in the token, dropping undeclared ones; "" when none', async () => {
    expect(decodePayload(await tokenOf(scoped, 'johndoe', 'secret', 'items me')).scope).toBe('items me');
    expect(decodePayload(await tokenOf(scoped, 'johndoe', 'secret', ' me  admin me')).scope).toBe('me');
    const none = decodePayload(await tokenOf(scoped, 'johndoe', 'secret'));
    expect(Object.keys(none)).toEqual(['sub', 'scope', 'stp', 'exp']);
    expect(none.scope).toBe('');
  });

  it('a scope beyond me/items needs grantScopes: asking for a declared admin no longer gets it (issue #18)', async () => {
    // The old TUTORIAL_SCOPES example: every user who asked for admin got it.
    const copied = () => createAuthHandler({ users, key: KEY, context, scopes: { ...TUTORIAL_SCOPES, admin: 'Manage users.' } });
    expect(copied).toThrow(ConfigurationError);
    expect(copied).toThrow(/scopes "admin" need grantScopes/);
    expect(() => createAuth({ users, key: KEY, scopes: { notes: 'n', admin: 'a' } })).toThrow(/"notes", "admin"/);
    expect(() => createAuth({ users, key: KEY, scopes: true, grantScopes: 'all' as never })).toThrow(/grantScopes must be a function/);
    // The tutorial's own scopes keep its behaviour: asked for, granted.
    const tutorial = createAuthHandler({ users, key: KEY, context, scopes: { ...TUTORIAL_SCOPES } });
    expect(decodePayload(await tokenOf(tutorial, 'johndoe', 'secret', 'me items admin')).scope).toBe('me items');
    // The fixed example: the app decides who gets admin.
    const fixed = createAuthHandler({
      users,
      key: KEY,
      context,
      scopes: { ...TUTORIAL_SCOPES, admin: 'Manage users.' },
      grantScopes: (user, requested) => requested.filter((scope) => scope !== 'admin' || user.username === 'root'),
    });
    expect(decodePayload(await tokenOf(fixed, 'johndoe', 'secret', 'me admin')).scope).toBe('me');
  });

  it('lets grantScopes decide per user', async () => {
    const h = createAuthHandler({
      users,
      key: KEY,
      context,
      scopes: { me: 'Me', items: 'Items', admin: 'Administer' },
      grantScopes: (user, requested) => (user.username === 'johndoe' ? requested.filter((s) => s !== 'admin') : []),
    });
    expect(decodePayload(await tokenOf(h, 'johndoe', 'secret', 'admin me')).scope).toBe('me');
    expect(decodePayload(await tokenOf(h, 'minimal', 'pw', 'me')).scope).toBe('');
  });

  it('requires "me" on /users/me/ and "items" and "me" on /users/me/items/', async () => {
    const both = await tokenOf(scoped, 'johndoe', 'secret', 'me items');
    expect((await scoped(bearer('/users/me/', both))).status).toBe(200);
    expect((await scoped(bearer('/users/me/items/', both))).status).toBe(200);

    const meOnly = await tokenOf(scoped, 'johndoe', 'secret', 'me');
    expect((await scoped(bearer('/users/me/', meOnly))).status).toBe(200);
    expect(await read(await scoped(bearer('/users/me/items/', meOnly)))).toEqual({
      status: 401,
      contentType: 'application/json',
      challenge: 'Bearer scope="items me"',
      text: '{"detail":"Not enough permissions"}',
    });
    const itemsOnly = await tokenOf(scoped, 'johndoe', 'secret', 'items');
    expect(await read(await scoped(bearer('/users/me/', itemsOnly)))).toEqual({
      status: 401,
      contentType: 'application/json',
      challenge: 'Bearer scope="me"',
      text: '{"detail":"Not enough permissions"}',
    });
    expect((await scoped(bearer('/users/me/items/', itemsOnly))).status).toBe(401);
  });

  it('splits the scope claim on single spaces, like the tutorial', async () => {
    const tab = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 60, scope: 'me\titems' } });
    expect((await scoped(bearer('/users/me/', tab))).status).toBe(401);
    const spaces = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 60, scope: 'items  me' } });
    expect((await scoped(bearer('/users/me/items/', spaces))).status).toBe(200);
  });

  it('answers a bad token with the scoped challenge, a missing header with the plain one', async () => {
    expect(await read(await scoped(bearer('/users/me/items/', 'garbage')))).toEqual({
      status: 401,
      contentType: 'application/json',
      challenge: 'Bearer scope="items me"',
      text: CREDENTIALS,
    });
    const wrongType = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 60, scope: 7 } });
    expect(await (await scoped(bearer('/users/me/', wrongType))).text()).toBe(CREDENTIALS);
    expect(await read(await scoped(new Request(`${BASE}/users/me/items/`)))).toEqual({
      status: 401,
      contentType: 'application/json',
      challenge: 'Bearer',
      text: NOT_AUTHENTICATED,
    });
  });

  it('checks scopes before the disabled flag', async () => {
    const noScope = await tokenOf(scoped, 'alice', 'secret2');
    expect(await (await scoped(bearer('/users/me/', noScope))).text()).toBe('{"detail":"Not enough permissions"}');
    const withScope = await tokenOf(scoped, 'alice', 'secret2', 'me');
    expect(await read(await scoped(bearer('/users/me/', withScope)))).toEqual({
      status: 400,
      contentType: 'application/json',
      challenge: null,
      text: '{"detail":"Inactive user"}',
    });
  });

  it('declares the scopes in OpenAPI and on the routes', async () => {
    const doc = (await (await scoped(new Request(`${BASE}/openapi.json`))).json()) as any;
    expect(doc.components.securitySchemes.OAuth2PasswordBearer).toEqual({
      type: 'oauth2',
      flows: {
        password: {
          scopes: { me: 'Read information about the current user.', items: 'Read items.' },
          tokenUrl: 'token',
        },
      },
    });
    expect(doc.paths['/users/me/'].get.security).toEqual([{ OAuth2PasswordBearer: ['me'] }]);
    expect(doc.paths['/users/me/items/'].get.security).toEqual([{ OAuth2PasswordBearer: ['items', 'me'] }]);
  });

  it('refuses badly declared scopes, and a bad key at once (a promised one through `ready`)', async () => {
    expect(() => createAuthHandler({ users, key: KEY, scopes: { read: 'Read' }, grantScopes: () => [] })).toThrow(/"me" and "items"/);
    expect(() => createAuthHandler({ users, key: 'too short', scopes: true })).toThrow(/at least 32 bytes/);
    await expect(createAuthHandler({ users, key: importTokenKey('too short'), scopes: true }).auth.ready).rejects.toThrow();
    await createAuthHandler({ users, key: KEY }).auth.ready;
    expect(() => createAuthHandler({ users, key: KEY, scopes: { 'a b': 'x' } })).toThrow(/scope name/);
    expect(() => createAuthHandler({ users, key: KEY, scopes: { a: 1 as unknown as string } })).toThrow(/description/);
  });
});

describe('building blocks', () => {
  it('readBearerToken follows OAuth2PasswordBearer', () => {
    const r = (authorization?: string) =>
      readBearerToken(new Request(BASE, { headers: authorization === undefined ? {} : { authorization } }));
    expect(r()).toBeNull();
    expect(r('')).toBeNull();
    expect(r('Basic abc')).toBeNull();
    expect(r('Bearer\tabc')).toBeNull();
    expect(r('Bearer')).toBe('');
    expect(r('Bearer ')).toBe('');
    expect(r('bEaReR  a.b.c  ')).toBe('a.b.c');
    expect(r('Bearer a b')).toBe('a b');
  });

  it('createAuth protects an app\'s own routes', async () => {
    const auth = createAuth({ users, key: KEY, context, scopes: { admin: 'Administer' }, grantScopes: () => [] });
    const app = async (request: Request) => {
      const result = await auth.requireUser(request, { scopes: ['admin'] });
      if (result.response) return result.response;
      return Response.json({ hello: result.user.username, scopes: result.claims.scopes });
    };
    const token = await auth.issueToken(users.johndoe!, ['admin']);
    expect(decodePayload(token)).toMatchObject({ sub: 'johndoe', scope: 'admin' });
    expect(await (await app(bearer('/anything', token))).json()).toEqual({ hello: 'johndoe', scopes: ['admin'] });
    const plain = await auth.issueToken(users.johndoe!);
    const refused = await app(bearer('/anything', plain));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer scope="admin"');
    // active: false lets a disabled user through (the tutorial's get_current_user).
    const alice = await auth.issueToken(users.alice!, ['admin']);
    expect((await auth.requireUser(bearer('/', alice))).response?.status).toBe(400);
    expect((await auth.requireUser(bearer('/', alice), { active: false })).user?.username).toBe('alice');
  });

  it('checks one password at a time by default; a full queue gets 429', async () => {
    const db = makeUsers();
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const store = {
      async findUser(name: string) {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return db[name] ?? null;
      },
    };
    const h = createAuthHandler({ users: store, key: KEY, context, loginQueue: 2 });
    const logins = [0, 1, 2].map(() => h(loginRequest({ username: 'johndoe', password: 'secret' })));
    const refused = await h(loginRequest({ username: 'johndoe', password: 'secret' }));
    expect(await read(refused)).toEqual({
      status: 429,
      contentType: 'application/json',
      challenge: null,
      text: '{"detail":"Too Many Requests"}',
    });
    expect(refused.headers.get('retry-after')).toBe('1');
    let settled = false;
    const all = Promise.all(logins).finally(() => (settled = true));
    while (!settled) {
      gates.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await all).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(most).toBe(1);
    expect(() => createAuthHandler({ users, key: KEY, loginConcurrency: 0 })).toThrow(/loginConcurrency/);
  });

  it('logs in the FastAPI seed users (bcrypt cost 12) with the seed\'s own hashes', async () => {
    const seed = JSON.parse(readFileSync(new URL('../../fixtures/http-users.json', import.meta.url), 'utf8'));
    const h = createAuthHandler({ users: seed, key: KEY, context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }) });
    const token = await tokenOf(h, 'johndoe', 'secret');
    expect(await (await h(bearer('/users/me/', token))).json()).toEqual({
      username: 'johndoe',
      email: 'johndoe@example.com',
      full_name: 'John Doe',
      disabled: false,
    });
  }, 20_000);
});

describe('OpenAPI and /docs', () => {
  it('generates FastAPI\'s document for the tutorial app, byte for byte', async () => {
    const h = createAuthHandler({ users, key: KEY, context, docs: { title: 'FastAPI', version: '0.1.0' } });
    const response = await h(new Request(`${BASE}/openapi.json`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const expected = readFileSync(new URL('../../fixtures/http-fastapi-openapi.json', import.meta.url), 'utf8').trim();
    expect(await response.text()).toBe(expected);
  });

  it('serves SwagUI wired to the document and the redirect page', async () => {
    const response = await handle(new Request(`${BASE}/docs`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('<script src="/docs/swagger-ui-bundle.js" charset="utf-8"></script>');
    expect(html).toContain('href="/docs/swagger-ui.css"');
    expect(html).toContain('url: "/openapi.json"');
    expect(html).toContain(`oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect"`);
    const redirect = await handle(new Request(`${BASE}/docs/oauth2-redirect`));
    expect(redirect.status).toBe(200);
    expect(await redirect.text()).toContain('<script src="/docs/oauth2-redirect.js"></script>');
  });

  it('serves the swagger-ui-dist files with charset=utf-8, byte for byte', async () => {
    const pkg = new URL('../../../node_modules/swagger-ui-dist/', import.meta.url);
    for (const [name, type] of [
      ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
      ['swagger-ui.css', 'text/css; charset=utf-8'],
      ['oauth2-redirect.js', 'text/javascript; charset=utf-8'],
      ['favicon-32x32.png', 'image/png'],
    ] as const) {
      const response = await handle(new Request(`${BASE}/docs/${name}`));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(new URL(name, pkg)))).toBe(true);
    }
  });

  it('serves nothing outside its allowlist', async () => {
    for (const path of [
      '/docs/package.json',
      '/docs/index.html',
      '/docs/swagger-ui-bundle.js.map',
      '/docs/../package.json',
      '/docs/%2e%2e/package.json',
      '/docs/..%2Fpackage.json',
      '/docs//swagger-ui.css',
      '/docs/swagger-ui.css/',
    ]) {
      const response = await handle(new Request(BASE + path));
      expect([404, 307]).toContain(response.status);
      if (response.status === 307) expect(response.headers.get('location')).toBe('/docs/swagger-ui.css');
    }
  });

  it('answers HEAD on docs routes with 200, the length and no body', async () => {
    for (const path of ['/docs', '/docs/oauth2-redirect', '/openapi.json', '/docs/swagger-ui.css']) {
      const get = await handle(new Request(BASE + path));
      const length = (await get.arrayBuffer()).byteLength;
      const head = await handle(new Request(BASE + path, { method: 'HEAD' }));
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(length));
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(head.body).toBeNull();
    }
  });

  it('takes files from a custom asset loader (bundlers, Workers), cached', async () => {
    const loader = vi.fn(async (name: string) => (name === 'swagger-ui.css' ? 'body{}' : null));
    const h = createAuthHandler({ users, key: KEY, context, docs: { assets: loader } });
    expect(await (await h(new Request(`${BASE}/docs/swagger-ui.css`))).text()).toBe('body{}');
    expect(await (await h(new Request(`${BASE}/docs/swagger-ui.css`))).text()).toBe('body{}');
    expect(loader).toHaveBeenCalledTimes(1);
    expect((await h(new Request(`${BASE}/docs/swagger-ui-bundle.js`))).status).toBe(404);
    const failing = createAuthHandler({ users, key: KEY, context, docs: { assets: async () => { throw new Error('x'); } } });
    expect((await failing(new Request(`${BASE}/docs/swagger-ui.css`))).status).toBe(404);
  });

  it('turns docs off with docs: false', async () => {
    const h = createAuthHandler({ users, key: KEY, context, docs: false });
    for (const path of ['/docs', '/openapi.json', '/docs/oauth2-redirect', '/docs/swagger-ui.css']) {
      expect((await h(new Request(BASE + path))).status).toBe(404);
    }
  });
});
