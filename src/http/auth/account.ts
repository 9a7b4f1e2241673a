/**
 * Account changes through the auth object: logout everywhere, a password change and a disable.
 * Each ends every token and session of the user and tells `onEvent` once, so that the changes an
 * app makes through `auth` are seen as the handler's own events are.
 */
import { ConfigurationError, PasswordPolicyError, UserStoreError } from '../../errors.js';
import { type CryptContext, getDefaultContext } from '../../passwords/index.js';
import type { SessionStore } from '../../tokens/index.js';
import type { UserRecord, UserStore } from '../../users/index.js';
import type { EmitEvent } from './events.js';

/** @internal What the account changes need from createAuthCore. */
export interface AccountDependencies<U extends UserRecord> {
  readonly users: UserStore<U>;
  /** The `context` option: new passwords are hashed with it (default: getDefaultContext()). */
  readonly context: CryptContext | undefined;
  /** Where the user's sessions live (refresh families, cookie sessions), each store once. */
  readonly sessionStores: readonly SessionStore[];
  /** Unix seconds: the revocation time written on the sessions. */
  readonly now: () => number;
  readonly emit: EmitEvent;
}

/** @internal The Auth methods of this file. */
export interface AccountChanges {
  revokeAllTokens(username: string): Promise<number>;
  setPassword(username: unknown, password: unknown): Promise<void>;
  setDisabled(username: unknown, disabled: unknown): Promise<void>;
}

function checkUsername(username: unknown, op: string): asserts username is string {
  if (typeof username !== 'string' || username === '') throw new UserStoreError('ERR_USER_INVALID', `${op}: a username is required`);
}

/** The store's method, bound, or a ConfigurationError: this store cannot make the change. */
function storeMethod<U extends UserRecord, K extends 'setPassword' | 'setDisabled'>(users: UserStore<U>, name: K): NonNullable<UserStore<U>[K]> {
  const method = users[name];
  if (typeof method !== 'function') throw new ConfigurationError(`${name}: the user store cannot change users (it has no ${name} method)`);
  return method.bind(users) as NonNullable<UserStore<U>[K]>;
}

/** @internal */
export function createAccountChanges<U extends UserRecord>(deps: AccountDependencies<U>): AccountChanges {
  const { users, emit, now } = deps;

  /** Marks every live session of the user revoked, in every store that holds some: the number. */
  async function endSessions(username: string): Promise<number> {
    const at = now();
    let count = 0;
    for (const store of deps.sessionStores) count += Number(await store.revokeUserSessions(username, at)) || 0;
    return count;
  }

  return {
    async revokeAllTokens(username) {
      checkUsername(username, 'revokeAllTokens');
      if (typeof users.renewTokenStamp === 'function') {
        try {
          await users.renewTokenStamp(username);
        } catch (error) {
          // A removed user has no stamp to renew; their sessions still end below.
          if (!(error instanceof UserStoreError && error.code === 'ERR_USER_NOT_FOUND')) throw error;
        }
      }
      const count = await endSessions(username);
      emit({ type: 'tokens_revoked', username, clientAddress: null, count }, null);
      return count;
    },

    async setPassword(username, password) {
      checkUsername(username, 'setPassword');
      const change = storeMethod(users, 'setPassword');
      if (typeof password !== 'string') throw new PasswordPolicyError('must be a string');
      if (password === '') throw new PasswordPolicyError('must not be empty');
      // Hashed before anything changes: a password the context refuses (too long, a NUL for bcrypt)
      // leaves the user's sessions alone.
      const hash = await (deps.context ?? getDefaultContext()).hash(password);
      // Sessions are counted (and ended) before the change: the SQL stores end them in the change's
      // own statement, which would leave none to count after it. Should the change then fail, the
      // user is logged out with the old password (the safe side); the error is thrown, no event sent.
      const count = await endSessions(username);
      // The token stamp is the store's to renew in the change itself (UserStore.setPassword: the
      // memory and SQL stores do; without a stamp column it derives from the new hash): a second
      // renewal would be a second write, and on a SQL table not yet migrated a ConfigurationError
      // after the password has changed.
      await change(username, hash);
      emit({ type: 'password_changed', username, clientAddress: null, count }, null);
    },

    async setDisabled(username, disabled) {
      checkUsername(username, 'setDisabled');
      const change = storeMethod(users, 'setDisabled');
      if (typeof disabled !== 'boolean') throw new UserStoreError('ERR_USER_INVALID', 'setDisabled: disabled must be a boolean');
      // Enabling ends nothing and is no event (AuthEventType has none for it).
      if (!disabled) return change(username, false);
      const count = await endSessions(username); // before the change, as in setPassword
      await change(username, true);
      emit({ type: 'user_disabled', username, clientAddress: null, count }, null);
    },
  };
}
