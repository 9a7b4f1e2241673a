/**
 * oauth2Errors: 'rfc6749' — every /token failure answered as RFC 6749 §5.2 (400, error and
 * error_description, no-store, no WWW-Authenticate), tokens with expires_in (and scope), 429/503
 * unchanged; 'fastapi' (the default) answers exactly as before.
 */
import { describe, expect, it } from 'vitest';
import { createAuth, createAuthHandler } from '../../../src/http/index.js';
import { createOpenApiDocument } from '../../../src/http/openapi.js';
import { createOAuth2Exit } from '../../../src/http/auth/oauth2-exit.js';
import { ResponseParts, detailParts } from '../../../src/http/response.js';
import { tokenFailure } from '../../../src/http/auth/token-errors.js';
import { UserStoreError } from '../../../src/errors.js';
import { BASE, KEY, context, decodePayload, loginRequest, makeUsers } from '../../helpers/http.js';

const users = makeUsers();
const rfc = createAuthHandler({ users, key: KEY, context, oauth2Errors: 'rfc6749', throttle: false });
const rfcScopes = createAuthHandler({ users, key: KEY, context, oauth2Errors: 'rfc6749', scopes: true, throttle: false });
const tutorial = createAuthHandler({ users, key: KEY, context, throttle: false });

async function answer(response: Response) {
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    challenge: response.headers.get('www-authenticate'),
    cache: response.headers.get('cache-control'),
    type: response.headers.get('content-type'),
  };
}

function rawLogin(body: BodyInit, contentType?: string): Request {
  return new Request(`${BASE}/token`, { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });
}

const RFC_FAILURE = { status: 400, challenge: null, cache: 'no-store', type: 'application/json' };

describe("oauth2Errors: 'rfc6749' failures", () => {
  const cases: Array<[string, () => Request, string]> = [
    ['a wrong password', () => loginRequest({ username: 'johndoe', password: 'wrong' }), 'invalid_grant'],
    ['an unknown user', () => loginRequest({ username: 'nobody', password: 'secret' }), 'invalid_grant'],
    ['a user without a hash', () => loginRequest({ username: 'nohash', password: 'x' }), 'invalid_grant'],
    ['a disabled user with the right password', () => loginRequest({ username: 'alice', password: 'secret2' }), 'invalid_grant'],
    ['a missing password', () => loginRequest({ username: 'johndoe' }), 'invalid_request'],
    ['an empty form', () => loginRequest({}), 'invalid_request'],
    ['a JSON body', () => rawLogin('{"username":"johndoe","password":"secret"}', 'application/json'), 'invalid_request'],
    ['multipart without a boundary', () => rawLogin('x', 'multipart/form-data'), 'invalid_request'],
    ['a broken multipart body', () => rawLogin('garbage', 'multipart/form-data; boundary=xyz'), 'invalid_request'],
    ['grant_type=client_credentials', () => loginRequest({ grant_type: 'client_credentials', username: 'johndoe', password: 'secret' }), 'unsupported_grant_type'],
    ['grant_type=refresh_token without a password', () => loginRequest({ grant_type: 'refresh_token', refresh_token: 'abc' }), 'unsupported_grant_type'],
  ];
  for (const [name, request, error] of cases) {
    it(`${name} → 400 ${error}`, async () => {
      const got = await answer(await rfc(request()));
      expect(got).toMatchObject(RFC_FAILURE);
      expect(got.body.error).toBe(error);
      expect(Object.keys(got.body).sort()).toEqual(['error', 'error_description']);
      expect(got.body.error_description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
    });
  }

  it('never puts the password into a description', async () => {
    const got = await answer(await rfc(loginRequest({ grant_type: 'hunter2-grant', username: 'johndoe', password: 'hunter2' })));
    expect(got.body.error).toBe('unsupported_grant_type');
    expect(JSON.stringify(got.body)).not.toContain('hunter2');
  });

  it('an undeclared scope → 400 invalid_scope (with scopes); the tutorial drops it and answers 200', async () => {
    const got = await answer(await rfcScopes(loginRequest({ username: 'johndoe', password: 'secret', scope: 'me admin' })));
    expect(got).toMatchObject(RFC_FAILURE);
    expect(got.body.error).toBe('invalid_scope');
    const plain = await createAuthHandler({ users, key: KEY, context, scopes: true })(loginRequest({ username: 'johndoe', password: 'secret', scope: 'me admin' }));
    expect(plain.status).toBe(200);
  });

  it('wrong password and unknown user answer byte for byte the same', async () => {
    const a = await (await rfc(loginRequest({ username: 'johndoe', password: 'wrong' }))).text();
    const b = await (await rfc(loginRequest({ username: 'nobody', password: 'secret' }))).text();
    const c = await (await rfc(loginRequest({ username: 'alice', password: 'secret2' }))).text();
    expect(a).toBe('{"error":"invalid_grant","error_description":"Incorrect username or password"}');
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('405 on GET /token and 413 on a huge body pass unchanged', async () => {
    expect((await rfc(new Request(`${BASE}/token`))).status).toBe(405);
    const small = createAuthHandler({ users, key: KEY, context, oauth2Errors: 'rfc6749', maxBodyBytes: 16 });
    const big = await small(loginRequest({ username: 'johndoe', password: 'x'.repeat(100) }));
    expect(big.status).toBe(413);
  });

  it('a failing user store keeps its 503', async () => {
    const broken = createAuthHandler({
      users: { findUser: async () => { throw new UserStoreError('ERR_USER_STORE_UNAVAILABLE', 'down'); } },
      key: KEY,
      context,
      oauth2Errors: 'rfc6749',
      onError: () => {},
    });
    const got = await broken(loginRequest({ username: 'johndoe', password: 'secret' }));
    expect(got.status).toBe(503);
    expect(await got.json()).toEqual({ detail: 'Service Unavailable' });
  });

  it('a throttled login keeps its 429 with Retry-After', async () => {
    const throttled = createAuthHandler({ users, key: KEY, context, oauth2Errors: 'rfc6749', throttle: { username: { freeFailures: 1 } } });
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) last = await throttled(loginRequest({ username: 'johndoe', password: 'wrong' }));
    expect(last!.status).toBe(429);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe("oauth2Errors: 'rfc6749' tokens", () => {
  it('carry expires_in (the token lifetime) without scopes', async () => {
    const response = await rfc(loginRequest({ username: 'johndoe', password: 'secret' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    const claims = decodePayload(body.access_token as string);
    // The tutorial's token has no iat: the lifetime left when answered (signed within the second).
    expect(body.expires_in).toBeGreaterThanOrEqual(1799);
    expect(body.expires_in).toBeLessThanOrEqual(1800);
    expect(Math.abs((claims.exp as number) - Math.floor(Date.now() / 1000) - (body.expires_in as number))).toBeLessThanOrEqual(1);
  });

  it('carry expires_in and the granted scope with scopes', async () => {
    const response = await rfcScopes(loginRequest({ username: 'johndoe', password: 'secret', scope: 'items me' }));
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer', scope: 'items me' });
    expect([1799, 1800]).toContain(body.expires_in);
    const none = (await (await rfcScopes(loginRequest({ username: 'johndoe', password: 'secret' }))).json()) as Record<string, unknown>;
    expect(Object.keys(none).sort()).toEqual(['access_token', 'expires_in', 'token_type']); // no scope granted: none listed
  });

  it('a custom tokenTtl shows in expires_in; auth.login answers the same way', async () => {
    const auth = createAuth({ users, key: KEY, context, tokenTtl: '5m', oauth2Errors: 'rfc6749' });
    const ok = (await (await auth.login(loginRequest({ username: 'johndoe', password: 'secret' }))).json()) as Record<string, unknown>;
    expect([299, 300]).toContain(ok.expires_in);
    const bad = await auth.login(loginRequest({ username: 'johndoe', password: 'nope' }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('www-authenticate')).toBeNull();
  });
});

describe("oauth2Errors: 'fastapi' (the default)", () => {
  it('answers as the tutorial: 401 with WWW-Authenticate, 422, token without expires_in, disabled user gets a token', async () => {
    const wrong = await tutorial(loginRequest({ username: 'johndoe', password: 'wrong' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect(await wrong.json()).toEqual({ detail: 'Incorrect username or password' });
    expect((await tutorial(loginRequest({ grant_type: 'client_credentials', username: 'a', password: 'b' }))).status).toBe(422);
    const ok = (await (await tutorial(loginRequest({ username: 'johndoe', password: 'secret' }))).json()) as Record<string, unknown>;
    expect(Object.keys(ok).sort()).toEqual(['access_token', 'token_type']);
    expect((await tutorial(loginRequest({ username: 'alice', password: 'secret2' }))).status).toBe(200);
    const explicit = createAuthHandler({ users, key: KEY, context, oauth2Errors: 'fastapi' });
    expect((await explicit(loginRequest({ username: 'johndoe', password: 'wrong' }))).status).toBe(401);
  });

  it('refuses an unknown style', () => {
    expect(() => createAuthHandler({ users, key: KEY, oauth2Errors: 'oauth' as never })).toThrow(/oauth2Errors must be/);
  });
});

describe('the exit mapper alone', () => {
  const exit = createOAuth2Exit('rfc6749', false)!;
  it('is null for fastapi', () => {
    expect(createOAuth2Exit(undefined, false)).toBeNull();
    expect(createOAuth2Exit('fastapi', true)).toBeNull();
  });
  it('maps a tagged failure, replacing its headers; leaves untagged parts alone', () => {
    const tagged = tokenFailure(detailParts(401, 'x', [['www-authenticate', 'Bearer']]), 'invalid_grant', 'bad "quote" \\ é');
    const mapped = exit(tagged);
    expect(mapped.status).toBe(400);
    expect(mapped.headers.some(([name]) => name === 'www-authenticate')).toBe(false);
    expect(mapped.headers).toContainEqual(['cache-control', 'no-store']);
    expect(JSON.parse(mapped.body as string)).toEqual({ error: 'invalid_grant', error_description: 'bad ?quote? ? ?' });
    const untagged = detailParts(429, 'Too Many Requests');
    expect(exit(untagged)).toBe(untagged);
    const odd = new ResponseParts(200, [], '{"access_token":"not-a-jwt","token_type":"bearer"}');
    expect(exit(odd)).toBe(odd);
    const done = new ResponseParts(200, [], '{"access_token":"a.b.c","token_type":"bearer","expires_in":60}');
    expect(exit(done)).toBe(done);
  });
});

describe('OpenAPI refreshUrl', () => {
  it('is listed (before scopes, as pydantic orders it) when refreshTokens is set, absent otherwise', async () => {
    const withRefresh = createAuthHandler({ users, key: KEY, context, refreshTokens: {} } as never);
    const doc = (await (await withRefresh(new Request(`${BASE}/openapi.json`))).json()) as any;
    expect(Object.keys(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password)).toEqual(['refreshUrl', 'scopes', 'tokenUrl']);
    expect(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.refreshUrl).toBe('token');
    const moved = createAuthHandler({ users, key: KEY, context, refreshTokens: {}, paths: { token: '/auth/token' } } as never);
    const movedDoc = (await (await moved(new Request(`${BASE}/openapi.json`))).json()) as any;
    expect(movedDoc.components.securitySchemes.OAuth2PasswordBearer.flows.password.refreshUrl).toBe('auth/token');
    const plain = (await (await tutorial(new Request(`${BASE}/openapi.json`))).json()) as any;
    expect(plain.components.securitySchemes.OAuth2PasswordBearer.flows.password).toEqual({ scopes: {}, tokenUrl: 'token' });
    const off = createOpenApiDocument({ paths: { token: '/token', me: '/users/me/', items: '/users/me/items/' }, scopes: null, refreshUrl: undefined }) as any;
    expect(off.components.securitySchemes.OAuth2PasswordBearer.flows.password.refreshUrl).toBeUndefined();
  });
});
