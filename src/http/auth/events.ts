/**
 * The auth events: one typed `onEvent` hook told about logins, refreshes, revocations and account
 * changes. An event names the user, the client address and the session (family) id, never a
 * password, a hash or a token. The hook is user code: it may be async and may throw; neither
 * delays nor breaks the request (a failure goes to `onError`).
 */
import { isThenable, notify } from '../../internal/await.js';

/**
 * What happened.
 *
 * - `login_succeeded`, `login_failed`, `login_throttled`: POST /token (and POST /login).
 * - `token_refreshed`: a refresh token was rotated (`sessionId` is its family).
 * - `refresh_reuse_detected`: a rotated refresh token came back; its family was revoked.
 * - `token_revoked`: POST /revoke ended a refresh family or an access token's `jti`.
 * - `logout`: POST /logout ended a session (`everywhere` for all of the user's).
 * - `password_changed` (auth.setPassword), `user_disabled` (auth.setDisabled(name, true)),
 *   `tokens_revoked` (auth.revokeAllTokens): every token of the user ended; `count` is the number
 *   of sessions revoked, `clientAddress` is null (no request).
 * - `hash_upgraded`: a login re-hashed the stored password with the context's current scheme.
 *
 * @example
 * const type: AuthEventType = 'refresh_reuse_detected';
 */
export type AuthEventType =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'token_refreshed'
  | 'refresh_reuse_detected'
  | 'token_revoked'
  | 'logout'
  | 'password_changed'
  | 'user_disabled'
  | 'tokens_revoked'
  | 'hash_upgraded';

/**
 * One event. Only names and identifiers: never a password, a hash or a token.
 *
 * @example
 * const event: AuthEvent = { type: 'login_failed', username: 'johndoe', clientAddress: '127.0.0.1', at: 1765100000 };
 */
export interface AuthEvent {
  readonly type: AuthEventType;
  /** The username the event is about (as typed at a failed login), or null when unknown. */
  readonly username: string | null;
  /** The client address as the login throttle resolves it, or null outside a request. */
  readonly clientAddress: string | null;
  /** The session (refresh family or cookie session) id, when there is one. */
  readonly sessionId?: string;
  /** Unix seconds. */
  readonly at: number;
  /** Details by type: `reason` of a failure, `scheme` of an upgrade, `everywhere` of a logout, `count` revoked. */
  readonly reason?: string;
  readonly scheme?: string;
  readonly everywhere?: boolean;
  readonly count?: number;
}

/**
 * Told about every auth event; may return a promise (not awaited by the request).
 *
 * @example
 * const onEvent: AuthEventHook = (event) => console.log(JSON.stringify(event));
 */
export type AuthEventHook = (event: AuthEvent, request: Request | null) => unknown;

/** @internal Send one event; never throws, never waits. */
export type EmitEvent = (event: Omit<AuthEvent, 'at'> & { readonly at?: number }, request: Request | null) => void;

/** @internal The emitter the core passes around: a no-op without a hook; failures go to onError. */
export function createEventEmitter(
  onEvent: AuthEventHook | undefined,
  onError: ((error: unknown, request: Request) => unknown) | undefined,
  now: () => number = () => Math.floor(Date.now() / 1000),
): EmitEvent {
  if (onEvent === undefined) return () => {};
  const failed = (error: unknown, request: Request | null): void => {
    if (onError !== undefined && request !== null) notify(onError, error, request);
    else console.error(`gatehouse: onEvent failed: ${error instanceof Error ? error.message : String(error)}`);
  };
  return (event, request) => {
    const full: AuthEvent = Object.freeze({ ...event, at: event.at ?? now() });
    try {
      const result = onEvent(full, request);
      if (isThenable(result)) Promise.resolve(result).then(undefined, (error: unknown) => failed(error, request));
    } catch (error) {
      failed(error, request);
    }
  };
}
