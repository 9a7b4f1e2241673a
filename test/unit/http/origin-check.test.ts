/**
 * The origin rule (CSRF without tokens, issue 22) as a truth table: method × how the request was
 * authenticated × Origin × Sec-Fetch-Site → allowed or 403 naming the refused origin.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { createOriginCheck } from '../../../src/http/origin-check.js';

const APP = 'https://app.example.com';

function request(method: string, headers: Record<string, string>, url = `${APP}/logout`): Request {
  return new Request(url, { method, headers });
}

describe('createOriginCheck', () => {
  const check = createOriginCheck({ trustedOrigins: ['https://admin.example.com', 'http://localhost:5173'] });

  // [method, cookie?, Origin, Sec-Fetch-Site, allowed]
  const table: Array<[string, boolean, string | null, string | null, boolean]> = [
    // Safe methods are never checked.
    ['GET', true, 'https://evil.example', 'cross-site', true],
    ['HEAD', true, 'https://evil.example', 'cross-site', true],
    ['OPTIONS', true, 'https://evil.example', 'cross-site', true],
    // Bearer requests are never checked.
    ['POST', false, 'https://evil.example', 'cross-site', true],
    ['DELETE', false, null, null, true],
    // The app's own origin (the request URL's when none is configured) and trusted ones.
    ['POST', true, APP, 'same-origin', true],
    ['POST', true, APP, null, true],
    ['DELETE', true, 'https://admin.example.com', 'same-site', true],
    ['PUT', true, 'http://localhost:5173', 'cross-site', true],
    ['PATCH', true, APP, null, true],
    // Another origin, however close.
    ['POST', true, 'https://evil.example', 'cross-site', false],
    ['POST', true, 'http://app.example.com', 'cross-site', false], // scheme differs
    ['POST', true, 'https://app.example.com:8443', 'same-site', false], // port differs
    ['POST', true, 'https://sub.app.example.com', 'same-site', false],
    ['POST', true, 'https://app.example.com/', null, false], // not an origin serialization
    ['POST', true, 'HTTPS://APP.EXAMPLE.COM', null, false], // browsers send lower case
    ['POST', true, 'null', 'cross-site', false], // sandboxed frame, file:, data:
    ['POST', true, 'null', 'same-origin', false], // Origin wins over Sec-Fetch-Site
    ['POST', true, 'https://evil.example', 'same-origin', false],
    // Without Origin: only Sec-Fetch-Site: same-origin.
    ['POST', true, null, 'same-origin', true],
    ['POST', true, null, 'none', false],
    ['POST', true, null, 'same-site', false],
    ['POST', true, null, 'cross-site', false],
    ['POST', true, null, null, false],
    ['POST', true, null, 'SAME-ORIGIN', false],
    // Any method not GET/HEAD/OPTIONS is unsafe.
    ['PROPFIND', true, 'https://evil.example', null, false],
  ];

  it.each(table)('%s cookie=%s Origin=%s Sec-Fetch-Site=%s → allowed %s', (method, cookie, origin, site, allowed) => {
    const headers: Record<string, string> = {};
    if (origin !== null) headers.origin = origin;
    if (site !== null) headers['sec-fetch-site'] = site;
    const answer = check(request(method, headers), cookie);
    expect(answer === null).toBe(allowed);
  });

  it('answers 403 with a JSON detail naming the refused origin, never cached', async () => {
    const answer = check(request('POST', { origin: 'https://evil.example' }), true)!;
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await answer.json()).toEqual({
      detail: "Cross-origin request refused (origin https://evil.example): not this app's origin nor a trusted one",
    });
    expect(await check(request('POST', {}), true)!.json()).toEqual({
      detail: "Cross-origin request refused (no Origin header): not this app's origin nor a trusted one",
    });
    expect((await check(request('POST', { origin: 'null' }), true)!.json()).detail).toContain('(origin null)');
  });

  it('names the origin sanitised and bounded (printable ASCII, 120 characters)', async () => {
    const long = `https://${'a'.repeat(5000)}.example`;
    const detail = (await check(request('POST', { origin: long }), true)!.json()).detail as string;
    expect(detail).toContain(`origin https://${'a'.repeat(112)}...)`);
    expect(detail.length).toBeLessThan(250);
    // Latin-1 bytes a client put in the header are shown as '?'.
    const odd = new Headers();
    odd.set('origin', 'https://\u00e9vil.example\u00ff');
    const answer = check(new Request(`${APP}/x`, { method: 'POST', headers: odd }), true)!;
    expect((await answer.json()).detail).toContain('origin https://?vil.example?)');
  });

  it('the configured origin replaces the request URL (a proxy: the server sees http://127.0.0.1:8000)', () => {
    const behindProxy = createOriginCheck({ origin: APP });
    const proxied = (origin: string) => request('POST', { origin }, 'http://127.0.0.1:8000/logout');
    expect(behindProxy(proxied(APP), true)).toBeNull();
    expect(behindProxy(proxied('http://127.0.0.1:8000'), true)?.status).toBe(403);
    // Without it the request's own URL is the app's origin: the proxied page is refused (fails closed).
    expect(createOriginCheck()(proxied(APP), true)?.status).toBe(403);
    expect(createOriginCheck()(proxied('http://127.0.0.1:8000'), true)).toBeNull();
    // Host and X-Forwarded-Host are never believed.
    const forged = new Request('http://127.0.0.1:8000/logout', {
      method: 'POST',
      headers: { origin: 'https://evil.example', host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    });
    expect(createOriginCheck()(forged, true)?.status).toBe(403);
  });

  it('refuses misconfigured origins at configuration time', () => {
    const bad: unknown[] = [
      { origin: 'https://app.example.com/' },
      { origin: 'app.example.com' },
      { origin: 'ftp://app.example.com' },
      { trustedOrigins: ['https://a.example/path'] },
      { trustedOrigins: ['https://a.example?x'] },
      { trustedOrigins: ['https://a.example#x'] },
      { trustedOrigins: ['https://user@a.example'] },
      { trustedOrigins: ['*'] },
      { trustedOrigins: ['null'] },
      { trustedOrigins: ['https://a.example', 'https://A.example:443'] }, // the same origin twice
      { trustedOrigins: 'https://a.example' },
    ];
    for (const options of bad) expect(() => createOriginCheck(options as never), JSON.stringify(options)).toThrow(ConfigurationError);
    // Case and a default port are serialized as browsers do.
    const check = createOriginCheck({ trustedOrigins: ['https://A.Example:443'] });
    expect(check(request('POST', { origin: 'https://a.example' }), true)).toBeNull();
  });
});
