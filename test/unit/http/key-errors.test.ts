/**
 * A signing key that cannot sign is refused when createAuth / createAuthHandler is called, with a
 * message that says how to make a good one; a key only known later (a promise of a key, a resolver)
 * that turns out unusable makes the requests that need it answer 503 and says why, never 500.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuth, createAuthHandler } from '../../../src/http/index.js';
import { TokenKeyError, importTokenKey } from '../../../src/tokens/index.js';
import { KEY, bearer, context, craft, loginRequest, makeUsers, nowSeconds } from '../../helpers/http.js';

const users = makeUsers();
const token = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 600 } });

afterEach(() => {
  vi.restoreAllMocks();
});

function refusal(make: () => unknown): TokenKeyError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenKeyError);
    return error as TokenKeyError;
  }
  throw new Error('expected a TokenKeyError at construction');
}

describe('a signing key known at construction', () => {
  it('a short SECRET_KEY is refused by createAuthHandler, saying how to make one, never echoing it', () => {
    const error = refusal(() => createAuthHandler({ users, key: 'changeme-please', context }));
    expect(error.code).toBe('ERR_TOKEN_KEY');
    expect(error.message).toContain('HS256 needs a secret of at least 32 bytes');
    expect(error.message).toContain('gatehouse secret');
    expect(error.message).toContain('openssl rand -hex 32');
    expect(error.message).not.toContain('changeme-please');
  });

  it('createAuth refuses it too, as bytes, for the algorithm asked for, and empty', () => {
    refusal(() => createAuth({ users, key: 'short' }));
    refusal(() => createAuth({ users, key: new Uint8Array(31) }));
    expect(refusal(() => createAuth({ users, key: 'x'.repeat(48), algorithm: 'HS512' })).message).toContain('HS512 needs a secret of at least 64 bytes');
    expect(refusal(() => createAuth({ users, key: '' })).message).toMatch(/empty/);
    // What the import would refuse later is refused now: public key material as a secret, an unknown algorithm.
    refusal(() => createAuth({ users, key: '{"kty":"EC","crv":"P-256","x":"a","y":"b"}' + ' '.repeat(8) }));
    refusal(() => createAuth({ users, key: KEY, algorithm: 'HS999' as never }));
    refusal(() => createAuth({ users, key: KEY, algorithm: 'RS256' }));
  });

  it('a good secret still works, and so does a 32-byte one exactly', async () => {
    const h = createAuthHandler({ users, key: 'k'.repeat(32), context });
    await h.auth.ready;
    expect((await h(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(200);
  });
});

describe('a signing key only known later', () => {
  it('an unusable promised key: login and protected routes answer 503 (not 500) and onError hears why', async () => {
    const errors: Array<[unknown, Request]> = [];
    const h = createAuthHandler({ users, key: importTokenKey('short'), context, onError: (error, request) => errors.push([error, request]) });
    await expect(h.auth.ready).rejects.toBeInstanceOf(TokenKeyError);
    const login = await h(loginRequest({ username: 'johndoe', password: 'secret' }));
    expect(login.status).toBe(503);
    expect(await login.text()).toBe('{"detail":"Service Unavailable"}');
    const me = await h(bearer('/users/me/', token));
    expect(me.status).toBe(503);
    expect(errors).toHaveLength(2);
    expect(errors[0]![0]).toBeInstanceOf(TokenKeyError);
    expect(errors[0]![1].url).toBe('http://testserver/token');
    expect(errors[1]![1].url).toBe('http://testserver/users/me/');
    // createAuth's building blocks answer the same.
    const auth = createAuth({ users, key: importTokenKey('short'), context, onError: () => {} });
    expect((await auth.login(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(503);
    expect((await auth.requireUser(bearer('/', token))).response?.status).toBe(503);
  });

  it('a key resolver that fails (a JWKS endpoint down): 503 and one console line by default', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const auth = createAuth({
      users,
      key: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:443')),
      context,
    });
    const rs = craft({ header: { alg: 'RS256', typ: 'JWT' }, payload: { sub: 'johndoe', exp: nowSeconds() + 600 }, signature: 'AAAA' });
    for (let i = 0; i < 3; i++) expect((await auth.requireUser(bearer('/', rs))).response?.status).toBe(503);
    expect(log).toHaveBeenCalledTimes(1);
    const line = String(log.mock.calls[0]![0]);
    expect(line).toContain('ERR_TOKEN_KEY');
    expect(line).toContain('ECONNREFUSED');
    expect(line).toContain('503');
  });
});
