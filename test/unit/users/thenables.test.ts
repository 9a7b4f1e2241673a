/**
 * Issue 7, part 1: whatever user code returns (a store's record, a hook's result, a key resolver's
 * key) is awaited, whether a native promise, a promise of another realm or any thenable, and a
 * record counts as the user only when it is an object with the username asked for. Regression: a
 * `findUser` answering `{ then: (ok) => ok(null) }` let a token for a user that does not exist
 * through GET /users/me/ with 200.
 */
import { generateKeyPairSync } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { isThenable, notify } from '../../../src/internal/await.js';
import { serve } from '../../../src/node/index.js';
import { createAccessToken, importTokenKey, InvalidTokenError, TokenKeyError, verifyAccessToken } from '../../../src/tokens/index.js';
import { authenticateUser } from '../../../src/users/index.js';
import { findStoredUser, type UserRecord, type UserStore } from '../../../src/users/store-interface.js';
import { KEY, bearer, context, craft, loginRequest, makeUsers, nowSeconds, read } from '../../helpers/http.js';

const users = makeUsers();
const token = (sub: string) => craft({ payload: { sub, exp: nowSeconds() + 600 } });

/** A thenable that is not a Promise: what query builders (Knex, Kysely, Drizzle) return. */
const thenable = <T>(value: T) => ({ then: (ok: (v: T) => unknown) => ok(value) });
const rejectedThenable = (error: unknown) => ({ then: (_ok: unknown, fail: (e: unknown) => unknown) => fail(error) });
/** A Promise of another realm: `instanceof Promise` is false for it. */
const foreignPromise = <T>(value: T): Promise<T> => runInNewContext('Promise.resolve(v)', { v: value });
const foreignRejection = (error: unknown): Promise<never> => runInNewContext('Promise.reject(e)', { e: error });

/** A store whose findUser answers through `wrap`, from the test users. */
function storeOf(wrap: (record: UserRecord | null) => unknown): UserStore {
  return { findUser: (name: string) => wrap(Object.hasOwn(users, name) ? { ...users[name]! } : null) } as unknown as UserStore;
}

const handlerOf = (store: UserStore, onError?: (error: unknown) => void) =>
  createAuthHandler({ users: store, key: KEY, context, docs: false, onError: onError ?? (() => {}) });

const wrappers: Array<[string, (record: UserRecord | null) => unknown]> = [
  ['a plain value', (record) => record],
  ['a native promise', (record) => Promise.resolve(record)],
  ['a thenable', (record) => thenable(record)],
  ['a promise of another realm', (record) => foreignPromise(record)],
  ['a thenable of a thenable', (record) => thenable(thenable(record))],
];

describe('isThenable', () => {
  it('recognises promises of any realm and thenables, and nothing else', () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    expect(isThenable(foreignPromise(1))).toBe(true);
    expect(isThenable(thenable(1))).toBe(true);
    expect(isThenable(Object.assign(() => 1, { then: () => {} }))).toBe(true);
    const hostile = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('boom');
      },
    });
    expect(isThenable(hostile)).toBe(true); // awaiting it surfaces the error
    for (const value of [null, undefined, 0, 'then', { then: 1 }, { username: 'x' }, [], () => 1]) {
      expect(isThenable(value)).toBe(false);
    }
  });

  it('notify swallows throwing and rejecting hooks', async () => {
    const seen: unknown[] = [];
    notify((x: number) => seen.push(x), 1);
    notify(() => {
      throw new Error('sync');
    });
    notify(() => Promise.reject(new Error('async')));
    notify(() => foreignRejection(new Error('foreign')));
    notify(() => rejectedThenable(new Error('thenable')));
    notify(undefined);
    await new Promise((resolve) => setTimeout(resolve, 10)); // an unhandled rejection would fail the run
    expect(seen).toEqual([1]);
  });
});

describe('GET /users/me/ with a user store answering in every shape', () => {
  for (const [name, wrap] of wrappers) {
    it(`${name}: an unknown sub is 401, a disabled user 400, a real user 200`, async () => {
      const handle = handlerOf(storeOf(wrap));
      const ghost = await read(await handle(bearer('/users/me/', token('ghost'))));
      expect(ghost).toMatchObject({ status: 401, text: '{"detail":"Could not validate credentials"}' });
      const disabled = await read(await handle(bearer('/users/me/', token('alice'))));
      expect(disabled).toMatchObject({ status: 400, text: '{"detail":"Inactive user"}' });
      const john = await read(await handle(bearer('/users/me/', token('johndoe'))));
      expect(john.status).toBe(200);
      expect(JSON.parse(john.text)).toEqual({
        username: 'johndoe',
        email: 'johndoe@example.com',
        full_name: 'John Doe',
        disabled: false,
      });
    });
  }

  it('the reported reproduction: findUser: () => ({ then: (ok) => ok(null) }) is 401, not 200', async () => {
    const handle = handlerOf({ findUser: () => ({ then: (ok: (v: null) => void) => ok(null) }) } as unknown as UserStore);
    const response = await handle(bearer('/users/me/', token('ghost')));
    expect(response.status).toBe(401);
  });

  it('a record that is not the user asked for is no user', async () => {
    const records: unknown[] = [
      { ...users.johndoe, username: 'someoneelse' }, // another user's record
      { email: null, full_name: null, disabled: null }, // no username at all
      [users.johndoe], // an array of rows
      'johndoe',
      42,
      true,
    ];
    for (const record of records) {
      for (const [, wrap] of wrappers) {
        const handle = handlerOf({ findUser: () => wrap(record as UserRecord) } as unknown as UserStore);
        expect((await handle(bearer('/users/me/', token('johndoe')))).status).toBe(401);
      }
    }
  });

  it('a disabled flag that is truthy but not true still locks the user out (fail closed)', async () => {
    for (const disabled of [1, 'yes', 'false', {}, [], thenable(false)]) {
      const record = { username: 'johndoe', disabled };
      const handle = handlerOf({ findUser: () => thenable(record) } as unknown as UserStore);
      const answer = await read(await handle(bearer('/users/me/', token('johndoe'))));
      expect(answer).toMatchObject({ status: 400, text: '{"detail":"Inactive user"}' });
    }
  });

  it('a store that rejects (thenable, foreign promise, throwing getters) answers 500 and reports it', async () => {
    const failures: Array<[string, () => unknown]> = [
      ['rejected thenable', () => rejectedThenable(new Error('db down'))],
      ['foreign rejection', () => foreignRejection(new Error('db down'))],
      ['throwing then getter', () => Object.defineProperty({}, 'then', { get: () => { throw new Error('db down'); } })],
      ['throwing then', () => ({ then: () => { throw new Error('db down'); } })],
      ['throwing username getter', () => Object.defineProperty({}, 'username', { get: () => { throw new Error('db down'); } })],
      ['sync throw', () => { throw new Error('db down'); }],
    ];
    for (const [, findUser] of failures) {
      const seen: unknown[] = [];
      const handle = handlerOf({ findUser } as UserStore, (error) => seen.push(error));
      const answer = await read(await handle(bearer('/users/me/', token('johndoe'))));
      expect(answer).toMatchObject({ status: 500, text: '{"detail":"Internal Server Error"}' });
      expect(seen).toHaveLength(1);
      expect((seen[0] as Error).message).toBe('db down');
    }
  });

  it('a thenable that never settles leaves the request pending, not answered with the thenable', async () => {
    const handle = handlerOf({ findUser: () => ({ then: () => {} }) } as unknown as UserStore);
    const outcome = await Promise.race([
      handle(bearer('/users/me/', token('johndoe'))).then((r) => r.status),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 50)),
    ]);
    expect(outcome).toBe('pending');
  });
});

describe('POST /token and authenticateUser with thenable stores', () => {
  for (const [name, wrap] of wrappers) {
    it(`${name}: right password 200, wrong 401, unknown 401`, async () => {
      const handle = handlerOf(storeOf(wrap));
      expect((await handle(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(200);
      expect((await handle(loginRequest({ username: 'johndoe', password: 'nope' }))).status).toBe(401);
      expect((await handle(loginRequest({ username: 'ghost', password: 'secret' }))).status).toBe(401);
    });
  }

  it('findStoredUser checks the record behind any thenable', async () => {
    const store = (value: unknown) => ({ findUser: () => value }) as unknown as UserStore;
    expect(await findStoredUser(store(thenable({ username: 'bob' })), 'bob')).toEqual({ username: 'bob' });
    expect(await findStoredUser(store(thenable({ username: 'eve' })), 'bob')).toBeNull();
    expect(await findStoredUser(store(foreignPromise(null)), 'bob')).toBeNull();
    await expect(findStoredUser(store(rejectedThenable(new Error('down'))), 'bob')).rejects.toThrow('down');
  });

  it('a record of another user never logs in, even with that user\'s right password', async () => {
    const store = { findUser: () => thenable({ ...users.johndoe }) } as unknown as UserStore;
    expect(await authenticateUser(store, 'mallory', 'secret', { context })).toBeNull();
  });

  it('updatePasswordHash answering with thenables: awaited; a rejection is reported, the login still succeeds', async () => {
    const old = new (await import('../../../src/passwords/registry.js')).CryptContext({
      schemes: ['bcrypt'],
      settings: { bcrypt: { rounds: 5 } },
    });
    const saved: string[] = [];
    const reported: unknown[] = [];
    const record = { ...users.johndoe }; // cost 4: outdated for rounds 5
    const ok = {
      findUser: () => thenable({ ...record }),
      updatePasswordHash: (_name: string, hash: string) => thenable(void saved.push(hash)),
    } as unknown as UserStore;
    const upgraded = await authenticateUser(ok, 'johndoe', 'secret', { context: old });
    expect(saved).toHaveLength(1);
    expect(upgraded?.hashed_password).toBe(saved[0]);
    for (const failing of [() => rejectedThenable(new Error('write failed')), () => foreignRejection(new Error('write failed'))]) {
      const store = { findUser: () => thenable({ ...record }), updatePasswordHash: failing } as unknown as UserStore;
      const user = await authenticateUser(store, 'johndoe', 'secret', {
        context: old,
        onUpdateError: (error) => reported.push(error),
      });
      expect(user?.hashed_password).toBe(record.hashed_password);
    }
    expect(reported.map((e) => (e as Error).message)).toEqual(['write failed', 'write failed']);
  });

  it('grantScopes answering with a thenable is awaited; a scope with a space in it is refused', async () => {
    const handle = createAuthHandler({
      users: storeOf(thenable),
      key: KEY,
      context,
      scopes: true,
      docs: false,
      onError: () => {},
      grantScopes: (_user, requested) => (requested.includes('bad') ? thenable(['me items']) : thenable(['me'])) as never,
    });
    const granted = await handle(loginRequest({ username: 'johndoe', password: 'secret', scope: 'me items' }));
    const jwt = ((await granted.json()) as { access_token: string }).access_token;
    expect(JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).scope).toBe('me');
    const bad = await handle(loginRequest({ username: 'johndoe', password: 'secret', scope: 'bad' }));
    expect(bad.status).toBe(500);
  });
});

describe('key resolvers and keys answering with thenables', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });

  it('a resolver answering with a thenable, a foreign promise or a value verifies', async () => {
    const signed = await createAccessToken({ sub: 'alice' }, { key: privateKey, algorithm: 'ES256' });
    for (const answer of [() => jwk, () => Promise.resolve(jwk), () => thenable(jwk), () => foreignPromise(jwk)]) {
      const claims = await verifyAccessToken(signed, { key: answer as never, algorithms: ['ES256'] });
      expect(claims.sub).toBe('alice');
    }
  });

  it('a resolver that rejects, throws or has a throwing then is a TokenKeyError, never a pass', async () => {
    const signed = await createAccessToken({ sub: 'alice' }, { key: privateKey, algorithm: 'ES256' });
    const resolvers = [
      () => rejectedThenable(new Error('fetch failed')),
      () => foreignRejection(new Error('fetch failed')),
      () => Object.defineProperty({}, 'then', { get: () => { throw new Error('fetch failed'); } }),
      () => {
        throw new Error('fetch failed');
      },
    ];
    for (const resolver of resolvers) {
      await expect(verifyAccessToken(signed, { key: resolver as never, algorithms: ['ES256'] })).rejects.toBeInstanceOf(TokenKeyError);
    }
    // A resolver answering with nothing usable (null through a thenable): refused too.
    await expect(verifyAccessToken(signed, { key: (() => thenable(null)) as never, algorithms: ['ES256'] })).rejects.toBeInstanceOf(
      TokenKeyError,
    );
  });

  it('a resolver answering with another key through a thenable does not verify the token', async () => {
    const signed = await createAccessToken({ sub: 'alice' }, { key: privateKey, algorithm: 'ES256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    await expect(verifyAccessToken(signed, { key: (() => thenable(other)) as never, algorithms: ['ES256'] })).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
  });

  it('a key given as a promise (of any realm) or thenable of a TokenKey is awaited', async () => {
    const key = await importTokenKey(KEY);
    for (const given of [importTokenKey(KEY), foreignPromise(key), thenable(key)]) {
      const signed = await createAccessToken({ sub: 'bob' }, { key: given as never });
      expect((await verifyAccessToken(signed, { key: given as never })).sub).toBe('bob');
    }
  });
});

describe('the Node adapter with handlers answering thenables', () => {
  it('awaits a thenable or a foreign promise of a Response; a non-Response is a 500, reported', async () => {
    const errors: unknown[] = [];
    let mode = 0;
    const server = await serve(
      () => {
        const response = new Response('ok');
        const answers = [thenable(response), foreignPromise(response), thenable(null), thenable({ not: 'a response' })];
        return answers[mode++ % answers.length] as never;
      },
      { port: 0, onError: (error) => errors.push(error) },
    );
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(server.url)).status);
      expect(statuses).toEqual([200, 200, 500, 500]);
      expect(errors).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('an onError that throws or rejects still gets the client its 500', async () => {
    for (const onError of [() => { throw new Error('reporter down'); }, () => Promise.reject(new Error('reporter down'))]) {
      const server = await serve((request) => Promise.reject(new Error(request.url)), { port: 0, onError });
      try {
        expect((await fetch(server.url)).status).toBe(500);
      } finally {
        await server.close();
      }
    }
  });
});
