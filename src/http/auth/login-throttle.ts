/**
 * The login throttle (failed logins counted per username and address) inside the OAuth2 password
 * flow: createAuth / createAuthHandler build it from their `throttle` option, and POST /token asks
 * it on arrival and counts the attempt when the login queue gives it a password-check slot.
 */
import { ConfigurationError } from '../../errors.js';
import type { ClientAddressResolver, LoginClientOptions } from '../client-address.js';
import { type HeaderList, type ResponseParts, detailParts, toResponse } from '../response.js';
import { trustedProxies as compileProxies, type TrustedProxies } from '../../throttle/address.js';
import {
  type LoginThrottle,
  type LoginThrottleOptions,
  type ThrottleArrival,
  type ThrottleCallOptions,
  type ThrottleRefusal,
  type ThrottleTurn,
  createThrottleTurns,
} from '../../throttle/policy.js';

/**
 * The `throttle` option of createAuthHandler / createAuth: the policy, plus where the client address
 * comes from.
 *
 * @example
 * createAuthHandler({ users, key, throttle: { store: createRedisCounterStore(redis), trustedProxies: ['10.0.0.0/8'] } });
 */
export interface ThrottleOptions extends LoginThrottleOptions {
  /**
   * Proxies (addresses or CIDR ranges) whose X-Forwarded-For / Forwarded is believed. Default none:
   * the connection's address is the client's.
   */
  trustedProxies?: readonly string[];
  /** The header the trusted proxies write (see resolveClientAddress). Default: X-Forwarded-For if present, else Forwarded. */
  proxyHeader?: 'x-forwarded-for' | 'forwarded';
  /**
   * The connection's peer address, for runtimes other than gatehouse's Node adapter (which records
   * it, see client-address.ts). Default: the handler's `clientAddress`, else what the adapter (or
   * `setClientAddress`) recorded. Without one, only usernames are counted.
   */
  clientAddress?: ClientAddressResolver;
}

/** @internal The login throttle as the token endpoint runs it: per request, arrive, then take the turn. */
export interface LoginThrottleTurns {
  /** The policy (Auth.throttle), or null when the throttle is off. */
  readonly policy: LoginThrottle | null;
  /**
   * Reads the counts for `username` and `address` (a client's LoginClient.address), before any
   * password work; store failures are told with `request`. With the throttle off: always allowed,
   * and a turn that counts nothing.
   */
  arrive(request: Request, username: string, address: string | null): Promise<ThrottleArrival>;
  /** Where the client's address comes from, as this option configures it (see createLoginClientResolver). */
  readonly addressing: LoginClientOptions;
}

const TOO_MANY = 'Too many failed login attempts';

/**
 * The 429 the handler sends for a throttled login, for apps with their own login route.
 *
 * @example
 * const decision = await throttle.check(username, address);
 * if (!decision.allowed && decision.reason !== 'store') return loginThrottledResponse(request, decision.retryAfter);
 */
export function loginThrottledResponse(request: Request, retryAfter: number): Response {
  void request; // kept in the signature: the answer does not depend on it
  return toResponse(loginThrottledParts(retryAfter));
}

function loginThrottledParts(retryAfter: number): ResponseParts {
  const headers: HeaderList = [['retry-after', String(retryAfter)]];
  return detailParts(429, TOO_MANY, headers);
}

/** @internal The answer to a login the throttle refused: 429 with Retry-After, or 503 when the store failed in 'deny'. */
export function throttleRefusalParts(refusal: ThrottleRefusal): ResponseParts {
  if (refusal.reason === 'store') return detailParts(503, 'Service Unavailable', [['retry-after', '1']]);
  return loginThrottledParts(refusal.retryAfter);
}

const UNCOUNTED_TURN: ThrottleTurn = { allowed: true, record: async () => {}, cancel: async () => {} };
const UNTHROTTLED: ThrottleArrival = { decision: { allowed: true, usernameFailures: 0 }, take: async () => UNCOUNTED_TURN };

/** @internal With `throttle: false`: every login is let through, and nothing is counted. */
const NO_THROTTLE: LoginThrottleTurns = { policy: null, arrive: async () => UNTHROTTLED, addressing: {} };

/** @internal The login throttle for createAuth's `throttle` option. */
export function createLoginThrottleTurns(
  option: ThrottleOptions | false | undefined,
  onError: ((error: unknown, request: Request) => void) | undefined,
): LoginThrottleTurns {
  if (option === false) return NO_THROTTLE;
  const given = option ?? {};
  if (given === null || typeof given !== 'object') throw new ConfigurationError('throttle must be an options object or false');
  const proxies: TrustedProxies = compileProxies(given.trustedProxies ?? []);
  const { proxyHeader, clientAddress } = given;
  if (clientAddress !== undefined && typeof clientAddress !== 'function') throw new ConfigurationError('throttle.clientAddress must be a function');
  if (proxyHeader !== undefined && proxyHeader !== 'x-forwarded-for' && proxyHeader !== 'forwarded') {
    throw new ConfigurationError("throttle.proxyHeader must be 'x-forwarded-for' or 'forwarded'");
  }
  const { throttle, turns } = createThrottleTurns(given);
  // Store failures are reported with the request they happened on: the throttle's own onError
  // first, else the handler's.
  const callFor = (request: Request): ThrottleCallOptions | undefined =>
    given.onError || !onError ? undefined : { onError: (error) => onError(error, request) };
  const report = (error: unknown, request: Request) => {
    try {
      (callFor(request)?.onError ?? given.onError ?? ((e: unknown) => console.error('gatehouse: login throttle:', e)))(error);
    } catch {
      // a failing reporter changes nothing
    }
  };
  return {
    policy: throttle,
    arrive: (request, username, address) => turns.arrive(username, address, callFor(request)),
    addressing: { clientAddress, trustedProxies: proxies, proxyHeader, onError: report },
  };
}
