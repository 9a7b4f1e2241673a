/**
 * The session cookie's settings (issue 22): safe by default (__Host-, HttpOnly, Secure, Lax, /),
 * plain HTTP only when stated and then without Secure and without the prefix; anything a browser
 * would refuse is a ConfigurationError at configuration time.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { DEFAULT_SESSION_COOKIE_NAME, isLoopbackUrl, resolveSessionCookie } from '../../../src/http/session-cookie.js';

describe('resolveSessionCookie', () => {
  it('defaults: __Host-gatehouse-session; Path=/; Secure; HttpOnly; SameSite=Lax', () => {
    const cookie = resolveSessionCookie();
    expect(cookie.name).toBe(DEFAULT_SESSION_COOKIE_NAME);
    expect(cookie.name).toBe('__Host-gatehouse-session');
    expect(cookie.secure).toBe(true);
    expect(cookie.set('AAAAAAAAAAAAAAAAAAAAAA.x', 2592000)).toBe(
      '__Host-gatehouse-session=AAAAAAAAAAAAAAAAAAAAAA.x; Path=/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax',
    );
    expect(cookie.clear()).toBe(
      '__Host-gatehouse-session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax',
    );
    expect(cookie.read('theme=dark; __Host-gatehouse-session=abc.def')).toBe('abc.def');
    expect(cookie.read('gatehouse-session=abc.def')).toBeNull();
  });

  it('allowHttpCookies: no Secure and no prefix (gatehouse-session)', () => {
    const cookie = resolveSessionCookie({ allowHttpCookies: true });
    expect(cookie.name).toBe('gatehouse-session');
    expect(cookie.secure).toBe(false);
    expect(cookie.set('abc', 60)).toBe('gatehouse-session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax');
    expect(() => resolveSessionCookie({ allowHttpCookies: true, name: '__Host-s' })).toThrow(/name it without the prefix/);
    expect(() => resolveSessionCookie({ allowHttpCookies: true, name: '__secure-s' })).toThrow(ConfigurationError);
    expect(() => resolveSessionCookie({ allowHttpCookies: true, sameSite: 'None' })).toThrow(/needs secure/);
    expect(() => resolveSessionCookie({ allowHttpCookies: 'yes' as never })).toThrow(ConfigurationError);
  });

  it('__Host- rules enforced at configuration: a path or a domain needs another name', () => {
    expect(() => resolveSessionCookie({ path: '/app' })).toThrow(/Path=\//);
    expect(() => resolveSessionCookie({ domain: 'example.com' })).toThrow(/Domain/);
    const scoped = resolveSessionCookie({ name: 'app-session', path: '/app', domain: 'example.com', sameSite: 'Strict' });
    expect(scoped.set('v', 1)).toBe('app-session=v; Path=/app; Domain=example.com; Max-Age=1; Secure; HttpOnly; SameSite=Strict');
  });

  it('refuses bad names, attributes and unknown options when configured', () => {
    for (const options of [{ name: 'a b' }, { name: '' }, { sameSite: 'lax' }, { path: 'x' }, { secure: false }, { httpOnly: false }]) {
      expect(() => resolveSessionCookie(options as never), JSON.stringify(options)).toThrow(ConfigurationError);
    }
  });
});

describe('isLoopbackUrl', () => {
  it('127.0.0.0/8, [::1], localhost and *.localhost only', () => {
    for (const url of ['http://127.0.0.1:8000/login', 'http://127.0.0.2/', 'http://[::1]:3000/', 'http://localhost/', 'http://app.localhost:5173/']) {
      expect(isLoopbackUrl(url), url).toBe(true);
    }
    for (const url of ['http://10.0.0.1/', 'http://192.168.1.2/', 'http://example.com/', 'http://127.0.0.1.nip.io/', 'http://localhost.example.com/', 'not a url']) {
      expect(isLoopbackUrl(url), url).toBe(false);
    }
  });
});
