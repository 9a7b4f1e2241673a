/**
 * The address of the client a Request came from. The core only knows Requests, so the adapter that
 * holds the connection records it: gatehouse's Node adapter does so for every request (from the
 * socket); other runtimes either call `setClientAddress` in their serve callback or give the
 * handler a `clientAddress` function. Without either, every request shares one key, 'unknown'.
 *
 * This is the connection's peer: behind a reverse proxy that is the proxy, and headers such as
 * X-Forwarded-For are deliberately not read here (a client can send any of them).
 */

import { clientAddressKey, resolveClientAddress, type TrustedProxies } from '../throttle/address.js';

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
 * The connection's peer as given: the resolver's answer when one is given and answers (a resolver
 * that throws is reported and does not answer), else what the adapter recorded, else null.
 */
function peerAddressOf(request: Request, resolve: ClientAddressResolver | undefined, onError?: (error: unknown, request: Request) => void): string | null {
  let address: unknown;
  if (resolve) {
    try {
      address = resolve(request);
    } catch (error) {
      onError?.(error, request); // a broken resolver is no address, not a failed login
    }
  }
  if (typeof address !== 'string' || address === '') address = (request as { [CLIENT_ADDRESS]?: unknown })[CLIENT_ADDRESS];
  return typeof address === 'string' && address !== '' ? address : null;
}

/** IPv4 reached over IPv6 (`::ffff:192.0.2.1`) written as IPv4, so that one client has one key. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
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
  const address = peerAddressOf(request, resolve);
  return address === null ? UNKNOWN_CLIENT : unmapped(address);
}

/** @internal Who a login comes from, resolved once per login. */
export interface LoginClient {
  /**
   * The address the login throttle counts (trusted proxies applied, IPv4-mapped as IPv4, IPv6 by
   * /64), or null when no IP address is known: then only usernames are counted.
   */
  readonly address: string | null;
  /**
   * The login queue's key: `address`; without one, the peer as given (e.g. 'unix', a resolver's
   * 'edge-pop-7'), else 'unknown'.
   */
  readonly queueKey: string;
}

/** @internal Where createLoginClientResolver reads the client from. */
export interface LoginClientOptions {
  /** The peer's address: the throttle's `clientAddress`, else the handler's; else the adapter's record. */
  clientAddress?: ClientAddressResolver | undefined;
  /** Proxies whose forwarding header is believed (the throttle's `trustedProxies`). Default none. */
  trustedProxies?: TrustedProxies | readonly string[] | undefined;
  /** The header they write (the throttle's `proxyHeader`). */
  proxyHeader?: 'x-forwarded-for' | 'forwarded' | undefined;
  /** Told when `clientAddress` throws (the login goes on with the adapter's record). */
  onError?: ((error: unknown, request: Request) => void) | undefined;
}

/** No trusted proxy (resolveClientAddress compiles it once: it caches by the array). */
const NO_PROXIES: readonly string[] = [];

/**
 * @internal The one rule for who a login comes from, for the login queue and the login throttle
 * alike: the connection's peer (clientAddressOf's rule), then the client a trusted proxy forwards
 * for, then the address as counted (IPv6 by /64).
 *
 * @example
 * const clientOf = createLoginClientResolver({ trustedProxies: ['10.0.0.0/8'] });
 * clientOf(setClientAddress(request, '2001:db8:1:2::7')); // { address: '2001:db8:1:2::/64', queueKey: '2001:db8:1:2::/64' }
 */
export function createLoginClientResolver(options: LoginClientOptions = {}): (request: Request) => LoginClient {
  const { clientAddress, trustedProxies: proxies = NO_PROXIES, proxyHeader, onError } = options;
  const resolveOptions = { header: proxyHeader };
  return (request) => {
    const peer = peerAddressOf(request, clientAddress, onError);
    if (peer === null) return { address: null, queueKey: UNKNOWN_CLIENT };
    const address = resolveClientAddress(peer, request.headers, proxies, resolveOptions);
    if (address !== null) return { address, queueKey: address };
    const given = unmapped(peer); // not an IP address
    return { address: null, queueKey: clientAddressKey(given) ?? given };
  };
}

/**
 * @internal The key of a request's login queue when the throttle is off: createLoginClientResolver's
 * queueKey without trusted proxies (clientAddressOf's answer, with IPv6 grouped by /64 as the
 * throttle groups it: one subscriber usually holds a whole /64, and would otherwise get a queue
 * per address).
 *
 * @example
 * loginQueueKey(setClientAddress(request, '2001:db8:1:2::7')); // '2001:db8:1:2::/64'
 */
export function loginQueueKey(request: Request, resolve?: ClientAddressResolver): string {
  return createLoginClientResolver({ clientAddress: resolve })(request).queueKey;
}
