/** resolveClientAddress: whose X-Forwarded-For / Forwarded is believed, IPv6 /64 grouping, IPv4-mapped addresses. */
import { describe, expect, it } from 'vitest';
import { clientAddressKey, resolveClientAddress, trustedProxies } from '../../../src/http/index.js';

describe('clientAddressKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::FFFF:c000:0207', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    ['::1', '::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
    ['[2001:db8:a:b::1]:8080', '2001:db8:a:b::/64'],
    ['192.0.2.7:4711', '192.0.2.7'],
  ])('%s → %s', (input, expected) => {
    expect(clientAddressKey(input)).toBe(expected);
  });

  it('keeps whole IPv6 addresses when asked', () => {
    expect(clientAddressKey('2001:0db8:0:0:1:0:0:1', { groupIpv6: false })).toBe('2001:db8::1:0:0:1');
    expect(clientAddressKey('2001:db8:0:0:1:0:0:0', { groupIpv6: false })).toBe('2001:db8:0:0:1::');
  });

  it.each(['', 'unknown', '_hidden', '256.1.1.1', '01.2.3.4', '1.2.3', '1::2::3', '12345::', 'a:b:c:d:e:f:1:2:3', '::1.2.3.4.5', 'localhost'])(
    'refuses %j',
    (input) => {
      expect(clientAddressKey(input)).toBeNull();
    },
  );
});

describe('resolveClientAddress', () => {
  const proxies = ['10.0.0.0/8', '2001:db8:ffff::/48', '127.0.0.1'];

  it('takes the peer when it is not a trusted proxy, whatever the headers say', () => {
    expect(resolveClientAddress('203.0.113.9', { 'x-forwarded-for': '198.51.100.7' }, proxies)).toBe('203.0.113.9');
    expect(resolveClientAddress('203.0.113.9', new Headers({ forwarded: 'for=198.51.100.7' }), proxies)).toBe('203.0.113.9');
    expect(resolveClientAddress('10.0.0.1', { 'x-forwarded-for': '198.51.100.7' }, [])).toBe('10.0.0.1');
  });

  it('walks X-Forwarded-For from the right past trusted proxies', () => {
    const headers = new Headers({ 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.1.1.1' });
    expect(resolveClientAddress('10.0.0.5', headers, proxies)).toBe('198.51.100.7');
    // Several header lines are one list.
    const lines = new Headers();
    lines.append('x-forwarded-for', '6.6.6.6');
    lines.append('x-forwarded-for', '198.51.100.8');
    expect(resolveClientAddress('127.0.0.1', lines, proxies)).toBe('198.51.100.8');
  });

  it('reads Forwarded (RFC 7239) with quoted IPv6 and ports', () => {
    const headers = { forwarded: 'for=6.6.6.6;proto=http, for="[2001:db8:cafe:1::17]:4711";by=10.0.0.1, For=10.2.2.2' };
    expect(resolveClientAddress('10.0.0.5', headers, proxies)).toBe('2001:db8:cafe:1::/64');
  });

  it('prefers X-Forwarded-For, unless told which header the proxies write', () => {
    const headers = { 'x-forwarded-for': '198.51.100.7', forwarded: 'for=192.0.2.1' };
    expect(resolveClientAddress('10.0.0.5', headers, proxies)).toBe('198.51.100.7');
    expect(resolveClientAddress('10.0.0.5', headers, proxies, { header: 'forwarded' })).toBe('192.0.2.1');
    expect(resolveClientAddress('10.0.0.5', { forwarded: 'for=192.0.2.1' }, proxies, { header: 'x-forwarded-for' })).toBe('10.0.0.5');
  });

  it('stops at a hop that is not an address, and counts an all-trusted chain as its first hop', () => {
    expect(resolveClientAddress('10.0.0.5', { 'x-forwarded-for': '198.51.100.7, garbage, 10.3.3.3' }, proxies)).toBe('10.3.3.3');
    expect(resolveClientAddress('10.0.0.5', { forwarded: 'for=unknown' }, proxies)).toBe('10.0.0.5');
    expect(resolveClientAddress('10.0.0.5', { 'x-forwarded-for': '10.9.9.9, 10.3.3.3' }, proxies)).toBe('10.9.9.9');
    expect(resolveClientAddress('10.0.0.5', {}, proxies)).toBe('10.0.0.5');
  });

  it('matches IPv4-mapped peers and IPv6 CIDR ranges', () => {
    expect(resolveClientAddress('::ffff:10.0.0.5', { 'x-forwarded-for': '198.51.100.7' }, proxies)).toBe('198.51.100.7');
    expect(resolveClientAddress('2001:db8:ffff:1::2', { 'x-forwarded-for': '2001:db8:1:2::99' }, proxies)).toBe('2001:db8:1:2::/64');
    expect(resolveClientAddress('2001:db8:fffe::2', { 'x-forwarded-for': '198.51.100.7' }, proxies)).toBe('2001:db8:fffe::/64');
  });

  it('gives null without a usable peer address', () => {
    expect(resolveClientAddress(undefined, {}, proxies)).toBeNull();
    expect(resolveClientAddress('/run/app.sock', {}, proxies)).toBeNull();
  });

  it("trusts a Unix socket connection (peer 'unix') only when 'unix' is listed", () => {
    const xff = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' };
    expect(trustedProxies(['unix']).has('unix')).toBe(true);
    expect(trustedProxies([' UNIX ', '10.0.0.0/8']).has('unix')).toBe(true);
    expect(trustedProxies(['10.0.0.0/8']).has('unix')).toBe(false);
    expect(trustedProxies(['0.0.0.0/0', '::/0']).has('unix')).toBe(false);
    expect(resolveClientAddress('unix', xff, ['unix'])).toBe('198.51.100.7');
    expect(resolveClientAddress('unix', { forwarded: 'for="[2001:db8:1:2::9]:80"' }, ['unix'])).toBe('2001:db8:1:2::/64');
    // Through a trusted TCP proxy, then the Unix socket one.
    expect(resolveClientAddress('unix', { 'x-forwarded-for': '198.51.100.7, 10.0.0.9' }, ['unix', '10.0.0.0/8'])).toBe('198.51.100.7');
    // Not listed, or nothing forwarded: no address (as for any peer that is not an IP address).
    expect(resolveClientAddress('unix', xff, proxies)).toBeNull();
    expect(resolveClientAddress('unix', {}, ['unix'])).toBeNull();
    expect(resolveClientAddress('unix', { 'x-forwarded-for': 'garbage' }, ['unix'])).toBeNull();
    // 'unix' names the connection, never a hop: a header cannot claim it.
    expect(resolveClientAddress('10.0.0.5', { 'x-forwarded-for': '198.51.100.7, unix' }, ['unix', '10.0.0.0/8'])).toBe('10.0.0.5');
    expect(resolveClientAddress('203.0.113.9', xff, ['unix'])).toBe('203.0.113.9');
  });

  it('refuses bad trusted-proxy entries', () => {
    expect(() => trustedProxies(['10.0.0.0/33'])).toThrow(/prefix/);
    expect(() => trustedProxies(['example.com'])).toThrow(/CIDR/);
    expect(trustedProxies(['0.0.0.0/0']).has('8.8.8.8')).toBe(true);
    expect(trustedProxies(['::ffff:10.0.0.0/104']).has('10.200.0.1')).toBe(true);
    expect(trustedProxies(['::ffff:10.0.0.0/104']).has('11.0.0.1')).toBe(false);
  });
});
