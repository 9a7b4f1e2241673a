/**
 * The login's events: login_succeeded, login_failed (with the reason the answer hides),
 * login_throttled, hash_upgraded — never a password, hash or token in them — and an onEvent that
 * throws or rejects does not break a login. Also authenticateUser's onHashUpgraded / onRejected.
 */
import { describe, expect, it, vi } from 'vitest';
import { createAuthHandler, type AuthEvent } from '../../../src/http/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { authenticateUser, createMemoryUserStore } from '../../../src/users/index.js';
import { KEY, context, loginRequest, makeUsers } from '../../helpers/http.js';

const ADDRESS = '203.0.113.7';
const ALLOWED_KEYS = new Set(['type', 'username', 'clientAddress', 'sessionId', 'at', 'reason', 'scheme', 'everywhere', 'count']);

function recorder() {
  const events: AuthEvent[] = [];
  return { events, onEvent: (event: AuthEvent) => void events.push(event) };
}

/** Every secret a scenario handled: passwords typed, stored hashes, tokens answered. */
function expectNoSecrets(events: readonly AuthEvent[], secrets: readonly string[]) {
  const text = JSON.stringify(events);
  for (const secret of secrets) expect(text).not.toContain(secret);
  for (const event of events) for (const key of Object.keys(event)) expect(ALLOWED_KEYS.has(key)).toBe(true);
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('login events', () => {
  for (const style of ['fastapi', 'rfc6749'] as const) {
    it(`tells succeeded and failed logins apart, with the reason the ${style} answer hides`, async () => {
      const users = makeUsers();
      const { events, onEvent } = recorder();
      const handle = createAuthHandler({ users, key: KEY, context, onEvent, oauth2Errors: style, clientAddress: () => ADDRESS, throttle: false });
      const ok = await handle(loginRequest({ username: 'johndoe', password: 'secret' }));
      const token = ((await ok.json()) as { access_token: string }).access_token;
      const wrong = await handle(loginRequest({ username: 'johndoe', password: 'not-the-secret' }));
      const unknown = await handle(loginRequest({ username: 'nobody', password: 'nobody-password' }));
      const nohash = await handle(loginRequest({ username: 'nohash', password: 'nohash-password' }));
      const disabled = await handle(loginRequest({ username: 'alice', password: 'secret2' }));
      const bodies = [await wrong.text(), await unknown.text(), await nohash.text()];
      expect(new Set(bodies).size).toBe(1); // the client cannot tell the reasons apart
      expect(events.map(({ type, username, reason }) => [type, username, reason])).toEqual([
        ['login_succeeded', 'johndoe', undefined],
        ['login_failed', 'johndoe', 'bad_password'],
        ['login_failed', 'nobody', 'unknown_user'],
        ['login_failed', 'nohash', 'unknown_user'],
        style === 'rfc6749' ? ['login_failed', 'alice', 'disabled'] : ['login_succeeded', 'alice', undefined],
      ]);
      if (style === 'rfc6749') expect(await disabled.text()).toBe(bodies[0]);
      else expect(disabled.status).toBe(200);
      for (const event of events) {
        expect(event.clientAddress).toBe(ADDRESS);
        expect(Number.isSafeInteger(event.at)).toBe(true);
      }
      expectNoSecrets(events, [
        'secret',
        'not-the-secret',
        'nobody-password',
        'nohash-password',
        token,
        token.split('.')[2]!,
        ...Object.values(users).map((user) => user.hashed_password).filter((hash): hash is string => typeof hash === 'string'),
      ]);
    });
  }

  it('login_throttled for a throttle refusal (with its reason) and for a full queue', async () => {
    const { events, onEvent } = recorder();
    const handle = createAuthHandler({
      users: makeUsers(),
      key: KEY,
      context,
      onEvent,
      clientAddress: () => ADDRESS,
      throttle: { username: { freeFailures: 1 }, address: false } as never,
    });
    let status = 0;
    for (let i = 0; i < 5 && status !== 429; i++) status = (await handle(loginRequest({ username: 'johndoe', password: 'wrong' }))).status;
    expect(status).toBe(429);
    const throttled = events.filter((event) => event.type === 'login_throttled');
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toMatchObject({ username: 'johndoe', clientAddress: ADDRESS, reason: 'username' });

    const queued = recorder();
    const tiny = createAuthHandler({ users: makeUsers(), key: KEY, context, onEvent: queued.onEvent, throttle: false, loginConcurrency: 1, loginQueue: 0 });
    const answers = await Promise.all([1, 2, 3].map(() => tiny(loginRequest({ username: 'johndoe', password: 'secret' }))));
    expect(answers.map((response) => response.status).sort()).toEqual([200, 429, 429]);
    expect(queued.events.filter((event) => event.type === 'login_throttled').map((event) => event.reason)).toEqual(['queue', 'queue']);
  });

  it('hash_upgraded when a login rehashes the stored password (scheme, never the hash)', async () => {
    const old = context; // bcrypt cost 4
    const current = new CryptContext({ schemes: ['pbkdf2_sha256', 'bcrypt'], deprecated: 'auto', settings: { pbkdf2_sha256: { rounds: 1000 } } });
    const oldHash = await old.hash('upgrade-me');
    const store = createMemoryUserStore({ bob: { username: 'bob', hashed_password: oldHash } });
    const { events, onEvent } = recorder();
    const handle = createAuthHandler({ users: store, key: KEY, context: current, onEvent, throttle: false });
    expect((await handle(loginRequest({ username: 'bob', password: 'upgrade-me' }))).status).toBe(200);
    const newHash = store.findUser('bob')!.hashed_password!;
    expect(newHash).toMatch(/^\$pbkdf2-sha256\$/);
    expect(events.map((event) => event.type)).toEqual(['hash_upgraded', 'login_succeeded']);
    expect(events[0]).toMatchObject({ username: 'bob', scheme: 'pbkdf2_sha256' });
    expectNoSecrets(events, ['upgrade-me', oldHash, newHash]);
  });

  it('an onEvent that throws or rejects does not break a login; onError hears of it', async () => {
    const onError = vi.fn();
    const throwing = createAuthHandler({ users: makeUsers(), key: KEY, context, throttle: false, onError, onEvent: () => { throw new Error('hook broke'); } });
    const ok = await throwing(loginRequest({ username: 'johndoe', password: 'secret' }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { token_type: string }).token_type).toBe('bearer');
    const bad = await throwing(loginRequest({ username: 'johndoe', password: 'wrong' }));
    expect(bad.status).toBe(401);
    expect(onError).toHaveBeenCalledTimes(2);
    expect((onError.mock.calls[0]![0] as Error).message).toBe('hook broke');

    const rejecting = createAuthHandler({ users: makeUsers(), key: KEY, context, throttle: false, onError, onEvent: async () => { throw new Error('later'); } });
    expect((await rejecting(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(200);
    await flush();
    expect((onError.mock.calls[2]![0] as Error).message).toBe('later');
  });

  it('an onEvent that never settles does not delay the answer', async () => {
    const handle = createAuthHandler({ users: makeUsers(), key: KEY, context, throttle: false, onEvent: () => new Promise(() => {}) });
    expect((await handle(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(200);
  });
});

describe('authenticateUser hooks', () => {
  const current = new CryptContext({ schemes: ['pbkdf2_sha256', 'bcrypt'], deprecated: 'auto', settings: { pbkdf2_sha256: { rounds: 1000 } } });

  it('onRejected tells unknown_user from bad_password; onHashUpgraded only after a saved rehash', async () => {
    const oldHash = await context.hash('pw');
    const reasons: string[] = [];
    const upgrades: unknown[] = [];
    const hooks = { context: current, onRejected: (reason: string) => reasons.push(reason), onHashUpgraded: (u: unknown) => upgrades.push(u) };
    const saving = createMemoryUserStore({ bob: { username: 'bob', hashed_password: oldHash } });
    expect(await authenticateUser(saving, 'nobody', 'pw', hooks)).toBeNull();
    expect(await authenticateUser(saving, 'bob', 'wrong', hooks)).toBeNull();
    expect(reasons).toEqual(['unknown_user', 'bad_password']);
    expect(await authenticateUser(saving, 'bob', 'pw', hooks)).not.toBeNull();
    expect(upgrades).toEqual([{ username: 'bob', scheme: 'pbkdf2_sha256' }]);

    // A store that refuses the save (false), one that fails, one without the method: no upgrade told.
    const refusing = { findUser: async () => ({ username: 'bob', hashed_password: oldHash }), updatePasswordHash: async () => false };
    const failing = { findUser: async () => ({ username: 'bob', hashed_password: oldHash }), updatePasswordHash: async () => { throw new Error('down'); } };
    const readOnly = { findUser: async () => ({ username: 'bob', hashed_password: oldHash }) };
    for (const store of [refusing, failing, readOnly]) expect(await authenticateUser(store, 'bob', 'pw', hooks)).not.toBeNull();
    expect(upgrades).toHaveLength(1);
  });

  it('a throwing hook changes nothing', async () => {
    const store = createMemoryUserStore({ bob: { username: 'bob', hashed_password: await context.hash('pw') } });
    const boom = () => { throw new Error('boom'); };
    expect(await authenticateUser(store, 'bob', 'nope', { context: current, onRejected: boom })).toBeNull();
    expect(await authenticateUser(store, 'bob', 'pw', { context: current, onHashUpgraded: boom })).not.toBeNull();
  });
});
