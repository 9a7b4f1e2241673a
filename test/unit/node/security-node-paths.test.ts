/**
 * Issue 18, item 6: the Node adapter rewrote `\` to `/` and removed dot segments (through a WHATWG
 * URL), so `/users\me\` and `/x/..\docs` reached routes that a proxy in front had matched literally.
 * A request target whose path holds a backslash or a dot segment (raw or percent-encoded) is now
 * answered 400, never rewritten. Raw HTTP over a socket: fetch would normalise the target itself.
 * The query is not a path: `..` and `\` there are left alone.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { serve, type RunningServer } from '../../../src/node/index.js';
import { KEY, context, makeUsers } from '../../helpers/http.js';

/** One request with `target`, on its own connection: the status and body of the answer. */
function get(url: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1');
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (data) => (text += data));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      resolve({ status, body: text.split('\r\n\r\n').slice(1).join('\r\n\r\n') });
    });
  });
}

describe('request targets a URL parser would rewrite', () => {
  let server: RunningServer;
  const errors: unknown[] = [];
  beforeAll(async () => {
    const handler = createAuthHandler({ users: makeUsers(), key: KEY, context, onError: (e) => errors.push(e) });
    server = await serve(handler, { port: 0, onError: (e) => errors.push(e) });
  });
  afterAll(async () => {
    await server.close();
    expect(errors).toEqual([]);
  });

  it.each([
    '/users\\me\\',
    '/users\\me/',
    '/x/..\\docs',
    '/users%5Cme/',
    '/users%5cme%5c',
    '/docs/../users/me/',
    '/x/../docs',
    '/docs/%2e%2e/users/me/',
    '/docs/%2E%2E/users/me/',
    '/docs/.%2E/users/me/',
    '/docs/%2e./users/me/',
    '/./docs',
    '/%2e/docs',
    '/%2E/docs',
    '/users/./me/',
    '/docs/.',
    '/docs/..',
    '/docs/..?x=1',
    '/docs/..#frag',
    'http://example.com/x/../docs',
    'http://example.com/users\\me\\',
  ])('answers 400 to %j', async (target) => {
    const { status, body } = await get(server.url, target);
    expect(status).toBe(400);
    expect(body).toBe('{"detail":"Bad Request"}');
  });

  it.each([
    ['/users/me/', 401],
    ['/docs', 200],
    ['/users/me/?next=../..\\admin', 401], // the query is not a path: nothing rewrites it
    ['/users/me/?a=.&b=..&c=%2e%2e&d=%5C', 401],
    ['/users/me/?../x', 401],
    ['/.well-known/x', 404], // a segment that starts with a dot is no dot segment
    ['/docs/...', 404],
    ['/docs/..x', 404],
    ['/docs/%2e%2e%2e', 404],
    ['/docs/x.', 404],
    ['/users%2Fme/', 401], // an encoded slash is no segment break to the URL parser either
  ])('leaves %j alone (%i)', async (target, expected) => {
    expect((await get(server.url, target)).status).toBe(expected);
  });
});
