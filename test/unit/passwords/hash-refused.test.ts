/**
 * Issue 7, part 4: the default caps on stored-hash costs (one source: DEFAULT_LIMITS), each scheme's
 * own override, and the report of a refused hash through `onHashRefused`: who and why, never the hash.
 */
import { describe, expect, it } from 'vitest';
import { HashCostLimitError } from '../../../src/errors.js';
import { createAuthHandler } from '../../../src/http/index.js';
import { DEFAULT_LIMITS } from '../../../src/passwords/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { authenticateUser, createMemoryUserStore, type HashRefusal } from '../../../src/users/index.js';
import { KEY, loginRequest } from '../../helpers/http.js';

const salt = 'abcdefghijklmnopqrstuv'; // 22 bcrypt-base64 characters
const bcryptOf = (cost: number) => `$2b$${String(cost).padStart(2, '0')}$${salt}${'A'.repeat(31)}`;
const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64').replace(/=+$/, '');
const argon2Of = (m: number, t: number, p = 1) => `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(16)}$${b64(32)}`;
const scryptOf = (ln: number, r: number, p: number) => `$scrypt$ln=${ln},r=${r},p=${p}$${b64(16)}$${b64(32)}`;
/** Every built-in family, with a cheap default so that the dummy verify costs little. */
const context = new CryptContext({
  schemes: ['bcrypt', 'scrypt', 'argon2', 'pbkdf2_sha256', 'sha512_crypt', 'phpass'],
  settings: { bcrypt: { rounds: 4 } },
});

async function refusalFor(hash: string, ctx = context): Promise<HashRefusal[]> {
  const seen: HashRefusal[] = [];
  const store = createMemoryUserStore({ bob: { username: 'bob', hashed_password: hash } });
  expect(await authenticateUser(store, 'bob', 'pw', { context: ctx, onHashRefused: (r) => seen.push(r) })).toBeNull();
  for (const refusal of seen) {
    const text = JSON.stringify(refusal);
    expect(text).not.toContain(hash);
    expect(text).not.toContain(hash.slice(-20)); // not even its salt or digest
  }
  return seen;
}

describe('default caps (DEFAULT_LIMITS)', () => {
  it('are the measured numbers and the schemes read them', () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      bcryptMaxRounds: 14,
      scryptMaxMemoryBytes: 256 * 1024 * 1024,
      scryptMaxWorkBytes: 384 * 1024 * 1024,
      pbkdf2MaxRounds: 3_000_000,
      argon2MaxMemoryKiB: 262_144,
      argon2MaxWorkKiB: 262_144,
      shaCryptMaxRounds: 1_000_000,
      phpassMaxRoundsLog2: 20,
    });
    expect(context.settingsOf('bcrypt')!.maxRounds).toBe(14);
    expect(context.settingsOf('scrypt')!.maxMemoryBytes).toBe(256 * 1024 * 1024);
    expect(context.settingsOf('argon2')!.maxMemoryKiB).toBe(262_144);
    expect(context.settingsOf('pbkdf2_sha256')!.maxRounds).toBe(3_000_000);
    expect(context.settingsOf('sha512_crypt')!.maxRounds).toBe(1_000_000);
  });

  const refused: Array<[string, string, string, RegExp]> = [
    ['bcrypt cost 15', bcryptOf(15), 'bcrypt', /cost 15 is above maxRounds 14/],
    ['bcrypt cost 20 (76 s in the report)', bcryptOf(20), 'bcrypt', /cost 20/],
    ['argon2 256 MiB, t=10 (27 s in the report)', argon2Of(262_144, 10), 'argon2', /t|m\*t/],
    ['argon2 128 MiB, t=3: m*t over the work cap', argon2Of(131_072, 3), 'argon2', /m\*t exceeds 262144/],
    ['argon2 512 MiB', argon2Of(524_288, 1), 'argon2', /m exceeds/],
    ['scrypt 1 GiB (ln=20, r=8)', scryptOf(20, 8, 1), 'scrypt', /128\*N\*r exceeds/],
    ['scrypt 128 MiB with p=4: the work cap', scryptOf(17, 8, 4), 'scrypt', /128\*N\*r\*p exceeds/],
    ['PBKDF2 10M rounds', `$pbkdf2-sha256$10000000$${b64(16).replace(/\+/g, '.')}$${b64(32).replace(/\+/g, '.')}`, 'pbkdf2_sha256', /rounds exceed 3000000/],
  ];
  for (const [name, hash, scheme, reason] of refused) {
    it(`refuses ${name}, and reports it`, async () => {
      const [refusal, ...more] = await refusalFor(hash);
      expect(more).toEqual([]);
      expect(refusal).toMatchObject({ username: 'bob', scheme, code: 'ERR_HASH_COST_LIMIT' });
      expect(refusal!.reason).toMatch(reason);
    });
  }

  it('admits FastAPI\'s current tutorial hash (argon2id m=65536, t=3, p=4) and checks it', async () => {
    const fastapi = '$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc';
    expect(await context.verify('secret', fastapi)).toBe(true);
  }, 30_000);

  it('each scheme takes its own cap', async () => {
    const strict = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 4, maxRounds: 5 } } });
    const [refusal] = await refusalFor(bcryptOf(6), strict);
    expect(refusal).toMatchObject({ scheme: 'bcrypt', code: 'ERR_HASH_COST_LIMIT', reason: 'cost 6 is above maxRounds 5' });
    const tight = new CryptContext({ schemes: ['bcrypt', 'argon2', 'scrypt'], settings: { bcrypt: { rounds: 4 }, argon2: { memoryCost: 16, timeCost: 2, maxWorkKiB: 64 }, scrypt: { ln: 10, maxWorkBytes: 1 << 20 } } });
    expect((await refusalFor(argon2Of(64, 2), tight))[0]).toMatchObject({ scheme: 'argon2', reason: 'm*t exceeds 64 KiB' });
    expect(await refusalFor(argon2Of(32, 2), tight)).toEqual([]); // within it: checked (and wrong)
    expect((await refusalFor(scryptOf(10, 8, 2), tight))[0]).toMatchObject({ scheme: 'scrypt', reason: '128*N*r*p exceeds 1048576 bytes' });
    expect(await refusalFor(scryptOf(10, 8, 1), tight)).toEqual([]);
    await expect(Promise.resolve().then(() => new CryptContext({ schemes: ['argon2'], settings: { argon2: { maxWorkKiB: 1000 } } }).hash('x'))).rejects.toThrow(/maxWorkKiB/);
  });
});

describe('onHashRefused', () => {
  it('reports unreadable hashes too: malformed, unsupported, unknown', async () => {
    expect((await refusalFor('$2b$10$tooshort'))[0]).toMatchObject({ scheme: 'bcrypt', code: 'ERR_HASH_MALFORMED' });
    expect((await refusalFor(`$2x$10$${salt}${'A'.repeat(31)}`))[0]).toMatchObject({ scheme: 'bcrypt', code: 'ERR_HASH_UNSUPPORTED' });
    expect((await refusalFor('no scheme reads this'))[0]).toMatchObject({ scheme: null, code: 'ERR_HASH_UNKNOWN' });
  });

  it('is not told of wrong passwords, unknown users or users without a hash', async () => {
    const seen: unknown[] = [];
    const store = createMemoryUserStore({
      bob: { username: 'bob', hashed_password: await context.hash('right') },
      nohash: { username: 'nohash', hashed_password: null },
    });
    const onHashRefused = (r: HashRefusal) => seen.push(r);
    for (const [name, password] of [['bob', 'wrong'], ['ghost', 'x'], ['nohash', 'x']]) {
      expect(await authenticateUser(store, name!, password!, { context, onHashRefused })).toBeNull();
    }
    expect(seen).toEqual([]);
  });

  it('a hook that throws or rejects does not change the answer', async () => {
    const store = createMemoryUserStore({ bob: { username: 'bob', hashed_password: bcryptOf(20) } });
    for (const onHashRefused of [() => { throw new Error('x'); }, () => Promise.reject(new Error('x'))]) {
      expect(await authenticateUser(store, 'bob', 'pw', { context, onHashRefused })).toBeNull();
    }
  });

  it('createAuthHandler passes it on; the client sees the 401 of a wrong password', async () => {
    const seen: HashRefusal[] = [];
    const handle = createAuthHandler({
      users: { bob: { username: 'bob', hashed_password: bcryptOf(20) } },
      key: KEY,
      context,
      onHashRefused: (r) => seen.push(r),
    });
    const response = await handle(loginRequest({ username: 'bob', password: 'pw' }));
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('{"detail":"Incorrect username or password"}');
    expect(seen).toEqual([{ username: 'bob', scheme: 'bcrypt', code: 'ERR_HASH_COST_LIMIT', reason: 'cost 20 is above maxRounds 14' }]);
  });
});
