/**
 * Issue 18, item 1: the per-username throttle must not be reset through a look-alike account. The
 * user store matches names exactly, the throttle folds them (NFKC + lower case): an attacker who owns
 * `JohnDoe`, fullwidth `ｊohndoe` or an NFD `josé` alternates 4 wrong guesses on the victim with 1 right
 * login of their own. A success clears only its exact account's counter, so the victim still gets its
 * 429 where a plain run of wrong guesses does. Also: a literal `#<64 hex>` name never shares a key with
 * the hashed key of a long name.
 */
import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { createLoginThrottle } from '../../../src/throttle/policy.js';
import type { UserRecord } from '../../../src/users/index.js';
import { KEY, context, loginRequest } from '../../helpers/http.js';

const victimHash = bcryptjs.hashSync('victim-secret', 4);
const attackerHash = bcryptjs.hashSync('attacker-secret', 4);

function handlerWith(victim: string, twin: string) {
  const users: Record<string, UserRecord> = {
    [victim]: { username: victim, hashed_password: victimHash, disabled: false },
    [twin]: { username: twin, hashed_password: attackerHash, disabled: false },
  };
  // A store that matches names exactly and holds both (an app's own table, Django's auth_user): the
  // built-in stores now refuse such twins, so the throttle must hold on its own.
  const checks = { victim: 0 };
  const counted = { findUser: (name: string) => (name === victim && checks.victim++, users[name] ?? null) };
  // The default policy (5 free failures, then 1 s doubling); a fixed clock: no window ever passes.
  const handler = createAuthHandler({ users: counted, key: KEY, context, docs: false, throttle: { now: () => 1_700_000_000_000 }, onError: () => {} });
  return { handler, checks };
}

const login = async (handler: (r: Request) => Promise<Response>, username: string, password: string) =>
  (await handler(loginRequest({ username, password }))).status;

/** 40 guesses on the victim, each 4 followed by one right login of `twin` (or none): the statuses of the guesses. */
async function attack(victim: string, twin: string, alternate: boolean) {
  const { handler, checks } = handlerWith(victim, twin);
  const statuses: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 4; i++) statuses.push(await login(handler, victim, `guess-${round}-${i}`));
    if (alternate) expect(await login(handler, twin, 'attacker-secret')).toBe(200); // the attacker's own account
  }
  return { statuses, checks: checks.victim };
}

const twins: Array<[string, string, string]> = [
  ['case', 'johndoe', 'JohnDoe'],
  ['fullwidth j (NFKC)', 'johndoe', '\uff4aohndoe'],
  ['NFD é beside NFC', 'jos\u00e9', 'jose\u0301'],
];

describe('a look-alike account cannot reset its twin’s count', () => {
  for (const [what, victim, twin] of twins) {
    it(`${what}: 4 wrong guesses + 1 right login of the twin get 429 on the 6th guess, as without the twin`, async () => {
      expect(victim).not.toBe(twin);
      expect(victim.normalize('NFKC').toLowerCase()).toBe(twin.normalize('NFKC').toLowerCase());
      const control = await attack(victim, twin, false);
      expect(control.statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 429]);
      const alternating = await attack(victim, twin, true);
      expect(alternating.statuses).toEqual(control.statuses);
      expect(alternating.checks).toBe(5);
    });
  }

  it('a real user who mistypes a few times and then logs in is let in at once, again and again', async () => {
    const { handler } = handlerWith('johndoe', 'JohnDoe');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expect(await login(handler, 'johndoe', 'typo')).toBe(401);
      expect(await login(handler, 'johndoe', 'victim-secret')).toBe(200);
    }
    expect(await login(handler, 'johndoe', 'victim-secret')).toBe(200);
  });
});

describe('throttle keys', () => {
  it('a literal `#<64 hex>` name is not the hashed key of a long or control-character name', async () => {
    const throttle = createLoginThrottle({ username: { freeFailures: 1 }, address: false });
    for (const hashed of ['x'.repeat(200), 'a\nb']) {
      const key = throttle.keys(hashed, null).username;
      const hex = /[0-9a-f]{64}$/.exec(key)?.[0];
      expect(hex).toBeDefined();
      const literal = `#${hex}`;
      expect(throttle.keys(literal, null).username).not.toBe(key);
      await throttle.recordFailure(hashed, null);
      expect((await throttle.check(literal, null)).allowed).toBe(true); // the literal name's count is its own
      expect((await throttle.check(hashed, null)).allowed).toBe(false);
    }
  });
});
