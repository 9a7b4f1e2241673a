/**
 * POST /token: read the form, then in one sequence: ask the login throttle, wait for a slot in the
 * login queue, count the attempt, check the password, tell the throttle how it went; answer with a
 * token or an error.
 */
import type { CryptContext } from '../../passwords/index.js';
import { type AuthenticateOptions, authenticateUser, type UserRecord, type UserStore } from '../../users/index.js';
import type { LoginClient } from '../client-address.js';
import { type RefreshForm, readLoginFormParts } from '../form.js';
import type { LoginQueue } from '../login-queue.js';
import { type HeaderList, ResponseParts, TOKEN_HEADERS, detailParts } from '../response.js';
import { type LoginThrottleTurns, throttleRefusalParts } from './login-throttle.js';
import { storeUnavailable } from './require-user.js';

const BEARER: HeaderList = [['www-authenticate', 'Bearer']];
const RETRY: HeaderList = [['retry-after', '1']];

export interface LoginDependencies<U extends UserRecord> {
  store: UserStore<U>;
  context: CryptContext | undefined;
  onHashRefused: AuthenticateOptions['onHashRefused'];
  maxBodyBytes: number;
  /** The fair queue for password-check slots. */
  loginQueue: LoginQueue;
  /** The failed-login throttle (one that counts nothing when it is off). */
  throttle: LoginThrottleTurns;
  /** Who a login comes from: the throttle's address and the queue's key, resolved once. */
  clientOf: (request: Request) => LoginClient;
  /**
   * The answer's fields for a user who logged in with the scopes they asked for: the access token,
   * and with refresh tokens on, `expires_in` and `refresh_token`.
   */
  issue(user: U, requested: readonly string[], request: Request, client: LoginClient): Promise<LoginAnswer>;
  /** `grant_type=refresh_token`, when refresh tokens are on. */
  refresh?: (request: Request, form: RefreshForm) => Promise<ResponseParts>;
}

/** @internal What a successful login answers besides `token_type`. */
export interface LoginAnswer {
  readonly access_token: string;
  readonly expires_in?: number;
  readonly refresh_token?: string;
}

/** The token endpoint, answering with parts. */
export function createLogin<U extends UserRecord>(deps: LoginDependencies<U>): (request: Request) => Promise<ResponseParts> {
  const { store, context, onHashRefused, maxBodyBytes, loginQueue, throttle, clientOf } = deps;
  return async (request) => {
    const form = await readLoginFormParts(request, maxBodyBytes, deps.refresh !== undefined);
    if (form instanceof ResponseParts) return form;
    if (form.grantType === 'refresh_token') return deps.refresh!(request, form);
    const client = clientOf(request);

    // Refused on the counts as they stand: before any password work, and without counting.
    const arrival = await throttle.arrive(request, form.username, client.address);
    if (!arrival.decision.allowed) return throttleRefusalParts(arrival.decision);

    // Null: this client's queue, or the whole queue, is full, or this login lost its place in it.
    const slot = await loginQueue.take(client.queueKey);
    if (!slot) return detailParts(429, 'Too Many Requests', RETRY);
    let user: U | null;
    try {
      // Counted now, and decided again on the counts made (others may have failed while it waited).
      const turn = await arrival.take();
      if (!turn.allowed) return throttleRefusalParts(turn);
      try {
        user = await authenticateUser(store, form.username, form.password, { context, onHashRefused });
      } catch (error) {
        await turn.cancel(); // the user store failed: no password was judged
        throw error;
      }
      await turn.record(user !== null);
    } catch (error) {
      return storeUnavailable(error).parts;
    } finally {
      slot.release();
    }

    if (!user) return detailParts(401, 'Incorrect username or password', BEARER);
    const { access_token, expires_in, refresh_token } = await deps.issue(user, form.scopes, request, client);
    return new ResponseParts(200, TOKEN_HEADERS, JSON.stringify({ access_token, token_type: 'bearer', expires_in, refresh_token }));
  };
}
