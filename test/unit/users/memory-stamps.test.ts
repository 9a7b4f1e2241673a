/** The memory user store's token stamps: renewed by renewTokenStamp, setPassword and setDisabled; fresh for a re-created name. */
import { describe, expect, it } from 'vitest';
import { UserStoreError } from '../../../src/errors.js';
import { tokenStampOf } from '../../../src/tokens/index.js';
import { createMemoryUserStore, type UserRecord } from '../../../src/users/index.js';

describe('memory user store token stamps', () => {
  it('derives the stamp from the hash until something renews it; every change renews it', async () => {
    const users = createMemoryUserStore<UserRecord>({ johndoe: { username: 'johndoe', hashed_password: '$2b$04$abcdefghijklmnopqrstuuJ1u3QxGxv0d3B8wq8gqOqpYc5dLrN3a' } });
    const derived = tokenStampOf(users.findUser('johndoe')!);
    expect(derived).toHaveLength(16);
    expect(users.findUser('johndoe')!.token_stamp).toBeUndefined(); // the tutorial's records are unchanged

    const seen = new Set([derived]);
    const renewed = await users.renewTokenStamp('johndoe');
    expect(tokenStampOf(users.findUser('johndoe')!)).toBe(renewed);
    seen.add(renewed);
    await users.setPassword('johndoe', 'new-hash');
    seen.add(tokenStampOf(users.findUser('johndoe')!));
    await users.setDisabled('johndoe', true);
    expect(users.findUser('johndoe')!.disabled).toBe(true);
    seen.add(tokenStampOf(users.findUser('johndoe')!));
    await users.deleteUser('johndoe');
    expect(users.findUser('johndoe')).toBeNull();
    await users.createUser({ username: 'johndoe', hashed_password: 'new-hash' });
    seen.add(tokenStampOf(users.findUser('johndoe')!));
    expect(seen.size).toBe(5);
  });

  it('unknown users and taken names are UserStoreErrors', async () => {
    const users = createMemoryUserStore({});
    await expect(users.renewTokenStamp('nobody')).rejects.toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
    await expect(users.deleteUser('nobody')).rejects.toBeInstanceOf(UserStoreError);
    await users.createUser({ username: 'a', hashed_password: null });
    await expect(users.createUser({ username: 'a', hashed_password: null })).rejects.toMatchObject({ code: 'ERR_USER_EXISTS' });
    expect(users.sessions).toBeDefined();
  });
});
