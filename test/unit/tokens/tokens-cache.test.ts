import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidTokenError,
  TokenClaimError,
  TokenExpiredError,
  TokenNotYetValidError,
  importTokenKey,
  verifyAccessToken,
  type TokenKey,
} from '../../../src/tokens/index.js';
import type { TokenKeyImpl } from '../../../src/tokens/keys.js';

const SECRET = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
const NOW = 1767225600;
const at = (seconds: number) => new Date(seconds * 1000);
const b64 = (text: string) => Buffer.from(text).toString('base64url');

function token(payload: object, secret = SECRET): string {
  const input = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const cacheOf = (key: TokenKey) => (key as TokenKeyImpl).cache!;

describe('verified-token cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a hit returns the very same frozen claims; a fresh verification builds new ones', async () => {
    const key = await importTokenKey(SECRET);
    const t = token({ sub: 'johndoe', exp: NOW + 600 });
    const first = await verifyAccessToken(t, { key, currentDate: at(NOW) });
    expect(cacheOf(key).size).toBe(1);
    const second = await verifyAccessToken(t, { key, currentDate: at(NOW + 1) });
    expect(second).toBe(first);
    expect(Object.isFrozen(second)).toBe(true);
    const uncached = await importTokenKey(SECRET, { cache: false });
    const a = await verifyAccessToken(t, { key: uncached, currentDate: at(NOW) });
    const b = await verifyAccessToken(t, { key: uncached, currentDate: at(NOW) });
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
  });

  it('an entry dies at exp (clock option)', async () => {
    const key = await importTokenKey(SECRET);
    const exp = NOW + 100;
    const t = token({ sub: 'a', exp });
    const first = await verifyAccessToken(t, { key, currentDate: at(NOW) });
    expect(await verifyAccessToken(t, { key, currentDate: at(exp - 1) })).toBe(first);
    await expect(verifyAccessToken(t, { key, currentDate: at(exp) })).rejects.toBeInstanceOf(TokenExpiredError);
    expect(cacheOf(key).size).toBe(0);
    // Within clockTolerance the token is still valid, verified afresh and not stored again.
    const late = await verifyAccessToken(t, { key, currentDate: at(exp + 2), clockTolerance: 5 });
    expect(late).not.toBe(first);
    expect(cacheOf(key).size).toBe(0);
  });

  it('an entry dies at exp (fake timers, the real clock path)', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(at(NOW));
    const key = await importTokenKey(SECRET);
    const t = token({ sub: 'a', exp: NOW + 60 });
    const first = await verifyAccessToken(t, { key });
    vi.setSystemTime(at(NOW + 59));
    expect(await verifyAccessToken(t, { key })).toBe(first);
    vi.setSystemTime(at(NOW + 60));
    await expect(verifyAccessToken(t, { key })).rejects.toBeInstanceOf(TokenExpiredError);
  });

  it('the same payload under another signature never hits', async () => {
    const key = await importTokenKey(SECRET);
    const t = token({ sub: 'a', exp: NOW + 600 });
    await verifyAccessToken(t, { key, currentDate: at(NOW) });
    const [h, p, s] = t.split('.') as [string, string, string];
    const forged = `${h}.${p}.${token({ sub: 'a', exp: NOW + 600 }, 'another secret of thirty-two bytes!!').split('.')[2]}`;
    await expect(verifyAccessToken(forged, { key, currentDate: at(NOW) })).rejects.toBeInstanceOf(InvalidTokenError);
    // The same signature bytes, encoded non-canonically: a different string, so a miss, then refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = `${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1)!) ^ 1]}`;
    expect(Buffer.from(variant.split('.')[2]!, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
    await expect(verifyAccessToken(variant, { key, currentDate: at(NOW) })).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('belongs to one key: another key or a cleared cache starts empty', async () => {
    const key = await importTokenKey(SECRET);
    const t = token({ sub: 'a', exp: NOW + 600 });
    const first = await verifyAccessToken(t, { key, currentDate: at(NOW) });
    const rotated = await importTokenKey('a completely different secret, 32+ bytes');
    await expect(verifyAccessToken(t, { key: rotated, currentDate: at(NOW) })).rejects.toBeInstanceOf(InvalidTokenError);
    key.clearCache();
    expect(cacheOf(key).size).toBe(0);
    expect(await verifyAccessToken(t, { key, currentDate: at(NOW) })).not.toBe(first);
    // Raw secrets: each secret has its own imported key, so its own cache.
    expect((await verifyAccessToken(t, { key: SECRET, currentDate: at(NOW) })).sub).toBe('a');
    await expect(
      verifyAccessToken(t, { key: 'a completely different secret, 32+ bytes', currentDate: at(NOW) }),
    ).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('every rule runs again on a hit, with the options of that call', async () => {
    const key = await importTokenKey(SECRET);
    const t = token({ sub: 'a', exp: NOW + 600, iss: 'https://a', aud: 'api', iat: NOW });
    const ok = { key, currentDate: at(NOW), issuer: 'https://a', audience: 'api' };
    const first = await verifyAccessToken(t, ok);
    expect(await verifyAccessToken(t, ok)).toBe(first);
    await expect(verifyAccessToken(t, { ...ok, audience: 'web' })).rejects.toBeInstanceOf(TokenClaimError);
    await expect(verifyAccessToken(t, { ...ok, issuer: 'https://b' })).rejects.toBeInstanceOf(TokenClaimError);
    await expect(verifyAccessToken(t, { ...ok, algorithms: ['HS384'] })).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verifyAccessToken(t, { ...ok, currentDate: at(NOW - 10) })).rejects.toBeInstanceOf(TokenNotYetValidError);
    await expect(verifyAccessToken(t, { ...ok, maxTokenSize: 50 })).rejects.toBeInstanceOf(InvalidTokenError);
    expect(await verifyAccessToken(t, ok)).toBe(first);
  });

  it('a token refused for nbf is not stored, and passes once nbf is reached', async () => {
    const key = await importTokenKey(SECRET);
    const t = token({ sub: 'a', exp: NOW + 600, nbf: NOW + 10 });
    await expect(verifyAccessToken(t, { key, currentDate: at(NOW) })).rejects.toBeInstanceOf(TokenNotYetValidError);
    expect(cacheOf(key).size).toBe(0);
    expect((await verifyAccessToken(t, { key, currentDate: at(NOW + 10) })).sub).toBe('a');
    expect(cacheOf(key).size).toBe(1);
  });

  it('tokens without exp are never stored', async () => {
    const key = await importTokenKey(SECRET);
    await verifyAccessToken(token({ sub: 'a' }), { key, requireExp: false });
    expect(cacheOf(key).size).toBe(0);
  });

  it('is bounded: the least recently used entry goes first', async () => {
    const key = await importTokenKey(SECRET, { cache: { maxEntries: 2 } });
    const [t1, t2, t3] = ['1', '2', '3'].map((sub) => token({ sub, exp: NOW + 600 })) as [string, string, string];
    const options = { key, currentDate: at(NOW) };
    const c1 = await verifyAccessToken(t1, options);
    const c2 = await verifyAccessToken(t2, options);
    expect(await verifyAccessToken(t1, options)).toBe(c1); // t1 is now the most recent
    await verifyAccessToken(t3, options); // evicts t2
    expect(cacheOf(key).size).toBe(2);
    expect(await verifyAccessToken(t1, options)).toBe(c1);
    expect(await verifyAccessToken(t2, options)).not.toBe(c2);
  });

  it('is never used for key resolvers', async () => {
    const key = await importTokenKey(async () => new TextEncoder().encode(SECRET), { algorithms: ['HS256'] });
    expect((key as TokenKeyImpl).cache).toBeNull();
    const t = token({ sub: 'a', exp: NOW + 600 });
    const a = await verifyAccessToken(t, { key, currentDate: at(NOW) });
    expect(a.sub).toBe('a');
    expect(await verifyAccessToken(t, { key, currentDate: at(NOW) })).not.toBe(a);
  });
});
