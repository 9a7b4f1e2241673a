/**
 * The address of the client a Request came from. The core only knows Requests, so the adapter that
 * holds the connection records it: gatehouse's Node adapter does so for every request (from the
 * socket); other runtimes either call `setClientAddress` in their serve callback or give the
 * handler a `clientAddress` function. Without either, every request shares one key, 'unknown'.
 *
 * This is the connection's peer: behind a reverse proxy that is the proxy, and headers such as
 * X-Forwarded-For are deliberately not read here (a client can send any of them).
 */

import { clientAddressKey } from '../throttle/address.js';

/** Symbol.for, so that separately bundled entry points (gatehouse and gatehouse/node) agree. */
export const CLIENT_ADDRESS: unique symbol = Symbol.for('gatehouse.client-address') as never;

export { UNIX_SOCKET_PEER } from '../throttle/address.js';

/**
 * The key shared by requests whose address is not known.
 *
 * @example
 * if (clientAddressKey(address) === null) console.warn(`counting under '${UNKNOWN_CLIENT}'`);
 */
export const UNKNOWN_CLIENT = 'unknown';

/**
 * Reads a request's client address: the `clientAddress` option of the handler.
 *
 * @example
 * const clientAddress: ClientAddressResolver = (request) => request.headers.get('cf-connecting-ip');
 * createAuthHandler({ users, key, clientAddress });
 */
export type ClientAddressResolver = (request: Request) => string | null | undefined;

/**
 * Record the address of the client a request came from, for an adapter that knows it.
 *
 * @example
 * // Deno
 * Deno.serve((request, info) => handler(setClientAddress(request, info.remoteAddr.hostname)));
 * // Bun
 * Bun.serve({ fetch: (request, server) => handler(setClientAddress(request, server.requestIP(request)?.address ?? '')) });
 */
export function setClientAddress(request: Request, address: string): Request {
  if (typeof address === 'string' && address !== '') {
    Object.defineProperty(request, CLIENT_ADDRESS, { value: address, configurable: true });
  }
  return request;
}

/**
 * The client address of a request: the resolver's answer when one is given and answers, else what
 * the adapter recorded, else 'unknown'. IPv4 addresses reached over IPv6 (`::ffff:192.0.2.1`) are
 * written as IPv4, so that one client has one key.
 *
 * @example
 * const key = clientAddressOf(request); // '127.0.0.1' behind gatehouse/node
 */
export function clientAddressOf(request: Request, resolve?: ClientAddressResolver): string {
  let address: unknown;
  if (resolve) {
    try {
      address = resolve(request);
    } catch {
      address = undefined; // a broken resolver is no address, not a failed login
    }
  }
  if (typeof address !== 'string' || address === '') address = (request as { [CLIENT_ADDRESS]?: unknown })[CLIENT_ADDRESS];
  if (typeof address !== 'string' || address === '') return UNKNOWN_CLIENT;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * @internal The key of a request's login queue when the throttle is off (with it on, the throttle's
 * address is the key): clientAddressOf's answer, with IPv6 grouped by /64 as the throttle groups it
 * (one subscriber usually holds a whole /64, and would otherwise get a queue per address).
 *
 * @example
 * loginQueueKey(setClientAddress(request, '2001:db8:1:2::7')); // '2001:db8:1:2::/64'
 */
export function loginQueueKey(request: Request, resolve?: ClientAddressResolver): string {
  const address = clientAddressOf(request, resolve);
  return clientAddressKey(address) ?? address; // not an IP address (e.g. 'unknown'): as it is
}
