/**
 * What the authenticated hot path reuses must never change an answer: the remembered public-user
 * JSON against JSON.stringify(publicUser(...)) under mutation, the prepared token verifier against
 * verifyAccessToken, and requireUser's promise contract now that the handler skips promises.
 */
import { describe, expect, it } from 'vitest';
import { createAuth, createAuthHandler, publicUser } from '../../../src/http/index.js';
import { publicUserSerializer } from '../../../src/http/auth/index.js';
import { ConfigurationError } from '../../../src/errors.js';
import { importTokenKey, verifyAccessToken, type VerifyAccessTokenOptions } from '../../../src/tokens/index.js';
import { createTokenVerifier } from '../../../src/tokens/verify.js';
import type { UserRecord } from '../../../src/users/index.js';
import { KEY, bearer, context, craft, nowSeconds, read } from '../../helpers/http.js';
import { random } from '../../helpers/random.js';

describe('public-user JSON, remembered', () => {
  it('always equals JSON.stringify(publicUser(user)), whatever the store does to its records', () => {
    const next = random(20240601);
    const shared = { toString: () => 'x' };
    const values: unknown[] = [
      'a', 'b', 'é"\\\u2028', '', null, undefined, true, false, 0, -0, 1, NaN, shared, { nested: 'a' }, ['a'],
    ];
    const pick = () => values[Math.floor(next() * values.length)];
    const names = ['johndoe', 'alice', 'bob', '__proto__', 'constructor'];
    const serialize = publicUserSerializer(3); // small, so that eviction happens too
    const records: UserRecord[] = names.map((username) => ({ username, email: 'e', full_name: 'f', disabled: false }));
    for (let step = 0; step < 5000; step++) {
      const r = next();
      let user = records[Math.floor(next() * records.length)]!;
      if (r < 0.3) {
        // mutated in place
        const field = (['email', 'full_name', 'disabled'] as const)[Math.floor(next() * 3)]!;
        (user as Record<string, unknown>)[field] = pick();
      } else if (r < 0.4) {
        // replaced by a new object (a store that re-reads its file), or a copy (a memory store)
        user = { ...user, email: pick() } as UserRecord;
      } else if (r < 0.45) {
        user = { ...user, username: pick() } as UserRecord; // not even a string: never remembered
      }
      const expected = JSON.stringify(publicUser(user));
      const got = serialize(user);
      if (got !== expected) expect({ step, got }).toEqual({ step, got: expected });
    }
  });

  it('GET /users/me/ shows a record changed in place, and refuses it once disabled', async () => {
    const record: UserRecord = { username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false };
    const h = createAuthHandler({ users: { findUser: (name) => (name === 'johndoe' ? record : null) }, key: KEY, context });
    const token = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 600 } });
    const me = async () => read(await h(bearer('/users/me/', token)));
    expect((await me()).text).toBe('{"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe","disabled":false}');
    record.email = 'john@example.org';
    expect((await me()).text).toBe('{"username":"johndoe","email":"john@example.org","full_name":"John Doe","disabled":false}');
    record.full_name = null;
    expect((await me()).text).toBe('{"username":"johndoe","email":"john@example.org","full_name":null,"disabled":false}');
    record.disabled = true;
    expect(await me()).toMatchObject({ status: 400, text: '{"detail":"Inactive user"}' });
    record.disabled = null;
    expect((await me()).text).toBe('{"username":"johndoe","email":"john@example.org","full_name":null,"disabled":null}');
  });
});

describe('requireUser keeps its promise contract', () => {
  const token = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 600 } });

  it('rejects (never throws) when the store throws synchronously; the handler answers 500', async () => {
    const failing = {
      findUser(): never {
        throw new Error('database down');
      },
    };
    const auth = createAuth({ users: failing, key: KEY, context });
    await auth.ready;
    for (let i = 0; i < 2; i++) {
      // the second time, the token is a cache hit: the synchronous path
      let pending: Promise<unknown> | undefined;
      expect(() => (pending = auth.requireUser(bearer('/', token)))).not.toThrow();
      await expect(pending).rejects.toThrow('database down');
    }
    const errors: unknown[] = [];
    const h = createAuthHandler({ users: failing, key: KEY, context, onError: (error) => errors.push(error) });
    for (let i = 0; i < 2; i++) expect((await h(bearer('/users/me/', token))).status).toBe(500);
    expect(errors).toHaveLength(2);
  });

  it('answers 401 for a refused token on the first request and on later ones', async () => {
    const auth = createAuth({ users: { johndoe: { username: 'johndoe' } }, key: KEY, context });
    const expired = craft({ payload: { sub: 'johndoe', exp: nowSeconds() - 1 } });
    for (const t of [expired, expired, 'x'.repeat(9000), 'a.b.c']) {
      const result = await auth.requireUser(bearer('/', t));
      expect(result.response?.status).toBe(401);
    }
    // Before the key is imported and after: the same answer for a good token.
    const fresh = createAuth({ users: { johndoe: { username: 'johndoe' } }, key: KEY, context });
    expect((await fresh.requireUser(bearer('/', token))).user?.username).toBe('johndoe');
    expect((await fresh.requireUser(bearer('/', token))).user?.username).toBe('johndoe');
  });

  it('a key that cannot be used fails every request (503, reported), before and after import settles', async () => {
    const errors: unknown[] = [];
    const h = createAuthHandler({ users: {}, key: importTokenKey('short'), context, onError: (error) => errors.push(error) });
    const first = h(bearer('/users/me/', token)); // before the import settles
    await expect(h.auth.ready).rejects.toThrow();
    expect((await first).status).toBe(503);
    expect((await h(bearer('/users/me/', token))).status).toBe(503);
    expect(errors).toHaveLength(2);
  });
});

describe('prepared token verifier', () => {
  const now = nowSeconds();
  const tokens = [
    craft({ payload: { sub: 'a', exp: now + 600 } }),
    craft({ payload: { sub: 'a', exp: now + 600, iss: 'https://a', aud: 'api' } }),
    craft({ payload: { sub: 'a', exp: now - 1 } }),
    craft({ payload: { sub: 'a', exp: now + 600, nbf: now + 300 } }),
    craft({ payload: { sub: '', exp: now + 600 } }),
    craft({ payload: { sub: 'a' } }),
    craft({ payload: { sub: 'a', exp: now + 600 }, secret: 'another secret of at least thirty-two bytes' }),
    craft({ payload: { sub: 'a', exp: now + 600 }, header: { alg: 'none' } }),
    'a.b.c',
    'x'.repeat(300),
    42,
  ];
  const optionSets: Array<Omit<VerifyAccessTokenOptions, 'key'>> = [
    {},
    { issuer: 'https://a', audience: 'api' },
    { audience: 'web' },
    { algorithms: ['HS384'] },
    { maxTokenSize: 200 },
    { requireExp: false },
    { clockTolerance: '10m', currentDate: new Date((now + 5) * 1000) },
  ];

  const outcome = async (run: () => unknown) => {
    try {
      const claims = (await run()) as { sub: string };
      return { ok: claims.sub };
    } catch (error) {
      return { error: (error as Error).constructor.name, message: (error as Error).message };
    }
  };

  it('answers as verifyAccessToken does, on a miss and on a hit, and on a hit without a promise', async () => {
    for (const rules of optionSets) {
      const key = await importTokenKey(KEY);
      const verify = await createTokenVerifier({ key, ...rules });
      for (const token of tokens) {
        for (let round = 0; round < 2; round++) {
          const expected = await outcome(() => verifyAccessToken(token, { key, ...rules }));
          expect(await outcome(() => verify(token))).toEqual(expected);
        }
      }
      const good = tokens[0] as string;
      if ((await outcome(() => verifyAccessToken(good, { key, ...rules }))).ok) {
        expect(verify(good)).not.toBeInstanceOf(Promise);
      }
    }
  });

  it('refuses options that verifyAccessToken would refuse on every call', async () => {
    const key = await importTokenKey(KEY);
    await expect(createTokenVerifier({ key, maxTokenSize: 0 })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(createTokenVerifier({ key, issuer: 5 as never })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(createTokenVerifier({ key, currentDate: new Date(NaN) })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
