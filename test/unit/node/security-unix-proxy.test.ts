/**
 * Issue 18, item 6: behind a proxy on a Unix socket every client shared one queue and the
 * per-address limit was off, because `trustedProxies` could not name the proxy (a Unix socket
 * connection's peer has no address). `'unix'` in trustedProxies now means: a connection over a Unix
 * domain socket comes from a trusted proxy, so its X-Forwarded-For / Forwarded is read. Real
 * sockets: serve() on a socket path, node:http's client on it.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { createAuthHandler } from '../../../src/http/index.js';
import type { ThrottleOptions } from '../../../src/http/auth/login-guard.js';
import { serve, type RunningServer } from '../../../src/node/index.js';
import { KEY, context, makeUsers } from '../../helpers/http.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-unix-'));
let sockets = 0;
const socketPath = () => join(dir, `s${++sockets}.sock`);

/** Counts only addresses (3 failures block one), so that usernames do not get in the way. */
const throttle = (trustedProxies: string[]): ThrottleOptions => ({
  username: false,
  address: { maxFailures: 3, windowMs: 600_000 },
  trustedProxies,
});

type Target = { socketPath: string } | { url: string };

/** A wrong-password POST /token, as a proxy would pass it on with the client's address. */
function failedLogin(target: Target, forwardedFor?: string): Promise<number> {
  const body = new URLSearchParams({ username: 'johndoe', password: 'wrong' }).toString();
  const headers: Record<string, string | number> = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length };
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  const where = 'socketPath' in target ? { socketPath: target.socketPath } : { host: new URL(target.url).hostname, port: new URL(target.url).port };
  return new Promise((resolve, reject) => {
    const req = request({ ...where, method: 'POST', path: '/token', agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function statuses(target: Target, forwardedFor: string | undefined, times: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await failedLogin(target, forwardedFor));
  return out;
}

describe("trustedProxies: ['unix']", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close(100);
    server = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = async (proxies: string[], listen: { path: string } | { port: number } = { path: socketPath() }) => {
    server = await serve(createAuthHandler({ users: makeUsers(), key: KEY, context, throttle: throttle(proxies) }), listen);
    return server;
  };

  it('counts each forwarded client address on its own over a Unix socket', async () => {
    const path = socketPath();
    const running = await start(['unix'], { path });
    expect(running.url).toBe(`http+unix://${encodeURIComponent(path)}`);
    const target = { socketPath: path };
    expect(await statuses(target, '198.51.100.1', 4)).toEqual([401, 401, 401, 429]);
    // Another client behind the same proxy has a count of its own.
    expect(await statuses(target, '198.51.100.2', 4)).toEqual([401, 401, 401, 429]);
    // The first one is still blocked; a hop list is walked from the right (the proxy appended the client).
    expect(await failedLogin(target, '6.6.6.6, 198.51.100.1')).toBe(429);
    expect(await failedLogin(target, '198.51.100.3')).toBe(401);
  });

  it('reads Forwarded (RFC 7239) too, and counts nothing for a request the proxy did not name', async () => {
    const path = socketPath();
    await start(['unix'], { path });
    const body = new URLSearchParams({ username: 'johndoe', password: 'wrong' }).toString();
    const viaForwarded = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { socketPath: path, method: 'POST', path: '/token', agent: false, headers: { forwarded: 'for="[2001:db8:1:2::9]"', 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length } },
          (res) => (res.resume(), res.on('end', () => resolve(res.statusCode!))),
        );
        req.on('error', reject);
        req.end(body);
      });
    expect([await viaForwarded(), await viaForwarded(), await viaForwarded(), await viaForwarded()]).toEqual([401, 401, 401, 429]);
    // No header: no client address (as before), not one shared 'unix' address that one client could block.
    expect(await statuses({ socketPath: path }, undefined, 5)).toEqual([401, 401, 401, 401, 401]);
  });

  it("without 'unix', the header is not read over a Unix socket: no address is counted at all", async () => {
    for (const proxies of [[], ['127.0.0.1', '::1']]) {
      const path = socketPath();
      await start(proxies, { path });
      expect(await statuses({ socketPath: path }, '198.51.100.1', 5)).toEqual([401, 401, 401, 401, 401]);
      await server!.close(100);
      server = undefined;
    }
  });

  it("'unix' does not make a TCP client a trusted proxy: its header is ignored", async () => {
    const running = await start(['unix'], { port: 0 });
    expect(await statuses(running, '198.51.100.1', 3)).toEqual([401, 401, 401]);
    // Counted under its own address (127.0.0.1), whatever it claims.
    expect(await failedLogin(running, '198.51.100.2')).toBe(429);
  });

  it('serve() takes a socket path, not together with a port or host', async () => {
    const handler = createAuthHandler({ users: makeUsers(), key: KEY, context });
    await expect(serve(handler, { path: socketPath(), port: 0 })).rejects.toThrow(ConfigurationError);
    await expect(serve(handler, { path: socketPath(), host: '127.0.0.1' })).rejects.toThrow(ConfigurationError);
    await expect(serve(handler, { path: '' })).rejects.toThrow(ConfigurationError);
    await expect(serve(handler, { path: 5 as never })).rejects.toThrow(ConfigurationError);
    await expect(serve(handler, { port: 0, trustedProxies: ['unix', 'nope'] })).rejects.toThrow(ConfigurationError);
  });
});
