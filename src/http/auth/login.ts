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
import type { EmitEvent } from './events.js';
import { tokenFailure } from './token-errors.js';

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
  /** Told about logins: succeeded, failed (with the reason the answer hides), throttled, hash upgraded. */
  emit?: EmitEvent;
  /**
   * RFC 6749 answers (`oauth2Errors: 'rfc6749'`): a disabled user and an undeclared scope are
   * refused (the tutorial gives both a token). `declared` is the scopes option (null without scopes).
   */
  strict?: { declared: Readonly<Record<string, string>> | null };
}

/** @internal What a successful login answers besides `token_type`. */
export interface LoginAnswer {
  readonly access_token: string;
  readonly expires_in?: number;
  readonly refresh_token?: string;
}

/** The wrong-password answer, the same for an unknown user and (strict) a disabled one. */
function badCredentials(): ResponseParts {
  return tokenFailure(detailParts(401, 'Incorrect username or password', BEARER), 'invalid_grant', 'Incorrect username or password');
}

const NO_EMIT: EmitEvent = () => {};

/** The token endpoint, answering with parts. */
export function createLogin<U extends UserRecord>(deps: LoginDependencies<U>): (request: Request) => Promise<ResponseParts> {
  const { maxBodyBytes, strict } = deps;
  const emit = deps.emit ?? NO_EMIT;
  const check = createPasswordCheck(deps);
  return async (request) => {
    const form = await readLoginFormParts(request, maxBodyBytes, deps.refresh !== undefined);
    if (form instanceof ResponseParts) return form;
    if (form.grantType === 'refresh_token') return deps.refresh!(request, form);
    const undeclared = strict?.declared ? form.scopes.find((name) => !Object.hasOwn(strict.declared!, name)) : undefined;
    if (undeclared !== undefined) {
      return tokenFailure(detailParts(400, 'Invalid scope'), 'invalid_scope', 'A requested scope is not declared by this server');
    }
    const checked = await check(request, form);
    if (checked instanceof ResponseParts) return checked;
    const { user, client } = checked;
    const event = { username: form.username, clientAddress: client.address };
    const { access_token, expires_in, refresh_token } = await deps.issue(user, form.scopes, request, client);
    emit({ type: 'login_succeeded', ...event, username: user.username, ...(refresh_token === undefined ? {} : { sessionId: refresh_token.slice(0, refresh_token.indexOf('.')) }) }, request);
    return new ResponseParts(200, TOKEN_HEADERS, JSON.stringify({ access_token, token_type: 'bearer', expires_in, refresh_token }));
  };
}

/** @internal The user whose password a login checked, and who the login came from; or the refusal (401, 429, 503). */
export type PasswordCheck<U> = (request: Request, form: { username: string; password: string }) => Promise<{ user: U; client: LoginClient } | ResponseParts>;

/**
 * @internal The password check of POST /token, shared with POST /login (cookie sessions): the
 * throttle, the fair queue, the check, the failure events. `login_succeeded` is the caller's.
 */
export function createPasswordCheck<U extends UserRecord>(deps: LoginDependencies<U>): PasswordCheck<U> {
  const { store, context, onHashRefused, loginQueue, throttle, clientOf, strict } = deps;
  const emit = deps.emit ?? NO_EMIT;
  return async (request, form) => {
    const client = clientOf(request);
    const event = { username: form.username, clientAddress: client.address };
    const throttled = (refusal: Parameters<typeof throttleRefusalParts>[0]) => {
      if (refusal.reason !== 'store') emit({ type: 'login_throttled', ...event, reason: refusal.reason }, request);
      return throttleRefusalParts(refusal);
    };

    // Refused on the counts as they stand: before any password work, and without counting.
    const arrival = await throttle.arrive(request, form.username, client.address);
    if (!arrival.decision.allowed) return throttled(arrival.decision);

    // Null: this client's queue, or the whole queue, is full, or this login lost its place in it.
    const slot = await loginQueue.take(client.queueKey);
    if (!slot) {
      emit({ type: 'login_throttled', ...event, reason: 'queue' }, request);
      return detailParts(429, 'Too Many Requests', RETRY);
    }
    let user: U | null;
    let rejected: 'unknown_user' | 'bad_password' = 'bad_password';
    try {
      // Counted now, and decided again on the counts made (others may have failed while it waited).
      const turn = await arrival.take();
      if (!turn.allowed) return throttled(turn);
      try {
        user = await authenticateUser(store, form.username, form.password, {
          context,
          onHashRefused,
          onRejected: (reason) => (rejected = reason),
          onHashUpgraded: ({ username, scheme }) => emit({ type: 'hash_upgraded', username, clientAddress: client.address, scheme }, request),
        });
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

    if (!user) {
      emit({ type: 'login_failed', ...event, reason: rejected }, request);
      return badCredentials();
    }
    if (strict && user.disabled === true) {
      emit({ type: 'login_failed', ...event, reason: 'disabled' }, request);
      return badCredentials();
    }
    return { user, client };
  };
}
