/**
 * The Node adapter over real sockets: the handler served end to end, HEAD, request bodies and
 * their limits, client aborts, backpressure, odd request lines and Host headers.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthHandler, jsonResponse, readLoginForm } from '../../../src/http/index.js';
import { serve, type RunningServer } from '../../../src/node/index.js';
import { KEY, context, craft, makeUsers, nowSeconds } from '../../helpers/http.js';

/** Send raw bytes, collect everything the server answers until it closes or goes quiet. */
function raw(url: string, data: string | Buffer, { idleMs = 300, end = false } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(done, idleMs);
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      arm();
    });
    socket.on('close', done);
    socket.on('error', (error) => (chunks.length ? done() : reject(error)));
    socket.on('connect', () => {
      socket.write(data);
      if (end) socket.end();
      arm();
    });
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
const headerOf = (response: string, name: string) =>
  new RegExp(`^${name}: (.*)$`, 'im').exec(response.split('\r\n\r\n')[0]!)?.[1]?.trim() ?? null;

describe('the handler on Node', () => {
  let server: RunningServer;
  const errors: unknown[] = [];
  const handler = createAuthHandler({ users: makeUsers(), key: KEY, context, onError: (e) => errors.push(e) });

  beforeAll(async () => {
    server = await serve(handler, { port: 0, onError: (e) => errors.push(e) });
  });
  afterAll(async () => {
    await server.close();
    expect(errors).toEqual([]);
  });

  it('serves the tutorial flow with lengths and JSON types', async () => {
    const login = await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret' }) });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    const me = await fetch(`${server.url}/users/me/`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(200);
    expect(me.headers.get('content-type')).toBe('application/json');
    const text = await me.text();
    expect(me.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(text).toBe('{"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe","disabled":false}');
    const refused = await fetch(`${server.url}/users/me/`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('keeps a connection alive across requests, and answers multipart logins', async () => {
    const form = new FormData();
    form.append('username', 'johndoe');
    form.append('password', 'secret');
    expect((await fetch(`${server.url}/token`, { method: 'POST', body: form })).status).toBe(200);
    const token = craft({ payload: { sub: 'johndoe', exp: nowSeconds() + 60 } });
    const request = `GET /users/me/items/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    const response = await raw(server.url, request + request);
    expect(response.match(/HTTP\/1\.1 200 OK/g)?.length).toBe(2);
    expect(response).toContain('[{"item_id":"Foo","owner":"johndoe"}]');
  });

  it('answers HEAD on /docs with headers only', async () => {
    const response = await raw(server.url, 'HEAD /docs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(response)).toBe(200);
    expect(headerOf(response, 'content-type')).toBe('text/html; charset=utf-8');
    const get = await fetch(`${server.url}/docs`);
    expect(headerOf(response, 'content-length')).toBe(String((await get.arrayBuffer()).byteLength));
    expect(response.endsWith('\r\n\r\n')).toBe(true);
  });

  it('serves the 1.7 MB Swagger UI bundle intact', async () => {
    const response = await fetch(`${server.url}/docs/swagger-ui-bundle.js`);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const body = Buffer.from(await response.arrayBuffer());
    const { readFileSync } = await import('node:fs');
    expect(body.equals(readFileSync(new URL('../../../node_modules/swagger-ui-dist/swagger-ui-bundle.js', import.meta.url)))).toBe(true);
  });

  it('answers 413 to a declared oversize body and closes the connection instead of draining it', async () => {
    const response = await raw(
      server.url,
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\nusername=',
    );
    expect(statusOf(response)).toBe(413);
    expect(headerOf(response, 'connection')).toBe('close');
    expect(response).toContain('{"detail":"Request Entity Too Large"}');
  });

  it('answers 413 to a chunked body once it passes 64 KiB (the adapter reads it without undici)', async () => {
    const chunk = 'a'.repeat(8192);
    let body = '';
    for (let i = 0; i < 9; i++) body += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    const response = await raw(
      server.url,
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    expect(statusOf(response)).toBe(413);
  });

  it('survives a client that leaves in the middle of a body', async () => {
    const { hostname, port } = new URL(server.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=john');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${server.url}/users/me/`)).status).toBe(401);
  });

  it('answers a 405 on a POST with an unread body, and stays usable', async () => {
    const response = await raw(server.url, 'POST /users/me/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    expect(statusOf(response)).toBe(405);
    expect(headerOf(response, 'allow')).toBe('GET');
  });

  it.each([
    ['a Host header that would move the path', 401, 'GET /users/me/ HTTP/1.1\r\nHost: evil/token?\r\nConnection: close\r\n\r\n'],
    ['a Host with userinfo', 401, 'GET /users/me/ HTTP/1.1\r\nHost: a@b\r\nConnection: close\r\n\r\n'],
    ['no Host header (HTTP/1.0)', 401, 'GET /users/me/ HTTP/1.0\r\n\r\n'],
    ['an absolute-form target', 401, 'GET http://other.example/users/me/?x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['an absolute-form target of another scheme', 400, 'GET ftp://x/users/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['the asterisk target', 400, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    // Not rewritten (a proxy in front matched them literally): see security-node-paths.test.ts.
    ['dot segments', 400, 'GET /docs/../users/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['encoded dot segments', 400, 'GET /docs/%2e%2e/users/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['a double slash', 404, 'GET //users/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['an encoded slash', 401, 'GET /users%2Fme/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['a bad %-escape', 404, 'GET /users/me/%zz%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['the TRACE method', 405, 'TRACE /token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['an upper-case host and a default port', 307, 'GET /users/me HTTP/1.1\r\nHost: EXAMPLE.com:80\r\nConnection: close\r\n\r\n'],
    ['huge headers', 431, `GET /users/me/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`],
    ['a garbage request line', 400, 'HELLO\r\n\r\n'],
  ])('answers %s with %i', async (_, status, request) => {
    const response = await raw(server.url, request);
    expect(statusOf(response)).toBe(status);
  });

  it('writes a relative Location, never the Host header', async () => {
    const response = await raw(server.url, 'GET /users/me?a=1 HTTP/1.1\r\nHost: EXAMPLE.com:80\r\nConnection: close\r\n\r\n');
    expect(headerOf(response, 'location')).toBe('/users/me/?a=1');
  });
});

describe('any fetch handler on Node', () => {
  it('streams a large Response with backpressure, and cancels it when the client leaves', async () => {
    let cancelled = false;
    let produced = 0;
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const server = await serve(
      (request) => {
        const total = new URL(request.url).pathname === '/all' ? 64 : 100_000;
        return new Response(
          new ReadableStream<Uint8Array>(
            {
              pull(controller) {
                if (produced >= total) return controller.close();
                produced++;
                controller.enqueue(chunk);
              },
              cancel() {
                cancelled = true;
              },
            },
            { highWaterMark: 0 },
          ),
          { headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-test', 'y']] },
        );
      },
      { port: 0 },
    );
    try {
      const all = await fetch(`${server.url}/all`);
      expect(all.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(all.headers.get('transfer-encoding')).toBe('chunked');
      expect((await all.arrayBuffer()).byteLength).toBe(64 * chunk.length);

      // A client that reads one chunk then stops: production stalls (backpressure), then is cancelled.
      produced = 0;
      const controller = new AbortController();
      const response = await fetch(`${server.url}/endless`, { signal: controller.signal });
      const reader = response.body!.getReader();
      await reader.read();
      await new Promise((r) => setTimeout(r, 200));
      expect(produced).toBeLessThan(200); // not 100,000 chunks buffered in memory
      controller.abort();
      await new Promise((r) => setTimeout(r, 200));
      expect(cancelled).toBe(true);
    } finally {
      await server.close(100); // fetch opens a spare connection after the abort: do not wait for it
    }
  });

  it('answers 500 when a handler throws or rejects, and reports it', async () => {
    const reported: unknown[] = [];
    const server = await serve(
      (request) => {
        if (request.url.endsWith('/sync')) throw new Error('sync bug');
        return Promise.reject(new Error('async bug'));
      },
      { port: 0, onError: (e) => reported.push(e) },
    );
    try {
      for (const path of ['/sync', '/async']) {
        const response = await fetch(server.url + path);
        expect(response.status).toBe(500);
        expect(await response.text()).toBe('{"detail":"Internal Server Error"}');
      }
      expect(reported.map((e) => (e as Error).message)).toEqual(['sync bug', 'async bug']);
    } finally {
      await server.close();
    }
  });

  it('gives handlers a working Request: body, headers, signal, clone', async () => {
    const server = await serve(
      async (request) => {
        const copy = request.clone();
        const text = await request.text();
        return Response.json({
          method: request.method,
          url: request.url,
          type: request.headers.get('content-type'),
          text,
          again: await copy.text(),
          isRequest: request instanceof Request,
          aborted: request.signal.aborted,
        });
      },
      { port: 0 },
    );
    try {
      const response = await fetch(`${server.url}/echo?q=1`, { method: 'PUT', body: 'héllo', headers: { 'content-type': 'text/plain' } });
      expect(await response.json()).toEqual({
        method: 'PUT',
        url: `${server.url}/echo?q=1`,
        type: 'text/plain',
        text: 'héllo',
        again: 'héllo',
        isRequest: true,
        aborted: false,
      });
    } finally {
      await server.close();
    }
  });

  it('reads a form without building the real Request, and a handler reading the body after it gets the same bytes', async () => {
    const server = await serve(
      async (request) => {
        const form = await readLoginForm(request);
        if (form instanceof Response) return form;
        return Response.json({ username: form.username, text: await request.text(), signal: request.signal.aborted });
      },
      { port: 0 },
    );
    try {
      const body = 'username=j%C3%B6hn&password=s%26cret';
      const response = await fetch(`${server.url}/token`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(await response.json()).toEqual({ username: 'jöhn', text: body, signal: false });
    } finally {
      await server.close();
    }
  });

  it('keeps the connection of a bodiless request answered synchronously', async () => {
    const server = await serve(() => jsonResponse({ ok: true }), { port: 0 });
    try {
      const response = await raw(server.url, 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(response.match(/HTTP\/1\.1 200 OK/g)?.length).toBe(2);
      expect(response.toLowerCase()).not.toContain('connection: close');
    } finally {
      await server.close(100);
    }
  });

  it('gives handlers Headers that read like undici\'s', async () => {
    const server = await serve(
      (request) => {
        const { headers } = request;
        const before = { auth: headers.get('Authorization'), has: headers.has('x-multi'), none: headers.get('x-none'), proto: headers.get('constructor') };
        const entries = [...headers].filter(([name]) => name.startsWith('x-'));
        headers.set('x-added', '1'); // after a change, reads go to the real Headers
        return Response.json({
          isHeaders: headers instanceof Headers,
          before,
          multi: headers.get('x-multi'),
          entries,
          added: headers.get('x-added'),
        });
      },
      { port: 0 },
    );
    try {
      const response = await raw(
        server.url,
        'GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\nX-Multi: 1\r\nX-Multi: 2\r\nConnection: close\r\n\r\n',
      );
      expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))).toEqual({
        isHeaders: true,
        // Node keeps the first Authorization (FastAPI reads the first one too).
        before: { auth: 'Bearer a', has: true, none: null, proto: null },
        multi: '1, 2',
        entries: [['x-multi', '1, 2']],
        added: '1',
      });
    } finally {
      await server.close();
    }
  });

  it('aborts the request signal when the client goes away', async () => {
    let aborted: Promise<boolean> | undefined;
    const server = await serve(
      (request) => {
        aborted = new Promise((resolve) => {
          request.signal.addEventListener('abort', () => resolve(true));
          setTimeout(() => resolve(false), 2000);
        });
        return new Promise<Response>(() => {}); // never answers
      },
      { port: 0 },
    );
    try {
      const controller = new AbortController();
      const pending = fetch(server.url, { signal: controller.signal }).catch(() => null);
      await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      await pending;
      expect(await aborted).toBe(true);
    } finally {
      await server.close(100);
    }
  });
});
