/**
 * Odd requests, generated from a seeded PRNG: whatever the method, path, headers, token or body,
 * the handler answers with one of the contract's statuses, never a 5xx, and its JSON parses.
 */
import { describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { BASE, KEY, context, craft, makeUsers, nowSeconds } from '../../helpers/http.js';

/** mulberry32: small, seeded, good enough to pick cases reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

const ALLOWED = new Set([200, 307, 400, 401, 404, 405, 413, 422]);

function randomText(rng: Rng, max: number, alphabet?: string): string {
  const length = rng.int(max + 1);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += alphabet ? alphabet[rng.int(alphabet.length)] : String.fromCharCode(rng.chance(0.8) ? 32 + rng.int(95) : 128 + rng.int(128));
  }
  return out;
}

function randomPath(rng: Rng): string {
  let path = rng.pick(['/token', '/users/me/', '/users/me/items/', '/docs', '/openapi.json', '/docs/oauth2-redirect', '/docs/swagger-ui.css', '/', '/nope']);
  const edits = rng.int(4);
  for (let i = 0; i < edits; i++) {
    const at = rng.int(path.length + 1);
    const insert = rng.pick(['/', '//', '%2F', '%2f', '%', '%zz', '%ff', '%C3%A9', '%00', '.', '/./', '/../', '%2e%2e/', '?', '#', 'é', '\\', ';x', 'a'.repeat(rng.int(3000))]);
    path = rng.chance(0.3) ? path.slice(0, at) + path.slice(at + 1) : path.slice(0, at) + insert + path.slice(at);
  }
  if (rng.chance(0.3)) path += `?${randomText(rng, 30, 'abc=&%+?/x0')}`;
  return path.startsWith('/') ? path : `/${path}`;
}

function randomClaims(rng: Rng): Record<string, unknown> {
  const later = nowSeconds() + 600;
  const claims: Record<string, unknown> = {};
  const maybe = (name: string, values: unknown[]) => {
    if (rng.chance(0.7)) claims[name] = rng.pick(values);
  };
  maybe('sub', ['johndoe', 'alice', 'ghost', '', null, 42, {}, [], '__proto__', 'constructor', 'toString', 'a'.repeat(2000)]);
  maybe('exp', [later, later, nowSeconds() - 5, null, [], {}, 'x', String(later), 1e308, -1, true, 1.5, later + 0.5]);
  maybe('nbf', [later, nowSeconds() - 5, null, 'x']);
  maybe('iat', [later, nowSeconds() - 5, null, []]);
  maybe('scope', ['me', 'items me', 'me items', '', ['me', 'items'], [1], 7, null, {}, 'me\titems']);
  maybe('aud', ['x', ['x'], 5]);
  if (rng.chance(0.1)) claims.__proto__nested = JSON.parse('{"__proto__":{"polluted":true}}');
  return claims;
}

function randomAuthorization(rng: Rng): string | undefined {
  switch (rng.int(8)) {
    case 0:
      return undefined;
    case 1:
      return `${rng.pick(['Bearer', 'bearer', 'BEARER', 'Basic', 'Bearer\t', 'Bear', ''])} ${randomText(rng, 80)}`;
    case 2:
      return rng.pick(['Bearer', 'Bearer ', 'Bearer  ', '', ' ', 'Bearer a.b', 'Bearer ...', 'Bearer a.b.c.d']);
    case 3: {
      const header = rng.pick([
        { alg: 'HS256', typ: 'JWT' },
        { alg: 'none' },
        { alg: 'HS512' },
        { alg: 'RS256' },
        { alg: 'HS256', crit: ['exp'] },
        { alg: 'HS256', kid: 5 },
        {},
        [],
      ]);
      return `Bearer ${craft({ header, payload: randomClaims(rng) })}`;
    }
    case 4: {
      // A valid token with one character changed.
      const token = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 600 } });
      const at = rng.int(token.length);
      return `Bearer ${token.slice(0, at)}${rng.pick(['A', '.', '=', '+', '/', ' ', '\u00e9'])}${token.slice(at + 1)}`;
    }
    default:
      return `Bearer ${craft({ payload: randomClaims(rng) })}`;
  }
}

function randomBody(rng: Rng): { body?: Uint8Array | string; contentType?: string } {
  const fields = ['username', 'password', 'grant_type', 'scope', 'client_id', 'client_secret', '', '__proto__'];
  switch (rng.int(6)) {
    case 0:
      return {};
    case 1: {
      const bytes = new Uint8Array(rng.int(3000));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      return { body: bytes, contentType: rng.pick([undefined, 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) };
    }
    case 2: {
      const pairs: string[] = [];
      for (let i = rng.int(6); i > 0; i--) {
        const value = rng.pick(['johndoe', 'alice', 'secret', 'secret2', 'password', '', randomText(rng, 20, 'ab%+=&é\u0000zZ9')]);
        pairs.push(`${rng.pick(fields)}${rng.chance(0.9) ? '=' : ''}${value}`);
      }
      return { body: pairs.join(rng.pick(['&', '&&', ';'])), contentType: rng.pick(['application/x-www-form-urlencoded', 'APPLICATION/X-WWW-FORM-URLENCODED; charset=latin1', 'application/x-www-form-urlencoded;;;']) };
    }
    case 3: {
      const boundary = rng.pick(['b', 'XyZ', '"q q"', '-', 'a'.repeat(300), '']);
      const raw = boundary.replace(/"/g, '');
      let body = rng.chance(0.2) ? randomText(rng, 20) : '';
      for (let i = rng.int(4); i > 0; i--) {
        const disposition = rng.pick([
          `form-data; name="${rng.pick(fields)}"`,
          `form-data; name=${rng.pick(fields)}; filename="f"`,
          'form-data',
          'attachment; name="username"',
          `form-data; name="${randomText(rng, 10)}`,
        ]);
        body += `--${raw}\r\nContent-Disposition: ${disposition}\r\n${rng.chance(0.1) ? '' : '\r\n'}${rng.pick(['johndoe', 'secret', randomText(rng, 50)])}\r\n`;
      }
      if (rng.chance(0.7)) body += `--${raw}--\r\n`;
      return { body, contentType: rng.pick([`multipart/form-data; boundary=${boundary}`, 'multipart/form-data', `multipart/form-data; BOUNDARY=${boundary}; charset=x`]) };
    }
    case 4:
      return { body: JSON.stringify({ username: 'johndoe', password: 'secret' }), contentType: 'application/json' };
    default:
      return { body: `username=johndoe&password=secret&x=${'a'.repeat(rng.pick([10, 70_000]))}`, contentType: 'application/x-www-form-urlencoded' };
  }
}

describe('odd requests never get a 5xx', () => {
  const failures: unknown[] = [];
  const onError = (error: unknown) => failures.push(error);
  const users = makeUsers();
  const handlers = [
    createAuthHandler({ users, key: KEY, context, onError }),
    createAuthHandler({ users, key: KEY, context, onError, scopes: true }),
  ];

  it('for 2,500 generated requests', async () => {
    const rng = prng(0x5eed);
    let made = 0;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2500; i++) {
      const method = rng.pick(['GET', 'GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'M-SEARCH', 'get', 'post']);
      const headers = new Headers();
      const authorization = randomAuthorization(rng);
      let request: Request;
      try {
        if (authorization !== undefined) headers.set('authorization', authorization);
        const { body, contentType } = /^(GET|HEAD)$/i.test(method) ? {} : randomBody(rng);
        if (contentType !== undefined) headers.set('content-type', contentType);
        if (rng.chance(0.05)) headers.set('content-length', rng.pick(['-1', 'abc', '99999999999999999999', '0', '1e3']));
        request = new Request(BASE + randomPath(rng), { method, headers, body: body as BodyInit | undefined });
      } catch {
        continue; // not a request a runtime would hand to a handler (invalid header value, ...)
      }
      made++;
      const response = await rng.pick(handlers)(request);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(ALLOWED.has(response.status), `${request.method} ${request.url} -> ${response.status}`).toBe(true);
      const text = await response.text();
      if (request.method !== 'HEAD' && response.headers.get('content-type') === 'application/json') expect(() => JSON.parse(text)).not.toThrow();
    }
    expect(failures).toEqual([]);
    expect(made).toBeGreaterThan(2000);
    // The generator reaches every kind of answer.
    for (const status of [200, 307, 400, 401, 404, 405, 413, 422]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);
});
