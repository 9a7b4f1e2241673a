/**
 * serve's light responses (on unless `lightResponses: false`) (src/node/light-response.ts): `new Response(...)` keeps its parts and
 * the adapter writes them directly; anything a handler does with a response still behaves as undici's.
 * Real sockets, answers read with fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../../src/node/index.js';

const NativeResponse = globalThis.Response;
let server: RunningServer;

beforeAll(async () => {
  server = await serve(
    async (request) => {
      const path = new URL(request.url).pathname;
      switch (path) {
        case '/json':
          return new Response('{"ok":true}', { headers: { 'content-type': 'application/json', 'X-Extra': 'a' } });
        case '/text':
          return new Response('plain');
        case '/bytes':
          return new Response(new Uint8Array([1, 2, 3]), { status: 201, headers: [['content-type', 'application/octet-stream']] });
        case '/empty':
          return new Response(null, { status: 204 });
        case '/headers-object':
          return new Response('h', { headers: new Headers({ 'x-from': 'headers' }) });
        case '/touched': {
          const response = new Response('t', { headers: { 'content-type': 'text/plain' } });
          response.headers.set('x-added', 'later'); // uses the real Response from here on
          return response;
        }
        case '/cookies':
          return new Response('c', { headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2']] });
        case '/static-json':
          return Response.json({ made: 'by Response.json' });
        case '/stream':
          return new Response(new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('streamed')), c.close()) }));
        case '/read-back': {
          const inner = new Response('read me');
          return new Response(`${inner instanceof NativeResponse}:${inner.status}:${await inner.text()}`);
        }
        default:
          return new Response('no', { status: 404 });
      }
    },
    { port: 0, lightResponses: true },
  );
});
afterAll(() => server?.close());

const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

describe('serve({ lightResponses: true })', () => {
  it('replaces the global Response with a subclass-like one that is still instanceof the native class', () => {
    expect(globalThis.Response).not.toBe(NativeResponse);
    const response = new Response('x', { status: 202 });
    expect(response).toBeInstanceOf(NativeResponse);
    expect(response.status).toBe(202);
  });

  it('writes string, byte and empty bodies with their status, headers and length', async () => {
    const json = await get('/json');
    expect([json.status, json.headers.get('content-type'), json.headers.get('x-extra'), json.headers.get('content-length'), await json.text()])
      .toEqual([200, 'application/json', 'a', '11', '{"ok":true}']);
    const text = await get('/text');
    expect([text.headers.get('content-type'), await text.text()]).toEqual(['text/plain;charset=UTF-8', 'plain']);
    const bytes = await get('/bytes');
    expect([bytes.status, bytes.headers.get('content-type'), [...new Uint8Array(await bytes.arrayBuffer())]]).toEqual([201, 'application/octet-stream', [1, 2, 3]]);
    const empty = await get('/empty');
    expect([empty.status, await empty.text()]).toEqual([204, '']);
    const head = await get('/json', { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([200, 'application/json', '']);
  });

  it('falls back to the real Response for Headers objects, touched responses, cookies, Response.json and streams', async () => {
    expect((await get('/headers-object')).headers.get('x-from')).toBe('headers');
    const touched = await get('/touched');
    expect([touched.headers.get('x-added'), await touched.text()]).toEqual(['later', 't']);
    expect((await get('/cookies')).headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await (await get('/static-json')).json()).toEqual({ made: 'by Response.json' });
    expect(await (await get('/stream')).text()).toBe('streamed');
    expect(await (await get('/read-back')).text()).toBe('true:200:read me');
    expect((await get('/missing')).status).toBe(404);
  });

  it('refuses a non-boolean option', async () => {
    await expect(serve(() => new Response(''), { port: 0, lightResponses: 'yes' as never })).rejects.toThrow(/lightResponses/);
  });
});
