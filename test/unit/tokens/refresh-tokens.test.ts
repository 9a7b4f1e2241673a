import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { createMemorySessionStore, type SessionStore } from '../../../src/tokens/index.js';
import { createRefreshTokens, parseRefreshToken } from '../../../src/tokens/lifecycle/refresh.js';

const T0 = 1_767_225_600;
const DAY = 86400;

function setup(options: { reuseGrace?: number; store?: SessionStore } = {}) {
  let now = T0;
  const store = options.store ?? createMemorySessionStore({ now: () => now });
  const tokens = createRefreshTokens({ store, now: () => now, ...(options.reuseGrace === undefined ? {} : { reuseGrace: options.reuseGrace }) });
  return { store, tokens, tick: (s: number) => (now += s), at: () => now };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

describe('refresh tokens', () => {
  it('issues an opaque <id>.<secret>, storing only the SHA-256 of the secret', async () => {
    const { tokens, store } = setup();
    const { token, session } = await tokens.issue({ username: 'johndoe', userStamp: 's1', scope: 'me', clientAddress: '10.0.0.1', userAgent: 'curl' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const { id, secret } = parseRefreshToken(token)!;
    const stored = (await store.findSession(id))!;
    expect(stored).toEqual(session);
    expect(stored.secretHash).toBe(sha256(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored).toMatchObject({ username: 'johndoe', kind: 'refresh', scope: 'me', createdAt: T0, expiresAt: T0 + 30 * DAY, generation: 0 });
  });

  it('rotates: the successor works, the predecessor is honoured only inside the grace window with the SAME successor', async () => {
    const { tokens, tick, store } = setup();
    const { token: first } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    tick(60);
    const second = await tokens.refresh(first);
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.replayed).toBe(false);
    expect(second.token).not.toBe(first);
    expect(second.session.generation).toBe(1);
    expect(second.session.lastUsedAt).toBe(T0 + 60);

    // The fail-to-save case: the client lost the answer and retries with the old token.
    tick(5);
    const retry = await tokens.refresh(first);
    expect(retry).toMatchObject({ ok: true, replayed: true, token: second.token });
    // The successor is still the one to use.
    tick(1);
    const third = await tokens.refresh(second.token);
    expect(third.ok).toBe(true);
    expect((await store.findSession(second.session.id))!.generation).toBe(2);
  });

  it('reuse after the grace window revokes the whole family', async () => {
    const { tokens, tick, store } = setup();
    const { token: first, session } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    const second = await tokens.refresh(first);
    if (!second.ok) throw new Error('refresh failed');
    tick(10); // the window is [rotatedAt, rotatedAt + 10)
    expect(await tokens.refresh(first)).toMatchObject({ ok: false, reason: 'reused' });
    expect((await store.findSession(session.id))!.revokedAt).toBe(T0 + 10);
    // The legitimate successor is now refused too.
    expect(await tokens.refresh(second.token)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('strict mode (reuseGrace 0): the predecessor is at once a reuse', async () => {
    const { tokens, store } = setup({ reuseGrace: 0 });
    const { token, session } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    const next = await tokens.refresh(token);
    expect(next.ok).toBe(true);
    expect(await tokens.refresh(token)).toMatchObject({ ok: false, reason: 'reused' });
    expect((await store.findSession(session.id))!.revokedAt).not.toBeNull();
  });

  it('an older generation, or a forged secret for a live id, revokes the family; the grace window honours only the immediate predecessor', async () => {
    const { tokens, store } = setup();
    const { token: t0, session } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    const t1 = await tokens.refresh(t0);
    if (!t1.ok) throw new Error('refresh failed');
    const t2 = await tokens.refresh(t1.token);
    expect(t2.ok).toBe(true);
    expect(await tokens.refresh(t0)).toMatchObject({ ok: false, reason: 'reused' });
    expect((await store.findSession(session.id))!.revokedAt).not.toBeNull();
  });

  it('idle expiry: not refreshed for idleTtl ends the family; using it keeps it alive', async () => {
    const { tokens, tick } = setup();
    let { token } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    tick(14 * DAY - 1);
    const kept = await tokens.refresh(token);
    expect(kept.ok).toBe(true);
    if (!kept.ok) return;
    token = kept.token;
    tick(14 * DAY);
    expect(await tokens.refresh(token)).toMatchObject({ ok: false, reason: 'idle' });
  });

  it('absolute expiry: never extended by use', async () => {
    const { tokens, tick } = setup();
    let { token } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    for (let day = 0; day < 29; day++) {
      tick(DAY);
      const next = await tokens.refresh(token);
      if (!next.ok) throw new Error(`refresh failed on day ${day}: ${next.reason}`);
      token = next.token;
    }
    tick(DAY); // T0 + 30 days
    expect(await tokens.refresh(token)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('50 concurrent refreshes with one token: exactly one successor, every answer is it', async () => {
    // A store that answers asynchronously, so the refreshes interleave at every await.
    const inner = createMemorySessionStore();
    const slow = new Proxy(inner, {
      get: (target, name) => {
        const value = (target as any)[name];
        return typeof value === 'function' ? (...args: unknown[]) => new Promise((r) => setTimeout(() => r(value(...args)), Math.random() * 5)) : value;
      },
    }) as SessionStore;
    const { tokens } = setup({ store: slow });
    const { token, session } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => tokens.refresh(token)));
    const successors = new Set(answers.map((a) => (a.ok ? a.token : `failed:${a.reason}`)));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(successor).not.toMatch(/^failed/);
    expect(answers.filter((a) => a.ok && !a.replayed)).toHaveLength(1);
    const stored = (await inner.findSession(session.id))!;
    expect(stored.generation).toBe(1);
    expect(stored.revokedAt).toBeNull();
    expect(stored.secretHash).toBe(sha256(parseRefreshToken(successor)!.secret));
  });

  it('accept() false (a disabled or removed user, a changed stamp) refuses and revokes', async () => {
    const { tokens, store } = setup();
    const { token, session } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    expect(await tokens.refresh(token, { accept: () => Promise.resolve(false) })).toMatchObject({ ok: false, reason: 'refused' });
    expect((await store.findSession(session.id))!.revokedAt).not.toBeNull();
    // The swap ran before the user was asked: the family is revoked, so nothing of it refreshes again.
    expect(await tokens.refresh(token)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('malformed and unknown tokens are refused without touching anything', async () => {
    const { tokens } = setup();
    for (const bad of [undefined, '', 'x', 'a'.repeat(22) + '.' + 'b'.repeat(42), 'a'.repeat(22) + '.' + 'b'.repeat(42) + '=', 42]) {
      expect(await tokens.refresh(bad)).toMatchObject({ ok: false, reason: 'malformed' });
    }
    expect(await tokens.refresh('a'.repeat(22) + '.' + 'b'.repeat(43))).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('find: current or immediate predecessor only', async () => {
    const { tokens } = setup();
    const { token: t0, session } = await tokens.issue({ username: 'johndoe', userStamp: 's' });
    expect((await tokens.find(t0))?.id).toBe(session.id);
    const t1 = await tokens.refresh(t0);
    if (!t1.ok) throw new Error('refresh failed');
    expect((await tokens.find(t0))?.id).toBe(session.id);
    expect((await tokens.find(t1.token))?.id).toBe(session.id);
    expect(await tokens.find(session.id + '.' + 'A'.repeat(43))).toBeNull();
  });

  it('a store failure propagates (the handler answers 503)', async () => {
    const store = createMemorySessionStore();
    const rotateDown = { ...store, rotateSession: () => Promise.reject(new Error('down')) } as SessionStore;
    const { token } = await createRefreshTokens({ store: rotateDown }).issue({ username: 'johndoe', userStamp: 's' });
    await expect(createRefreshTokens({ store: rotateDown }).refresh(token)).rejects.toThrow('down');
    // A refused swap reads the session to say why: that read failing propagates too.
    const findDown = { ...store, findSession: () => Promise.reject(new Error('down')) } as SessionStore;
    await expect(createRefreshTokens({ store: findDown }).refresh(token.slice(0, 23) + 'A'.repeat(43))).rejects.toThrow('down');
  });

  it('checks its options', () => {
    const store = createMemorySessionStore();
    expect(() => createRefreshTokens({ store, ttl: 0 })).toThrow(ConfigurationError);
    expect(() => createRefreshTokens({ store, reuseGrace: -1 })).toThrow(ConfigurationError);
    expect(() => createRefreshTokens({} as never)).toThrow(ConfigurationError);
    expect(createRefreshTokens({ store, ttl: '7d', idleTtl: '1d', reuseGrace: '0s' })).toMatchObject({ ttl: 7 * DAY, idleTtl: DAY, reuseGrace: 0 });
  });
});
