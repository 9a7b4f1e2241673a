import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, CryptContext, defineScheme, type PasswordScheme } from '../../../src/index.js';
import { MalformedHashError } from '../../../src/errors.js';
import { constantTimeEqualString, fromUtf8 } from '../../../src/passwords/encodings.js';
import { createJsonFileUserStore } from '../../../src/node/index.js';
import { UserStoreError } from '../../../src/errors.js';
import {
  authenticateUser,
  createMemoryUserStore,
  type UserRecord,
  type UserStore,
} from '../../../src/users/index.js';

/** The seed's fake_users_db: johndoe's hash is bcrypt cost 12 of "secret". */
const SEED_HASH = '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW';
const seedDb = () => ({
  johndoe: {
    username: 'johndoe',
    full_name: 'John Doe',
    email: 'johndoe@example.com',
    hashed_password: SEED_HASH,
    disabled: false,
  },
});

/**
 * A transparent test scheme `$plain$<cost>$<password>` that counts its calls, so the flow (which
 * calls happen, which hash gets saved) is checked without paying for a real hash.
 */
function plainScheme(cost = 1) {
  const calls = { hash: 0, verify: 0 };
  const scheme: PasswordScheme<{ cost: number }> = defineScheme({
    name: 'plain',
    defaults: { cost },
    identify: (hash) => hash.startsWith('$plain$'),
    async hash(password, settings) {
      calls.hash++;
      return `$plain$${settings.cost}$${fromUtf8(password)}`;
    },
    async verify(password, hash) {
      calls.verify++;
      const match = /^\$plain\$(\d+)\$(.*)$/.exec(hash);
      if (!match) throw new MalformedHashError('plain', 'bad shape');
      return constantTimeEqualString(match[2]!, fromUtf8(password));
    },
    needsUpdate: (hash, settings) => !hash.startsWith(`$plain$${settings.cost}$`),
  });
  return { scheme, calls, context: new CryptContext({ schemes: [scheme], settings: { plain: { cost } } }) };
}

const plainDb = (): Record<string, UserRecord> => ({
  alice: { username: 'alice', hashed_password: '$plain$2$wonderland', email: 'a@example.com', disabled: true },
  bob: { username: 'bob', hashed_password: '$plain$2$builder', note: { keep: [1, 2] } },
  nohash: { username: 'nohash', hashed_password: null },
  empty: { username: 'empty', hashed_password: '' },
  weird: { username: 'weird', hashed_password: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA' },
  broken: { username: 'broken', hashed_password: '$plain$x' },
});

describe('MemoryUserStore', () => {
  it('finds users by their own key only, and hands out copies', () => {
    const store = createMemoryUserStore(seedDb());
    expect(typeof store.findUser).toBe('function');
    const user = store.findUser('johndoe')!;
    expect(user).toEqual(seedDb().johndoe);
    user.hashed_password = 'changed';
    expect(store.findUser('johndoe')!.hashed_password).toBe(SEED_HASH);
    for (const name of ['__proto__', 'constructor', 'toString', 'JOHNDOE', '', 'johndoe ']) {
      expect(store.findUser(name), name).toBeNull();
    }
    expect(store.findUser(42 as never)).toBeNull();
  });

  it('is not changed by later edits of the object it was built from', () => {
    const db = seedDb();
    const store = createMemoryUserStore(db);
    db.johndoe.disabled = true;
    expect(store.findUser('johndoe')!.disabled).toBe(false);
  });

  it('updates hashes in place of the record', () => {
    const store = createMemoryUserStore(seedDb());
    store.updatePasswordHash('johndoe', '$new');
    expect(store.findUser('johndoe')).toEqual({ ...seedDb().johndoe, hashed_password: '$new' });
    store.updatePasswordHash('nobody', '$new');
    expect(store.findUser('nobody')).toBeNull();
  });

  it('refuses a database whose keys and usernames disagree', () => {
    expect(() => createMemoryUserStore({ john: { username: 'johndoe' } })).toThrow(ConfigurationError);
    expect(() => createMemoryUserStore({ john: null } as never)).toThrow(ConfigurationError);
    expect(() => createMemoryUserStore([] as never)).toThrow(ConfigurationError);
  });
});

describe('authenticateUser (test scheme)', () => {
  it('returns the user for the right password and null for a wrong one', async () => {
    const { context, calls } = plainScheme(2);
    const store = createMemoryUserStore(plainDb());
    const alice = await authenticateUser(store, 'alice', 'wonderland', { context });
    expect(alice).toMatchObject({ username: 'alice', disabled: true }); // disabled is the HTTP layer's business
    expect(await authenticateUser(store, 'alice', 'Wonderland', { context })).toBeNull();
    expect(await authenticateUser(store, 'alice', '', { context })).toBeNull();
    // Nothing outdated: no rehash. The one hash call is the context's dummy hash: the first wrong
    // password, with no dummy verify measured yet, is padded with a real one (hardenRuntime).
    expect(calls.hash).toBe(1);
    expect(store.findUser('alice')!.hashed_password).toBe(plainDb().alice!.hashed_password);
  });

  it('unknown users, users without a hash and unreadable hashes cost one dummy verify and give null', async () => {
    const { context } = plainScheme(2);
    const store = createMemoryUserStore(plainDb());
    const dummy = vi.spyOn(context, 'dummyVerify');
    for (const name of ['nobody', 'nohash', 'empty', 'weird', 'broken', '__proto__']) {
      dummy.mockClear();
      expect(await authenticateUser(store, name, 'whatever', { context }), name).toBeNull();
      expect(dummy, name).toHaveBeenCalledTimes(1);
    }
    // A right password spends no dummy time.
    dummy.mockClear();
    await authenticateUser(store, 'bob', 'builder', { context });
    expect(dummy).not.toHaveBeenCalled();
  });

  it('arguments of the wrong type give null without touching the store', async () => {
    const { context } = plainScheme(2);
    const findUser = vi.fn(() => null);
    for (const [username, password] of [
      [undefined, 'x'],
      [null, 'x'],
      [42, 'x'],
      [['alice'], 'x'],
      ['alice', undefined],
      ['alice', 42],
      ['alice', { toString: () => 'wonderland' }],
    ]) {
      expect(await authenticateUser({ findUser }, username as never, password as never, { context })).toBeNull();
    }
    expect(findUser).not.toHaveBeenCalled();
  });

  it('moves an outdated hash onto the current policy and saves it through the store', async () => {
    const { context } = plainScheme(3);
    const store = createMemoryUserStore(plainDb());
    const bob = await authenticateUser(store, 'bob', 'builder', { context });
    expect(bob!.hashed_password).toBe('$plain$3$builder');
    expect(bob!.note).toEqual({ keep: [1, 2] });
    expect(store.findUser('bob')!.hashed_password).toBe('$plain$3$builder');
    // A wrong password never rewrites anything.
    expect(await authenticateUser(store, 'alice', 'nope', { context })).toBeNull();
    expect(store.findUser('alice')!.hashed_password).toBe('$plain$2$wonderland');
  });

  it('the upgrade is a compare-and-swap on the verified hash: a password changed meanwhile stays', async () => {
    const { context } = plainScheme(3);
    const store = createMemoryUserStore(plainDb());
    const changing: UserStore = {
      findUser: (name) => store.findUser(name),
      updatePasswordHash: (name, newHash, oldHash) => {
        store.updatePasswordHash(name, '$plain$2$changed'); // the password change lands first
        return store.updatePasswordHash(name, newHash, oldHash);
      },
    };
    const bob = await authenticateUser(changing, 'bob', 'builder', { context });
    expect(bob!.hashed_password).toBe('$plain$2$builder'); // logged in, nothing saved
    expect(store.findUser('bob')!.hashed_password).toBe('$plain$2$changed');
  });

  it('a store without updatePasswordHash still logs the user in, with the stored hash', async () => {
    const { context } = plainScheme(3);
    const users = plainDb();
    const store: UserStore = { findUser: async (name) => (Object.hasOwn(users, name) ? users[name] : null) };
    expect((await authenticateUser(store, 'bob', 'builder', { context }))!.hashed_password).toBe('$plain$2$builder');
  });

  it('a failed save keeps the login and reports the error', async () => {
    const { context } = plainScheme(3);
    const failure = new Error('disk full');
    const store: UserStore = {
      findUser: () => ({ username: 'bob', hashed_password: '$plain$2$builder' }),
      updatePasswordHash: async () => {
        throw failure;
      },
    };
    const onUpdateError = vi.fn();
    const bob = await authenticateUser(store, 'bob', 'builder', { context, onUpdateError });
    expect(bob!.hashed_password).toBe('$plain$2$builder');
    expect(onUpdateError).toHaveBeenCalledWith(failure);
  });

  it('an error of the store itself is not swallowed', async () => {
    const { context } = plainScheme(2);
    const store: UserStore = {
      findUser: () => {
        throw new Error('database down');
      },
    };
    await expect(authenticateUser(store, 'bob', 'builder', { context })).rejects.toThrow('database down');
  });
});

describe('authenticateUser with real bcrypt', () => {
  it('the seed user: "secret" logs in and the cost-12 hash is upgraded to cost 4', async () => {
    const context = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 4 } } });
    const store = createMemoryUserStore(seedDb());
    const user = await authenticateUser(store, 'johndoe', 'secret', { context });
    expect(user).toMatchObject({ username: 'johndoe', email: 'johndoe@example.com', disabled: false });
    expect(user!.hashed_password).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);
    expect(store.findUser('johndoe')!.hashed_password).toBe(user!.hashed_password);
    expect(await context.verify('secret', user!.hashed_password!)).toBe(true);
    // The next login verifies the new hash and leaves it alone.
    const again = await authenticateUser(store, 'johndoe', 'secret', { context });
    expect(again!.hashed_password).toBe(user!.hashed_password);
    expect(await authenticateUser(store, 'johndoe', 'Secret', { context })).toBeNull();
    expect(await authenticateUser(store, 'johndoe2', 'secret', { context })).toBeNull();
  });
});

describe('JsonFileUserStore', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-users-'));
    path = join(dir, 'users.json');
    await writeFile(path, JSON.stringify(plainDb(), null, 2));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads users from the file and notices when it changes', async () => {
    const store = createJsonFileUserStore(path);
    expect(store.path).toBe(path);
    expect(await store.findUser('alice')).toMatchObject({ username: 'alice', email: 'a@example.com' });
    expect(await store.findUser('__proto__')).toBeNull();
    expect(await store.findUser('carol')).toBeNull();
    const db = plainDb();
    db.carol = { username: 'carol', hashed_password: '$plain$2$c' };
    await writeFile(path, JSON.stringify(db));
    expect(await store.findUser('carol')).toMatchObject({ username: 'carol' });
  });

  it('rewrites only the hash, atomically, keeping every other field and the file mode', async () => {
    await chmod(path, 0o640);
    const { context } = plainScheme(3);
    const store = createJsonFileUserStore(path);
    const bob = await authenticateUser(store, 'bob', 'builder', { context });
    expect(bob!.hashed_password).toBe('$plain$3$builder');
    const written = JSON.parse(await readFile(path, 'utf8'));
    const expected = plainDb();
    expected.bob = { ...expected.bob!, hashed_password: '$plain$3$builder' };
    expect(written).toEqual(expected);
    expect(Object.keys(written)).toEqual(Object.keys(expected));
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['users.json']); // no temporary file left behind
    expect((await store.findUser('bob'))!.hashed_password).toBe('$plain$3$builder');
  });

  it('concurrent updates are serialised: none is lost', async () => {
    const db: Record<string, UserRecord> = {};
    for (let i = 0; i < 20; i++) db[`u${i}`] = { username: `u${i}`, hashed_password: `$plain$1$p${i}` };
    await writeFile(path, JSON.stringify(db));
    const store = createJsonFileUserStore(path);
    await Promise.all(Object.keys(db).map((name) => store.updatePasswordHash(name, `$plain$9$${name}`)));
    const written = JSON.parse(await readFile(path, 'utf8'));
    for (const name of Object.keys(db)) expect(written[name].hashed_password).toBe(`$plain$9$${name}`);
    expect(await readdir(dir)).toEqual(['users.json']);
  });

  it('an upgrade from a hash the file no longer holds (a password changed meanwhile) changes nothing', async () => {
    const store = createJsonFileUserStore(path);
    const db = plainDb();
    db.bob = { ...db.bob!, hashed_password: '$plain$2$changed' };
    await writeFile(path, JSON.stringify(db));
    expect(await store.updatePasswordHash('bob', '$plain$3$builder', '$plain$2$builder')).toBe(false);
    expect(JSON.parse(await readFile(path, 'utf8')).bob.hashed_password).toBe('$plain$2$changed');
    expect(await store.updatePasswordHash('bob', '$plain$3$changed', '$plain$2$changed')).toBe(true);
  });

  it('an update for a user removed meanwhile changes nothing', async () => {
    const store = createJsonFileUserStore(path);
    const before = await readFile(path, 'utf8');
    await store.updatePasswordHash('nobody', '$plain$3$x');
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('a missing, unreadable or malformed file at request time is a UserStoreError (the handler answers 503)', async () => {
    await expect(createJsonFileUserStore(join(dir, 'missing.json')).findUser('alice')).rejects.toBeInstanceOf(UserStoreError);
    await writeFile(path, '{not json');
    await expect(createJsonFileUserStore(path).findUser('alice')).rejects.toBeInstanceOf(UserStoreError);
    await writeFile(path, '[]');
    await expect(createJsonFileUserStore(path).findUser('alice')).rejects.toBeInstanceOf(UserStoreError);
    await writeFile(path, '{"alice":{"username":"bob"}}');
    await expect(createJsonFileUserStore(path).findUser('alice')).rejects.toBeInstanceOf(UserStoreError);
    expect(() => createJsonFileUserStore('')).toThrow(ConfigurationError);
  });

  it('a failed rename leaves the old file intact and no temporary file', async () => {
    const store = createJsonFileUserStore(path);
    const before = await readFile(path, 'utf8');
    const fs = process.getBuiltinModule('node:fs/promises');
    const rename = vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('cross-device'), { code: 'EXDEV' }));
    try {
      await expect(store.updatePasswordHash('bob', '$plain$3$builder')).rejects.toThrow('cross-device');
    } finally {
      rename.mockRestore();
    }
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['users.json']);
    // The queue is not stuck: the next update goes through.
    await store.updatePasswordHash('bob', '$plain$3$builder');
    expect((await store.findUser('bob'))!.hashed_password).toBe('$plain$3$builder');
  });

  it('a symlinked file (a deploy\'s shared users.json) stays a symlink; later edits of its target are seen (issue #18)', async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared);
    const real = join(shared, 'users.json');
    await rename(path, real);
    await chmod(real, 0o640);
    await symlink(relative(dir, real), path); // Capistrano-style: release/users.json -> shared/users.json
    const { context } = plainScheme(3);
    const store = createJsonFileUserStore(path);
    expect(await authenticateUser(store, 'bob', 'builder', { context })).toMatchObject({ hashed_password: '$plain$3$builder' });
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(await readlink(path)).toBe(relative(dir, real));
    expect(JSON.parse(await readFile(real, 'utf8')).bob.hashed_password).toBe('$plain$3$builder');
    expect((await stat(real)).mode & 0o777).toBe(0o640);
    expect((await readdir(dir)).sort()).toEqual(['shared', 'users.json']);
    expect(await readdir(shared)).toEqual(['users.json']); // no temporary file left behind
    // An operator disables bob in the shared file: the store sees it.
    const edited = JSON.parse(await readFile(real, 'utf8'));
    edited.bob.disabled = true;
    await writeFile(real, JSON.stringify(edited));
    expect(await store.findUser('bob')).toMatchObject({ disabled: true });
  });

  it('look-alike names in the file (JohnDoe and johndoe) make it invalid, as the SQL stores refuse them (issue #18)', async () => {
    const store = createJsonFileUserStore(path);
    expect(await store.findUser('bob')).toMatchObject({ username: 'bob' });
    for (const twin of ['Bob', '\uff42ob', 'BOB']) {
      const db = plainDb();
      db[twin] = { username: twin, hashed_password: '$plain$2$attacker' };
      await writeFile(path, JSON.stringify(db));
      const error = await store.findUser(twin).catch((e: unknown) => e);
      expect(error, twin).toBeInstanceOf(UserStoreError);
      expect((error as UserStoreError).code).toBe('ERR_USER_STORE_DATA');
      expect((error as Error).message).toContain(`"bob" and ${JSON.stringify(twin)} differ only in case or Unicode form`);
    }
  });
});

describe('MemoryUserStore and look-alike names (issue #18)', () => {
  it('refuses two names that fold alike (case, fullwidth, NFD/NFC) at construction', () => {
    const record = (username: string) => ({ username, hashed_password: null });
    for (const [a, b] of [['johndoe', 'JohnDoe'], ['johndoe', '\uff4aohndoe'], ['jos\u00e9', 'jose\u0301']] as const) {
      expect(() => createMemoryUserStore({ [a]: record(a), [b]: record(b) }), b).toThrow(ConfigurationError);
      expect(() => createMemoryUserStore({ [a]: record(a), [b]: record(b) }), b).toThrow(/differ only in case or Unicode form/);
    }
    const distinct = createMemoryUserStore({ johndoe: record('johndoe'), johndoe2: record('johndoe2'), 'j\u00f6hndoe': record('j\u00f6hndoe') });
    expect(distinct.findUser('j\u00f6hndoe')).toMatchObject({ username: 'j\u00f6hndoe' });
  });
});
