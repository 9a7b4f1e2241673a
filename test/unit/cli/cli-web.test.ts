/**
 * The browser flags of `gatehouse serve` as option values: --cors-origin becomes the handler's
 * `cors`, --trusted-origin and --allow-http-cookies the session settings --sessions will pass on.
 */
import { describe, expect, it } from 'vitest';
import { corsFromCli, sessionFlagsFromCli } from '../../../src/cli/web.js';
import { UsageError } from '../../../src/cli/usage.js';
import { createOriginCheck } from '../../../src/http/origin-check.js';
import { resolveSessionCookie } from '../../../src/http/session-cookie.js';

describe('corsFromCli', () => {
  it('gives the handler its cors option, origins serialized as browsers send them', () => {
    expect(corsFromCli(undefined)).toBeUndefined();
    expect(corsFromCli([])).toBeUndefined();
    expect(corsFromCli(['https://App.example.com:443', 'http://127.0.0.2:5173'])).toEqual({
      origins: ['https://app.example.com', 'http://127.0.0.2:5173'],
    });
    expect(corsFromCli(['*'])).toEqual({ origins: '*' });
    expect(() => corsFromCli(['https://a.example/'])).toThrow(UsageError);
  });
});

describe('sessionFlagsFromCli', () => {
  const local = { host: undefined, socketPath: undefined };
  it('trusted origins and the plain-HTTP cookie, in the shapes the handler options take', () => {
    const flags = sessionFlagsFromCli({ 'trusted-origin': ['https://admin.example.com'], 'allow-http-cookies': true }, local);
    expect(flags).toEqual({ origin: { trustedOrigins: ['https://admin.example.com'] }, cookie: { allowHttpCookies: true } });
    expect(resolveSessionCookie(flags.cookie).name).toBe('gatehouse-session');
    expect(createOriginCheck(flags.origin)).toBeTypeOf('function');
    expect(sessionFlagsFromCli({}, local)).toEqual({ origin: { trustedOrigins: [] }, cookie: {} });
  });

  it('--allow-http-cookies only on a loopback address', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect(() => sessionFlagsFromCli({ 'allow-http-cookies': true }, { host, socketPath: undefined }), host).not.toThrow();
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      expect(() => sessionFlagsFromCli({ 'allow-http-cookies': true }, { host, socketPath: undefined }), host).toThrow(UsageError);
    }
    expect(() => sessionFlagsFromCli({ 'allow-http-cookies': true }, { host: undefined, socketPath: '/run/g.sock' })).toThrow(/unix-socket/);
  });
});
