import { describe, expect, it } from 'vitest';
import { UserStoreError } from '../../../src/errors.js';
import { createMemorySessionStore, type SessionRotation, type StoredSession } from '../../../src/tokens/index.js';

const NOW = 1_767_225_600;

function session(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    id: 'AAAAAAAAAAAAAAAAAAAAAA',
    username: 'johndoe',
    kind: 'refresh',
    userStamp: 'stamp',
    scope: '',
    createdAt: NOW,
    lastUsedAt: NOW,
    expiresAt: NOW + 1000,
    secretHash: 'h0',
    previousHash: null,
    rotatedAt: null,
    rotationNonce: null,
    generation: 0,
    revokedAt: null,
    clientAddress: null,
    userAgent: null,
    ...overrides,
  };
}

const rotation = (secretHash: string, previousHash: string, at: number, usedSince = at - 500): SessionRotation => ({
  secretHash,
  previousHash,
  rotationNonce: `n-${secretHash}`,
  at,
  usedSince,
});

describe('createMemorySessionStore', () => {
  it('stores, finds and rotates by compare-and-swap', async () => {
    const store = createMemorySessionStore();
    await store.createSession(session());
    expect((await store.findSession('AAAAAAAAAAAAAAAAAAAAAA'))?.secretHash).toBe('h0');
    expect(await store.findSession('nope')).toBeNull();

    const rotated = await store.rotateSession('AAAAAAAAAAAAAAAAAAAAAA', 'h0', rotation('h1', 'h0', NOW + 10));
    expect(rotated).toMatchObject({ secretHash: 'h1', previousHash: 'h0', rotationNonce: 'n-h1', generation: 1, rotatedAt: NOW + 10, lastUsedAt: NOW + 10 });
    expect(rotated?.createdAt).toBe(NOW);
    // The old hash no longer matches: the swap is refused.
    expect(await store.rotateSession('AAAAAAAAAAAAAAAAAAAAAA', 'h0', rotation('h2', 'h0', NOW + 11))).toBeNull();
    expect((await store.findSession('AAAAAAAAAAAAAAAAAAAAAA'))?.secretHash).toBe('h1');
    // The store counts rotations itself: the rotation carries no generation.
    expect(await store.rotateSession('AAAAAAAAAAAAAAAAAAAAAA', 'h1', rotation('h3', 'h1', NOW + 12))).toMatchObject({ secretHash: 'h3', generation: 2 });
  });

  it('a duplicate id is an error', async () => {
    const store = createMemorySessionStore();
    await store.createSession(session());
    expect(() => store.createSession(session())).toThrow(UserStoreError);
  });

  it('exactly one of many concurrent rotations with the same expected hash wins', async () => {
    const store = createMemorySessionStore();
    await store.createSession(session());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => Promise.resolve().then(() => store.rotateSession('AAAAAAAAAAAAAAAAAAAAAA', 'h0', rotation(`x${i}`, 'h0', NOW + 1)))),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect((await store.findSession('AAAAAAAAAAAAAAAAAAAAAA'))?.secretHash).toBe(winners[0]!.secretHash);
  });

  it('refuses to rotate a revoked, absolutely expired or idle session', async () => {
    const store = createMemorySessionStore();
    await store.createSession(session({ id: 'revoked', revokedAt: NOW }));
    await store.createSession(session({ id: 'expired', expiresAt: NOW + 100 }));
    await store.createSession(session({ id: 'idle', lastUsedAt: NOW }));
    expect(await store.rotateSession('revoked', 'h0', rotation('h1', 'h0', NOW + 1))).toBeNull();
    expect(await store.rotateSession('expired', 'h0', rotation('h1', 'h0', NOW + 100))).toBeNull();
    expect(await store.rotateSession('idle', 'h0', rotation('h1', 'h0', NOW + 600, NOW + 1))).toBeNull();
    // At the boundaries: usedSince equal to lastUsedAt passes, at one second before expiry passes.
    expect(await store.rotateSession('idle', 'h0', rotation('h1', 'h0', NOW + 600, NOW))).not.toBeNull();
    expect(await store.rotateSession('expired', 'h0', rotation('h1', 'h0', NOW + 99))).not.toBeNull();
  });

  it('touchSession is a compare-and-swap on lastUsedAt', async () => {
    const store = createMemorySessionStore();
    await store.createSession(session({ kind: 'cookie' }));
    expect(await store.touchSession('AAAAAAAAAAAAAAAAAAAAAA', NOW + 5, NOW)).toBe(true);
    expect(await store.touchSession('AAAAAAAAAAAAAAAAAAAAAA', NOW + 6, NOW)).toBe(false);
    expect((await store.findSession('AAAAAAAAAAAAAAAAAAAAAA'))?.lastUsedAt).toBe(NOW + 5);
    expect(await store.touchSession('missing', NOW + 6, NOW)).toBe(false);
  });

  it('revokes one session, all of a user but one, and lists live sessions newest first', async () => {
    const store = createMemorySessionStore();
    await store.createSession(session({ id: 's1', createdAt: NOW }));
    await store.createSession(session({ id: 's2', createdAt: NOW + 1 }));
    await store.createSession(session({ id: 's3', createdAt: NOW + 2 }));
    await store.createSession(session({ id: 'other', username: 'alice' }));
    expect((await store.listSessions('johndoe', NOW + 3)).map((s) => s.id)).toEqual(['s3', 's2', 's1']);

    expect(await store.revokeSession('s1', NOW + 3)).toBe(true);
    expect(await store.revokeSession('s1', NOW + 4)).toBe(false);
    expect(await store.revokeSession('missing', NOW + 4)).toBe(false);
    expect((await store.findSession('s1'))?.revokedAt).toBe(NOW + 3);

    expect(await store.revokeUserSessions('johndoe', NOW + 5, 's3')).toBe(1);
    expect((await store.listSessions('johndoe', NOW + 5)).map((s) => s.id)).toEqual(['s3']);
    expect(await store.revokeUserSessions('johndoe', NOW + 6)).toBe(1);
    expect(await store.listSessions('johndoe', NOW + 6)).toEqual([]);
    expect((await store.listSessions('alice', NOW + 6)).map((s) => s.id)).toEqual(['other']);
    // Expired sessions are not listed.
    expect(await store.listSessions('alice', NOW + 1000)).toEqual([]);
  });

  it('isAccessRevoked: a revoked jti until its exp, a revoked or unknown session', async () => {
    const store = createMemorySessionStore();
    await store.createSession(session({ id: 's1' }));
    expect(await store.isAccessRevoked(null, null, NOW)).toBe(false);
    expect(await store.isAccessRevoked('j1', 's1', NOW)).toBe(false);
    expect(await store.isAccessRevoked(null, 'gone', NOW)).toBe(true);

    await store.revokeAccessToken('j1', NOW + 60);
    await store.revokeAccessToken('j1', NOW + 30); // idempotent, never shortens
    expect(await store.isAccessRevoked('j1', null, NOW + 59)).toBe(true);
    expect(await store.isAccessRevoked('j1', null, NOW + 60)).toBe(false);

    await store.revokeSession('s1', NOW);
    expect(await store.isAccessRevoked('j2', 's1', NOW)).toBe(true);
  });

  it('sweep deletes expired sessions and revoked tokens past exp, nothing else', async () => {
    const store = createMemorySessionStore();
    await store.createSession(session({ id: 'short', expiresAt: NOW + 10 }));
    await store.createSession(session({ id: 'long', expiresAt: NOW + 1000 }));
    await store.revokeAccessToken('j-short', NOW + 10);
    await store.revokeAccessToken('j-long', NOW + 1000);
    expect(await store.sweep(NOW + 9)).toBe(0);
    expect(await store.sweep(NOW + 10)).toBe(2);
    expect(await store.findSession('short')).toBeNull();
    expect(await store.findSession('long')).not.toBeNull();
    expect(await store.isAccessRevoked('j-long', null, NOW + 10)).toBe(true);
    expect(await store.revokeUserSessions('johndoe', NOW + 11)).toBe(1);
  });

  it('is bounded: a full store sweeps, then refuses with a UserStoreError (never forgets a live session)', async () => {
    let now = NOW;
    const store = createMemorySessionStore({ maxSessions: 2, maxRevokedTokens: 1, now: () => now });
    await store.createSession(session({ id: 'a', expiresAt: NOW + 10 }));
    await store.createSession(session({ id: 'b', expiresAt: NOW + 100 }));
    let error: unknown;
    try {
      await store.createSession(session({ id: 'c' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserStoreError);
    expect((error as UserStoreError).code).toBe('ERR_USER_STORE_UNAVAILABLE');
    expect(await store.findSession('a')).not.toBeNull();

    now = NOW + 10; // 'a' has expired: room is made by a sweep
    await store.createSession(session({ id: 'c' }));
    expect(await store.findSession('a')).toBeNull();
    expect(await store.findSession('c')).not.toBeNull();

    await store.revokeAccessToken('j1', NOW + 20);
    expect(() => store.revokeAccessToken('j2', NOW + 20)).toThrow(UserStoreError);
    expect(await store.isAccessRevoked('j1', null, now)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => createMemorySessionStore({ maxSessions: 0 })).toThrow(/maxSessions/);
  });
});
