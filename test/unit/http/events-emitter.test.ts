import { describe, expect, it, vi } from 'vitest';
import { createEventEmitter } from '../../../src/http/auth/events.js';
import { createAuth } from '../../../src/http/index.js';

const request = new Request('http://localhost/token', { method: 'POST' });
const SECRET = '4b0f0e6a2c8f3a1d9e7b5c3a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e';

describe('auth events emitter', () => {
  it('is a no-op without a hook', () => {
    const emit = createEventEmitter(undefined, undefined);
    expect(() => emit({ type: 'logout', username: 'alice', clientAddress: null }, request)).not.toThrow();
  });

  it('stamps the time and freezes the event', () => {
    const seen: unknown[] = [];
    const emit = createEventEmitter((event, req) => seen.push([event, req]), undefined, () => 1_765_100_000);
    emit({ type: 'login_failed', username: 'alice', clientAddress: '127.0.0.2', reason: 'bad_password' }, request);
    expect(seen).toEqual([[{ type: 'login_failed', username: 'alice', clientAddress: '127.0.0.2', reason: 'bad_password', at: 1_765_100_000 }, request]]);
    expect(Object.isFrozen((seen[0] as unknown[])[0])).toBe(true);
  });

  it('sends a throwing or rejecting hook to onError, never to the caller', async () => {
    const onError = vi.fn();
    const throwing = createEventEmitter(() => { throw new Error('boom'); }, onError);
    expect(() => throwing({ type: 'logout', username: 'a', clientAddress: null }, request)).not.toThrow();
    expect(onError).toHaveBeenCalledTimes(1);
    const rejecting = createEventEmitter(() => ({ then: (_ok: unknown, fail: (e: unknown) => void) => fail(new Error('later')) }), onError);
    rejecting({ type: 'logout', username: 'a', clientAddress: null }, request);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(onError).toHaveBeenCalledTimes(2);
    expect((onError.mock.calls[1]![0] as Error).message).toBe('later');
  });

  it('createAuth refuses an onEvent that is not a function', () => {
    expect(() => createAuth({ users: {}, key: SECRET, onEvent: 'log' as never })).toThrow(/onEvent must be a function/);
  });
});
