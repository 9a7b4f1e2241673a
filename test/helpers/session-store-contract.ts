/**
 * The SessionStore contract (src/tokens/lifecycle/session-store.ts), as one suite every store runs:
 * the memory store and the SQL stores (test/integration/databases/session-stores.test.ts). Known
 * answers only: each case builds its sessions, acts, and checks what the store then holds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { SessionRotation, SessionStore, StoredSession } from '../../src/tokens/lifecycle/session-store.js';

export interface SessionStoreContractOptions {
  /** Concurrent rotations with one expected hash (50 by default). */
  readonly racers?: number;
}

/** A fresh session id: 16 random bytes, base64url (22 characters), as the handler makes them. */
export function sessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** The base64url SHA-256 of a label (43 characters): a secret's hash as the handler stores it. */
export function hash43(label: string): string {
  return createHash('sha256').update(label).digest('base64url');
}

/** A live refresh session of `username` created at `now`, living `ttl` seconds. */
export function newSession(username: string, now: number, more: Partial<StoredSession> = {}): StoredSession {
  const id = sessionId();
  return {
    id,
    username,
    kind: 'refresh',
    userStamp: 'stamp-of-' + username.slice(0, 40),
    scope: 'read write',
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 30 * 86400,
    secretHash: hash43(`${id}:0`),
    previousHash: null,
    rotatedAt: null,
    rotationNonce: null,
    generation: 0,
    revokedAt: null,
    clientAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (contract)',
    ...more,
  };
}

function rotation(session: StoredSession, at: number, label: string, idle = 14 * 86400): SessionRotation {
  return {
    secretHash: hash43(`${session.id}:${label}`),
    previousHash: session.secretHash,
    rotationNonce: hash43(`nonce:${label}`),
    at,
    usedSince: at - idle,
  };
}

/**
 * Registers the contract's cases (call inside a describe). `makeStore` gives a store on fresh, empty
 * state for each case; `clock` the Unix seconds the case starts at.
 */
export function sessionStoreContract(
  makeStore: () => Promise<SessionStore>,
  clock: () => number,
  options: SessionStoreContractOptions = {},
): void {
  const racers = options.racers ?? 50;

  it('createSession then findSession gives the session back, field for field; unknown ids are null', async () => {
    const store = await makeStore();
    const now = clock();
    const session = newSession('alice', now);
    await store.createSession(session);
    expect(await store.findSession(session.id)).toEqual(session);
    const cookie = newSession('o\'neil ünï 🔑', now, { kind: 'cookie', scope: '', clientAddress: null, userAgent: null });
    await store.createSession(cookie);
    expect(await store.findSession(cookie.id)).toEqual(cookie);
    expect(await store.findSession(sessionId())).toBeNull();
    // A fresh id that is taken is an error, and the first session stays as it was.
    await expect((async () => store.createSession({ ...session, username: 'mallory' }))()).rejects.toBeInstanceOf(Error);
    expect(await store.findSession(session.id)).toEqual(session);
  });

  it('rotateSession is a compare-and-swap: the right hash wins once; wrong hash, revoked, expired, idle: null', async () => {
    const store = await makeStore();
    const now = clock();
    const session = newSession('alice', now);
    await store.createSession(session);
    expect(await store.rotateSession(session.id, hash43('wrong'), rotation(session, now + 60, 'w'))).toBeNull();
    const next = rotation(session, now + 60, 'one');
    const rotated = await store.rotateSession(session.id, session.secretHash, next);
    const expected: StoredSession = {
      ...session,
      secretHash: next.secretHash,
      previousHash: session.secretHash,
      rotationNonce: next.rotationNonce,
      generation: 1,
      rotatedAt: now + 60,
      lastUsedAt: now + 60,
    };
    expect(rotated).toEqual(expected);
    expect(await store.findSession(session.id)).toEqual(expected);
    // The same old hash again: the swap already happened.
    expect(await store.rotateSession(session.id, session.secretHash, rotation(session, now + 61, 'two'))).toBeNull();
    expect(await store.findSession(session.id)).toEqual(expected);
    // Unknown id.
    expect(await store.rotateSession(sessionId(), session.secretHash, rotation(session, now + 61, 'x'))).toBeNull();

    // Expired: at >= expiresAt.
    const short = newSession('alice', now, { expiresAt: now + 100 });
    await store.createSession(short);
    expect(await store.rotateSession(short.id, short.secretHash, rotation(short, now + 100, 'late'))).toBeNull();
    expect(await store.rotateSession(short.id, short.secretHash, rotation(short, now + 99, 'in-time'))).not.toBeNull();

    // Idle: last used before usedSince.
    const idle = newSession('alice', now);
    await store.createSession(idle);
    expect(await store.rotateSession(idle.id, idle.secretHash, { ...rotation(idle, now + 1000, 'idle'), usedSince: now + 1 })).toBeNull();
    expect(await store.rotateSession(idle.id, idle.secretHash, { ...rotation(idle, now + 1000, 'edge'), usedSince: now })).not.toBeNull();

    // Revoked.
    const revoked = newSession('alice', now);
    await store.createSession(revoked);
    expect(await store.revokeSession(revoked.id, now + 5)).toBe(true);
    expect(await store.rotateSession(revoked.id, revoked.secretHash, rotation(revoked, now + 6, 'r'))).toBeNull();
    expect(await store.findSession(revoked.id)).toEqual({ ...revoked, revokedAt: now + 5 });
  });

  it(`${racers} concurrent rotateSession calls with the same expected hash: exactly one gets the session`, async () => {
    const store = await makeStore();
    const now = clock();
    const session = newSession('racer', now);
    await store.createSession(session);
    const attempts = Array.from({ length: racers }, (_, i) => rotation(session, now + 10, `racer-${i}`));
    const results = await Promise.all(attempts.map(async (next) => store.rotateSession(session.id, session.secretHash, next)));
    const winners = results.flatMap((result, i) => (result ? [i] : []));
    expect(winners).toHaveLength(1);
    const stored = await store.findSession(session.id);
    expect(stored?.secretHash).toBe(attempts[winners[0]!]!.secretHash);
    expect(stored?.generation).toBe(1);
    expect(results[winners[0]!]).toEqual(stored);
  });

  it('touchSession swaps lastUsedAt only from the expected value', async () => {
    const store = await makeStore();
    const now = clock();
    const session = newSession('alice', now, { kind: 'cookie' });
    await store.createSession(session);
    expect(await store.touchSession(session.id, now + 10, now + 5)).toBe(false);
    expect(await store.touchSession(session.id, now + 10, now)).toBe(true);
    expect(await store.touchSession(session.id, now + 11, now)).toBe(false);
    expect((await store.findSession(session.id))?.lastUsedAt).toBe(now + 10);
    expect(await store.touchSession(sessionId(), now + 10, now)).toBe(false);
  });

  it('revokeSession once; revokeUserSessions ends the others of that user only, but exceptId; listSessions newest first, live only', async () => {
    const store = await makeStore();
    const now = clock();
    const a1 = newSession('alice', now - 300);
    const a2 = newSession('alice', now - 200);
    const a3 = newSession('alice', now - 100);
    const aOld = newSession('alice', now - 9000, { expiresAt: now - 1 }); // expired
    const b1 = newSession('bob', now - 50);
    for (const session of [a1, a2, a3, aOld, b1]) await store.createSession(session);
    expect((await store.listSessions('alice', now)).map((s) => s.id)).toEqual([a3.id, a2.id, a1.id]);
    expect(await store.listSessions('nobody', now)).toEqual([]);

    expect(await store.revokeSession(a1.id, now)).toBe(true);
    expect(await store.revokeSession(a1.id, now + 1)).toBe(false); // already revoked
    expect(await store.revokeSession(sessionId(), now)).toBe(false);
    expect((await store.findSession(a1.id))?.revokedAt).toBe(now);
    expect((await store.listSessions('alice', now)).map((s) => s.id)).toEqual([a3.id, a2.id]);

    expect(await store.revokeUserSessions('alice', now + 2, a3.id)).toBe(1); // a2 only: a1 revoked, aOld expired, a3 kept
    expect((await store.listSessions('alice', now + 2)).map((s) => s.id)).toEqual([a3.id]);
    expect((await store.listSessions('bob', now + 2)).map((s) => s.id)).toEqual([b1.id]);
    expect(await store.revokeUserSessions('alice', now + 3)).toBe(1);
    expect(await store.revokeUserSessions('alice', now + 4)).toBe(0);
    expect(await store.listSessions('alice', now + 4)).toEqual([]);
    expect((await store.findSession(a3.id))?.revokedAt).toBe(now + 3);
    expect((await store.findSession(a1.id))?.revokedAt).toBe(now); // not moved by the later calls
    expect((await store.findSession(b1.id))?.revokedAt).toBeNull();
  });

  it('revokeAccessToken is idempotent; isAccessRevoked by jti, and by a revoked or missing session id', async () => {
    const store = await makeStore();
    const now = clock();
    const live = newSession('alice', now);
    const ended = newSession('alice', now);
    await store.createSession(live);
    await store.createSession(ended);
    await store.revokeSession(ended.id, now);
    const jti = 'jti-' + 'a'.repeat(20);
    expect(await store.isAccessRevoked(jti, null, now)).toBe(false);
    expect(await store.isAccessRevoked(null, null, now)).toBe(false);
    expect(await store.isAccessRevoked(null, live.id, now)).toBe(false);
    expect(await store.isAccessRevoked(jti, live.id, now)).toBe(false);
    await store.revokeAccessToken(jti, now + 900);
    await store.revokeAccessToken(jti, now + 900);
    expect(await store.isAccessRevoked(jti, null, now)).toBe(true);
    expect(await store.isAccessRevoked(jti, live.id, now)).toBe(true);
    expect(await store.isAccessRevoked('jti-other', live.id, now)).toBe(false);
    expect(await store.isAccessRevoked(null, ended.id, now)).toBe(true);
    expect(await store.isAccessRevoked('jti-other', ended.id, now)).toBe(true);
    expect(await store.isAccessRevoked(null, sessionId(), now)).toBe(true); // gone
  });

  it('sweep deletes sessions past expiry and revoked tokens past exp, and counts them', async () => {
    const store = await makeStore();
    const now = clock();
    const soon = newSession('alice', now, { expiresAt: now + 10 });
    const later = newSession('alice', now, { expiresAt: now + 100 });
    const soonRevoked = newSession('bob', now, { expiresAt: now + 20 });
    for (const session of [soon, later, soonRevoked]) await store.createSession(session);
    await store.revokeSession(soonRevoked.id, now + 1);
    await store.revokeAccessToken('jti-soon', now + 10);
    await store.revokeAccessToken('jti-later', now + 100);
    expect(await store.sweep(now)).toBe(0);
    expect(await store.sweep(now + 50)).toBe(3); // two sessions, one token
    expect(await store.sweep(now + 50)).toBe(0);
    expect(await store.findSession(soon.id)).toBeNull();
    expect(await store.findSession(soonRevoked.id)).toBeNull();
    expect(await store.findSession(later.id)).toEqual(later);
    expect(await store.isAccessRevoked('jti-later', null, now + 50)).toBe(true);
    expect(await store.sweep(now + 100)).toBe(2);
    expect(await store.isAccessRevoked('jti-later', null, now + 100)).toBe(false);
  });
}
