/**
 * Each client address gets a bounded share of serve()'s connections: without it one address could
 * hold every one of `maxConnections` (idle connections, reopened each time the headers timeout cuts
 * them) and nobody else would be served.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { clientAddressKey, type TrustedProxies } from '../throttle/address.js';

/**
 * The default share: an eighth of `maxConnections`, at least 16 (room for a few browsers behind one
 * NAT, 6 connections each), at most `maxConnections`. Eight addresses are needed to fill the server.
 */
export function defaultConnectionsPerAddress(maxConnections: number): number {
  return Math.min(maxConnections, Math.max(16, Math.floor(maxConnections / 8)));
}

/**
 * Closes at once a new connection from an address (IPv6: its /64) that already has `limit` open.
 * Trusted proxies carry many clients and are not limited, nor are Unix socket connections (their
 * peer, a local proxy, has no address).
 */
export function limitConnectionsPerAddress(server: Server, limit: number, proxies: TrustedProxies): void {
  const open = new Map<string, number>(); // at most maxConnections entries
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || proxies.has(address)) return;
    const key = clientAddressKey(address);
    if (key === null) return;
    const count = open.get(key) ?? 0;
    if (count >= limit) {
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}
