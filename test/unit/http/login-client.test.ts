/**
 * Issue 19, item 5: one rule for who a login comes from, resolved once per login and used by both
 * the login queue (its key) and the login throttle (the address it counts).
 */
import { describe, expect, it } from 'vitest';
import { createAuthHandler, setClientAddress } from '../../../src/http/index.js';
import { createLoginClientResolver } from '../../../src/http/client-address.js';
import { BASE, KEY, context, loginRequest, makeUsers } from '../../helpers/http.js';

const request = (peer?: string, headers: Record<string, string> = {}) => {
  const r = new Request(`${BASE}/token`, { method: 'POST', headers });
  return peer === undefined ? r : setClientAddress(r, peer);
};

describe('createLoginClientResolver', () => {
  it('gives the throttle address and the queue key from one reading of the peer', () => {
    const clientOf = createLoginClientResolver({ trustedProxies: ['10.0.0.0/8', 'unix'] });
    expect(clientOf(request('10.0.0.5', { 'x-forwarded-for': '2001:db8:1:2::7, 10.0.0.9' }))).toEqual({
      address: '2001:db8:1:2::/64',
      queueKey: '2001:db8:1:2::/64',
    });
    expect(clientOf(request('203.0.113.9', { 'x-forwarded-for': '198.51.100.7' }))).toEqual({ address: '203.0.113.9', queueKey: '203.0.113.9' });
    expect(clientOf(request('::ffff:192.0.2.7'))).toEqual({ address: '192.0.2.7', queueKey: '192.0.2.7' });
    expect(clientOf(request('unix'))).toEqual({ address: null, queueKey: 'unix' }); // trusted, but nobody forwarded for
    expect(clientOf(request('unix', { 'x-forwarded-for': '198.51.100.7' }))).toEqual({ address: '198.51.100.7', queueKey: '198.51.100.7' });
    expect(clientOf(request())).toEqual({ address: null, queueKey: 'unknown' });
    expect(createLoginClientResolver()(request('unix'))).toEqual({ address: null, queueKey: 'unix' });
    expect(createLoginClientResolver({ clientAddress: () => 'edge-pop-7' })(request())).toEqual({ address: null, queueKey: 'edge-pop-7' });
  });

  it('a resolver that throws is reported, and the adapter-recorded peer stands in for it', () => {
    const seen: unknown[] = [];
    const clientOf = createLoginClientResolver({
      clientAddress: () => {
        throw new Error('bad header');
      },
      onError: (error, r) => seen.push([(error as Error).message, r instanceof Request]),
    });
    expect(clientOf(request('192.0.2.9'))).toEqual({ address: '192.0.2.9', queueKey: '192.0.2.9' });
    expect(seen).toEqual([['bad header', true]]);
  });
});

describe('the login counts the address the queue is keyed on', () => {
  it('a throttle clientAddress that throws: counted under the connection peer (it was not counted by address at all)', async () => {
    const reported: unknown[] = [];
    let calls = 0;
    const handle = createAuthHandler({
      users: makeUsers(),
      key: KEY,
      context,
      docs: false,
      onError: (error) => reported.push(error),
      throttle: {
        username: false,
        address: { maxFailures: 2 },
        clientAddress: () => {
          calls++;
          throw new Error('bad header');
        },
      },
    });
    const from = (peer: string) => setClientAddress(loginRequest({ username: 'johndoe', password: 'wrong' }), peer);
    expect((await handle(from('192.0.2.9'))).status).toBe(401);
    expect((await handle(from('192.0.2.9'))).status).toBe(401);
    const refused = await handle(from('192.0.2.9'));
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ detail: 'Too many failed login attempts' });
    expect((await handle(from('192.0.2.10'))).status).toBe(401); // another peer, its own count
    expect(calls).toBe(4); // once per login, for the queue and the throttle together
    expect(reported).toHaveLength(4);
  });
});
