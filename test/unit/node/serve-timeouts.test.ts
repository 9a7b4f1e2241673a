/**
 * Issue 7, part 6: `serve` cuts slow clients. Real sockets against a real server: headers sent
 * halfway then silence, complete headers then a silent body, a body trickled byte by byte; each
 * connection is closed once its timeout passes, while a normal request on another connection is
 * answered. And a connection cap.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { createAuthHandler } from '../../../src/http/index.js';
import { serve, type RunningServer } from '../../../src/node/index.js';
import { KEY, context, makeUsers } from '../../helpers/http.js';

const handler = createAuthHandler({ users: makeUsers(), key: KEY, context, docs: false });

/** Opens a socket, writes `first`, then calls `more` every `everyMs` until the server closes it. */
function slowClient(url: string, first: string, more?: { chunk: string; everyMs: number }) {
  const { port } = new URL(url);
  const socket: Socket = connect(Number(port), '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (data) => (received += data));
  socket.on('error', () => {});
  const opened = Date.now();
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - opened, received });
    });
  });
  socket.on('connect', () => {
    socket.write(first);
    if (more) timer = setInterval(() => socket.writable && socket.write(more.chunk), more.everyMs);
  });
  return { closed, socket };
}

describe('timeouts against slow clients', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve(handler, { port: 0, headersTimeout: 600, requestTimeout: 1500 });
  });
  afterAll(() => server.close(100));

  it('headers sent halfway, then silence: cut after headersTimeout', async () => {
    const client = slowClient(server.url, 'GET /users/me/ HTTP/1.1\r\nHost: x\r\n');
    const { afterMs, received } = await client.closed;
    expect(afterMs).toBeGreaterThanOrEqual(500);
    expect(afterMs).toBeLessThan(10_000);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('headers trickled a byte at a time: cut after headersTimeout', async () => {
    const client = slowClient(server.url, 'G', { chunk: 'X', everyMs: 100 });
    const { afterMs } = await client.closed;
    expect(afterMs).toBeLessThan(10_000);
  });

  it('complete headers, then a body that never comes: cut after requestTimeout', async () => {
    const client = slowClient(
      server.url,
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n',
    );
    const { afterMs, received } = await client.closed;
    expect(afterMs).toBeGreaterThanOrEqual(1000);
    expect(afterMs).toBeLessThan(15_000);
    expect(received === '' || /^HTTP\/1\.1 (408|400|422)/.test(received)).toBe(true);
  });

  it('a body trickled a byte every 200 ms: cut after requestTimeout, long before it ends', async () => {
    const client = slowClient(
      server.url,
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nu',
      { chunk: 'x', everyMs: 200 },
    );
    const { afterMs } = await client.closed;
    expect(afterMs).toBeLessThan(15_000); // the body would take 200 s
  });

  it('meanwhile a normal client is answered', async () => {
    const slow = slowClient(server.url, 'GET /users/me/ HTTP/1.1\r\nHost: x\r\n');
    const response = await fetch(`${server.url}/users/me/`);
    expect(response.status).toBe(401);
    await slow.closed;
  });
});

describe('serve options', () => {
  it('defaults: 10 s for headers, 30 s for the request, 1024 connections', async () => {
    const server = await serve(handler, { port: 0 });
    try {
      expect(server.server.headersTimeout).toBe(10_000);
      expect(server.server.requestTimeout).toBe(30_000);
      expect(server.server.maxConnections).toBe(1024);
    } finally {
      await server.close(100);
    }
  });

  it('a connection cap: connections beyond it are closed at once', async () => {
    const server = await serve(handler, { port: 0, maxConnections: 2 });
    try {
      const first = slowClient(server.url, 'GET /users/me/ HTTP/1.1\r\nHost: x\r\n');
      const second = slowClient(server.url, 'GET /users/me/ HTTP/1.1\r\nHost: x\r\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const third = slowClient(server.url, 'GET /users/me/ HTTP/1.1\r\nHost: x\r\n\r\n');
      const { afterMs, received } = await third.closed;
      expect(afterMs).toBeLessThan(2000);
      expect(received).toBe('');
      first.socket.destroy();
      second.socket.destroy();
      await Promise.all([first.closed, second.closed]);
      // Room again: a request is answered.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await fetch(`${server.url}/users/me/`)).status).toBe(401);
    } finally {
      await server.close(100);
    }
  });

  it('bad values are ConfigurationErrors', async () => {
    for (const options of [{ headersTimeout: 0 }, { requestTimeout: -1 }, { maxConnections: 1.5 }, { headersTimeout: 5000, requestTimeout: 1000 }]) {
      await expect(serve(handler, { port: 0, ...options })).rejects.toBeInstanceOf(ConfigurationError);
    }
  });
});
