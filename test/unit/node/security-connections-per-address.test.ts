/**
 * Issue 18, item 6: one address could hold all of `maxConnections` (idle connections, reopened as
 * the headers timeout cuts them), and nobody else was served. Each address (IPv6: each /64) now has
 * a bounded share, `maxConnectionsPerAddress`; connections over it are closed at once. Real sockets:
 * the other 127.x addresses act as distinct clients (`localAddress`).
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { createAuthHandler } from '../../../src/http/index.js';
import { serve, type RunningServer, type ServeOptions } from '../../../src/node/index.js';
import { defaultConnectionsPerAddress } from '../../../src/node/connections-per-address.js';
import { KEY, context, makeUsers } from '../../helpers/http.js';

const handler = createAuthHandler({ users: makeUsers(), key: KEY, context, docs: false });

interface Idle {
  socket: Socket;
  closed: Promise<void>;
}

/** `count` connections from `from` that send nothing, each opened once the last one is. */
async function idleConnections(url: string, from: string, count: number): Promise<Idle[]> {
  const { port } = new URL(url);
  const host = from.includes(':') ? '::1' : '127.0.0.1';
  const out: Idle[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect({ port: Number(port), host, localAddress: from });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    out.push({ socket, closed });
  }
  return out;
}

/** Which of `connections` the server has closed, once the server holds `held` connections in all. */
async function settle(server: RunningServer, connections: Idle[], held: number): Promise<boolean[]> {
  const closed = connections.map(() => false);
  connections.forEach(({ closed: done }, i) => void done.then(() => (closed[i] = true)));
  for (;;) {
    const open = await new Promise<number>((resolve, reject) => server.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    if (open === held && closed.filter(Boolean).length === connections.length - held) return closed;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** GET /users/me/ from `from`: the status, or 0 when the connection is closed without an answer. */
function getFrom(url: string, from: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: from }, () => {
      socket.write('GET /users/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    let text = '';
    socket.on('data', (data) => (text += data));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

describe('maxConnectionsPerAddress', () => {
  let server: RunningServer | undefined;
  let open: Idle[] = [];
  afterEach(async () => {
    for (const { socket } of open) socket.destroy();
    open = [];
    await server?.close(100);
    server = undefined;
  });
  const start = async (options: ServeOptions) => (server = await serve(handler, { port: 0, ...options }));

  it('one address holding idle connections leaves room for another address', async () => {
    const running = await start({ maxConnections: 8, maxConnectionsPerAddress: 3 });
    open = await idleConnections(running.url, '127.0.0.2', 8);
    const closed = await settle(running, open, 3);
    // Its first three are held; every one over its share was closed at once.
    expect(closed).toEqual([false, false, false, true, true, true, true, true]);
    expect(await getFrom(running.url, '127.0.0.3')).toBe(401);
    // Its share stays full while it holds it.
    expect(await getFrom(running.url, '127.0.0.2')).toBe(0);
  });

  it('by default an address gets an eighth of maxConnections, at least 16', async () => {
    expect(defaultConnectionsPerAddress(1024)).toBe(128);
    expect(defaultConnectionsPerAddress(200)).toBe(25);
    expect(defaultConnectionsPerAddress(40)).toBe(16);
    expect(defaultConnectionsPerAddress(10)).toBe(10);
    const running = await start({ maxConnections: 40 });
    open = await idleConnections(running.url, '127.0.0.2', 40);
    await settle(running, open, 16);
    expect(await getFrom(running.url, '127.0.0.3')).toBe(401);
  });

  it('a closed connection frees its place in the share', async () => {
    const running = await start({ maxConnections: 8, maxConnectionsPerAddress: 2 });
    open = await idleConnections(running.url, '127.0.0.2', 2);
    await settle(running, open, 2);
    open[0]!.socket.destroy();
    await settle(running, open.slice(1), 1);
    expect(await getFrom(running.url, '127.0.0.2')).toBe(401);
  });

  it('limits IPv6 clients too (by /64)', async () => {
    const running = await start({ host: '::1', maxConnections: 8, maxConnectionsPerAddress: 2 });
    open = await idleConnections(running.url, '::1', 4);
    expect(await settle(running, open, 2)).toEqual([false, false, true, true]);
  });

  it('does not limit trusted proxies (they carry many clients)', async () => {
    const running = await start({ maxConnections: 8, maxConnectionsPerAddress: 2, trustedProxies: ['127.0.0.2'] });
    open = await idleConnections(running.url, '127.0.0.2', 6);
    expect(await settle(running, open, 6)).toEqual([false, false, false, false, false, false]);
    // Another address still is.
    const others = await idleConnections(running.url, '127.0.0.3', 2);
    open.push(...others);
    expect(await getFrom(running.url, '127.0.0.3')).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN, '4', Infinity])('refuses maxConnectionsPerAddress %j', async (value) => {
    await expect(serve(handler, { port: 0, maxConnectionsPerAddress: value as number })).rejects.toThrow(ConfigurationError);
  });
});
