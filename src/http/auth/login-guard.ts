/**
 * The login throttle inside the OAuth2 password flow: createAuth / createAuthHandler build one from
 * their `throttle` option and call it around the password check of POST /token.
 */
import { ConfigurationError } from '../../errors.js';
import { CLIENT_ADDRESS, type ClientAddressResolver } from '../client-address.js';
import { type HeaderList, type ResponseParts, detailParts, toResponse } from '../response.js';
import { resolveClientAddress, trustedProxies as compileProxies, type TrustedProxies } from '../../throttle/address.js';
import { type LoginThrottle, type LoginThrottleOptions, type ThrottleCallOptions, type ThrottleDecision, createThrottleTurns } from '../../throttle/policy.js';

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

/** The handler's view of the throttle: admit a login, then tell how it went. */
export interface LoginGuard {
  readonly throttle: LoginThrottle;
  /**
   * The 429/503 answer for a refused login, or the attempt to report on. `address`: addressOf(request),
   * computed once by the caller (it keys the login queue too).
   */
  admit(request: Request, username: string, address: string | null): Promise<ResponseParts | LoginAttempt>;
  /** The client's address as the throttle counts it (trusted proxies applied, IPv6 by /64), or null. */
  addressOf(request: Request): string | null;
}

/** A login the throttle let through on arrival. */
export interface LoginAttempt {
  /**
   * Counts the attempt atomically (logins that queued for a password-check slot together, on this
   * server or others, must not all pass on the counts they saw on arrival) and decides on the counts
   * made, runs the password check, and takes the count back on a success: null is a failure.
   * Resolves with the refusal instead when the throttle now refuses (503 in 'deny' when the store
   * cannot count). With a store that has no decrement(): checks again, and counts a failure after.
   */
  run<U>(passwordCheck: () => Promise<U | null>): Promise<U | null | ResponseParts>;
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

/** @internal The guard for createAuth's `throttle` option (null for `false`). */
export function createLoginGuard(
  option: ThrottleOptions | false | undefined,
  onError: ((error: unknown, request: Request) => void) | undefined,
  handlerClientAddress?: ClientAddressResolver,
): LoginGuard | null {
  if (option === false) return null;
  const given = option ?? {};
  if (given === null || typeof given !== 'object') throw new ConfigurationError('throttle must be an options object or false');
  const proxies: TrustedProxies = compileProxies(given.trustedProxies ?? []);
  const { proxyHeader } = given;
  const clientAddress = given.clientAddress ?? handlerClientAddress;
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

  const addressOf = (request: Request): string | null => {
    let peer: unknown;
    try {
      peer = clientAddress?.(request);
      if (typeof peer !== 'string' || peer === '') peer = (request as { [CLIENT_ADDRESS]?: unknown })[CLIENT_ADDRESS];
    } catch (error) {
      report(error, request);
      return null;
    }
    return typeof peer === 'string' ? resolveClientAddress(peer, request.headers, proxies, { header: proxyHeader }) : null;
  };

  const refusal = (decision: ThrottleDecision): ResponseParts | null => {
    if (decision.allowed) return null;
    if (decision.reason === 'store') return detailParts(503, 'Service Unavailable', [['retry-after', '1']]);
    return loginThrottledParts(decision.retryAfter);
  };

  return {
    throttle,
    addressOf,
    async admit(request, username, address) {
      const call = callFor(request);
      const { decision: early, seen } = await turns.arrive(username, address, call);
      const refused = refusal(early);
      if (refused) return refused;
      const { take } = turns;
      if (take === null) return legacyAttempt(throttle, refusal, username, address, call);
      return {
        async run(passwordCheck) {
          const turn = await take(username, address, seen, call);
          if (!turn.allowed) return refusal(turn)!;
          let user;
          try {
            user = await passwordCheck();
          } catch (error) {
            await turn.cancelled(); // no password was judged
            throw error;
          }
          if (user !== null) await turn.succeeded();
          return user; // a failure stays counted
        },
      };
    },
  };
}

/** A store without decrement(): read again at the turn, count a failure after the check (not atomic across servers). */
function legacyAttempt(
  throttle: LoginThrottle,
  refusal: (decision: ThrottleDecision) => ResponseParts | null,
  username: string,
  address: string | null,
  call: ThrottleCallOptions | undefined,
): LoginAttempt {
  return {
    async run(passwordCheck) {
      const decision = await throttle.check(username, address, call);
      const refused = refusal(decision);
      if (refused) return refused;
      const user = await passwordCheck();
      if (user === null) await throttle.recordFailure(username, address, call);
      // Nothing to reset when the check saw no failures: a success then costs no store write.
      else if (decision.usernameFailures) await throttle.recordSuccess(username, call);
      return user;
    },
  };
}
