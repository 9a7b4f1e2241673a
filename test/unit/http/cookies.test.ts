/**
 * Cookies: the Cookie header read as RFC 6265 5.4 sends it (leniently, bounded, first value wins),
 * Set-Cookie written as RFC 6265 3.1's examples show and as other parsers (jshttp's `cookie`, the
 * `set-cookie-parser` better-auth uses) read it; prefixes and bad attributes refused.
 */
import { createRequire } from 'node:module';
import setCookieParser from 'set-cookie-parser';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { clearCookie, parseCookies, readCookie, serializeCookie } from '../../../src/http/cookies.js';

/** jshttp's cookie (express's), which ships no types. */
const cookie = createRequire(import.meta.url)('cookie') as { parse(header: string): Record<string, string> };

describe('parseCookies / readCookie', () => {
  it('reads the Cookie headers of RFC 6265 3.1', () => {
    expect(Object.fromEntries(parseCookies('SID=31d4d96e407aad42'))).toEqual({ SID: '31d4d96e407aad42' });
    expect(Object.fromEntries(parseCookies('SID=31d4d96e407aad42; lang=en-US'))).toEqual({ SID: '31d4d96e407aad42', lang: 'en-US' });
    expect(readCookie('SID=31d4d96e407aad42; lang=en-US', 'lang')).toBe('en-US');
    expect(readCookie('SID=31d4d96e407aad42; lang=en-US', 'LANG')).toBeNull(); // names are case-sensitive
  });

  it('first value of a name wins (the longer path, sent first by browsers)', () => {
    expect(readCookie('sid=specific; sid=general', 'sid')).toBe('specific');
    expect(parseCookies('sid=specific; a=1; sid=general').get('sid')).toBe('specific');
  });

  it('is lenient: whitespace, no space after ;, quotes, empty values, pairs without = or name skipped', () => {
    const header = ' a = 1 ;b=2;;  c="3" ; novalue ; =orphan; d= ; e=x=y;\tf=\t6\t';
    expect(Object.fromEntries(parseCookies(header))).toEqual({ a: '1', b: '2', c: '3', d: '', e: 'x=y', f: '6' });
  });

  it('never throws on garbage, returns values raw (no decoding)', () => {
    for (const header of [null, undefined, '', ';;;', '=', '\u0000\u0001=\uffff', 'a=%ZZ', '\ud800=1', 42 as unknown as string]) {
      expect(() => parseCookies(header)).not.toThrow();
      expect(() => readCookie(header, 'a')).not.toThrow();
    }
    expect(readCookie('a=%41%ZZ', 'a')).toBe('%41%ZZ');
  });

  it('agrees with jshttp cookie.parse (first wins there too) on headers without percent signs', () => {
    const headers = [
      'SID=31d4d96e407aad42; lang=en-US',
      'a=1;a=2; b=3',
      ' x = "quoted" ; y=; z=a=b',
      '__Host-gatehouse-session=AAAAAAAAAAAAAAAAAAAAAA.bbbb; theme=dark',
    ];
    for (const header of headers) expect(Object.fromEntries(parseCookies(header))).toEqual({ ...cookie.parse(header) });
  });

  it('is bounded: at most maxCookies pairs, at most maxBytes characters (a cookie cut by the limit is dropped)', () => {
    const many = Array.from({ length: 300 }, (_, i) => `c${i}=${i}`).join('; ');
    expect(parseCookies(many).size).toBe(180);
    expect(parseCookies(many, { maxCookies: 3 }).size).toBe(3);
    expect(readCookie(many, 'c250')).toBeNull();
    // 'a=1; b=22222' cut at 8 characters: b's value would be read shortened, so b is dropped.
    expect(Object.fromEntries(parseCookies('a=1; b=22222', { maxBytes: 8 }))).toEqual({ a: '1' });
    expect(parseCookies('b=22222', { maxBytes: 3 }).size).toBe(0);
    const huge = `a=1; ${'x'.repeat(1_000_000)}=2; sid=late`;
    expect(readCookie(huge, 'sid')).toBeNull();
    expect(readCookie(huge, 'a')).toBe('1');
  });
});

describe('serializeCookie', () => {
  it('writes RFC 6265 3.1 examples verbatim', () => {
    expect(serializeCookie('SID', '31d4d96e407aad42')).toBe('SID=31d4d96e407aad42');
    expect(serializeCookie('SID', '31d4d96e407aad42', { path: '/', domain: 'example.com' })).toBe(
      'SID=31d4d96e407aad42; Path=/; Domain=example.com',
    );
    expect(serializeCookie('SID', '31d4d96e407aad42', { path: '/', secure: true, httpOnly: true })).toBe(
      'SID=31d4d96e407aad42; Path=/; Secure; HttpOnly',
    );
    expect(serializeCookie('lang', 'en-US', { expires: new Date(Date.UTC(2021, 5, 9, 10, 18, 14)) })).toBe(
      'lang=en-US; Expires=Wed, 09 Jun 2021 10:18:14 GMT',
    );
  });

  it('a __Host- session cookie, as set-cookie-parser reads it back', () => {
    const header = serializeCookie('__Host-gatehouse-session', 'AAAAAAAAAAAAAAAAAAAAAA.s3cr3t_-', {
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/',
      maxAge: 604800,
    });
    expect(header).toBe('__Host-gatehouse-session=AAAAAAAAAAAAAAAAAAAAAA.s3cr3t_-; Path=/; Max-Age=604800; Secure; HttpOnly; SameSite=Lax');
    const [parsed] = setCookieParser.parse(header);
    expect(parsed).toMatchObject({
      name: '__Host-gatehouse-session',
      value: 'AAAAAAAAAAAAAAAAAAAAAA.s3cr3t_-',
      path: '/',
      maxAge: 604800,
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
    });
    expect(parsed!.domain).toBeUndefined();
  });

  it('clearCookie: empty value, Max-Age=0, Expires in 1970, the same Path and Secure', () => {
    const header = clearCookie('__Host-gatehouse-session', { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(header).toBe('__Host-gatehouse-session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax');
    const [parsed] = setCookieParser.parse(header);
    expect(parsed).toMatchObject({ value: '', maxAge: 0, path: '/', secure: true });
    expect(parsed!.expires!.getTime()).toBe(0);
    // The same attributes a set cookie had, not more: RFC 6265 3.1's removal example.
    expect(clearCookie('lang')).toBe('lang=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  });

  it('refuses names that are not tokens and values that are not base64url (and .)', () => {
    for (const name of ['', 'a b', 'a;b', 'a=b', 'a,b', 'é', 'a\u0000', '"a"', '(a)', 'a/b']) {
      expect(() => serializeCookie(name, 'v'), name).toThrow(ConfigurationError);
    }
    for (const value of ['a b', 'a;b', 'a,b', '"v"', 'a\\b', 'é', 'a\r\nSet-Cookie: x=1', 'x'.repeat(4001)]) {
      expect(() => serializeCookie('n', value), value.slice(0, 20)).toThrow(ConfigurationError);
    }
    expect(serializeCookie('n', 'Az09_-.')).toBe('n=Az09_-.');
  });

  it('prefix rules: __Host- needs Secure, Path=/, no Domain; __Secure- needs Secure (case-insensitively)', () => {
    const good = { secure: true, path: '/' } as const;
    expect(serializeCookie('__Host-x', 'v', good)).toBe('__Host-x=v; Path=/; Secure');
    expect(() => serializeCookie('__Host-x', 'v', { path: '/' })).toThrow(/must be Secure/);
    expect(() => serializeCookie('__Host-x', 'v', { secure: true })).toThrow(/Path=\//);
    expect(() => serializeCookie('__Host-x', 'v', { secure: true, path: '/app' })).toThrow(/Path=\//);
    expect(() => serializeCookie('__Host-x', 'v', { ...good, domain: 'example.com' })).toThrow(/Domain/);
    expect(() => serializeCookie('__host-x', 'v', { path: '/' })).toThrow(/Secure/);
    expect(() => serializeCookie('__Secure-x', 'v')).toThrow(/must be Secure/);
    expect(serializeCookie('__Secure-x', 'v', { secure: true, path: '/app', domain: 'example.com' })).toBe(
      '__Secure-x=v; Path=/app; Domain=example.com; Secure',
    );
  });

  it('refuses attributes a browser would drop or misread', () => {
    const bad: Array<Record<string, unknown>> = [
      { sameSite: 'None' }, // None needs Secure
      { sameSite: 'lax' },
      { path: 'app' },
      { path: '/a;b' },
      { path: '/a\nb' },
      { domain: 'exa mple.com' },
      { domain: 'example.com:8080' },
      { domain: 'example.com; Secure' },
      { maxAge: -1 },
      { maxAge: 1.5 },
      { maxAge: Number.NaN },
      { expires: new Date(Number.NaN) },
      { expires: 'tomorrow' },
    ];
    for (const attributes of bad) expect(() => serializeCookie('n', 'v', attributes), JSON.stringify(attributes)).toThrow(ConfigurationError);
    expect(serializeCookie('n', 'v', { sameSite: 'None', secure: true })).toBe('n=v; Secure; SameSite=None');
    expect(serializeCookie('n', 'v', { sameSite: 'Strict', domain: '.example.com' })).toBe('n=v; Domain=.example.com; SameSite=Strict');
  });
});
