/** Declared scopes, the scopes a login grants, and the check of a token's scopes. */
import { ConfigurationError } from '../../errors.js';

/**
 * The scopes of FastAPI's scopes tutorial, used for `scopes: true`. A login gets those of them it
 * asks for, as in the tutorial; any other declared scope is granted only by your `grantScopes`.
 *
 * @example
 * createAuthHandler({
 *   users,
 *   key,
 *   scopes: { ...TUTORIAL_SCOPES, admin: 'Manage users.' },
 *   // Without this, declaring admin is a ConfigurationError: asking would be enough to get it.
 *   grantScopes: (user, requested) => requested.filter((scope) => scope !== 'admin' || user.username === 'root'),
 * });
 */
export const TUTORIAL_SCOPES: Readonly<Record<string, string>> = Object.freeze({
  me: 'Read information about the current user.',
  items: 'Read items.',
});

/** RFC 6749 3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** True when every needed scope was granted. */
export function hasScopes(granted: readonly string[], needed: readonly string[]): boolean {
  for (const name of needed) if (!granted.includes(name)) return false;
  return true;
}

/** The `scopes` option checked: null without scopes, else name → description. */
export function declaredScopes(option: boolean | Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> | null {
  if (option === undefined || option === false) return null;
  if (option === true) return TUTORIAL_SCOPES;
  if (option === null || typeof option !== 'object') throw new ConfigurationError('scopes must be true or an object of name → description');
  for (const [name, description] of Object.entries(option)) {
    if (!SCOPE_TOKEN.test(name)) throw new ConfigurationError(`scope name ${JSON.stringify(name)} is not a valid scope token`);
    if (typeof description !== 'string') throw new ConfigurationError(`scope ${name} needs a string description`);
  }
  return Object.freeze({ ...option });
}

/**
 * The scopes a login gets: the requested ones that are declared, or what the app's `grantScopes`
 * returns (checked: an entry with a space in it would grant more than it names once the claim is
 * split on spaces). Without grantScopes only the tutorial's scopes may be declared: anyone who asks
 * for a scope gets it then, which is the tutorial's `me` and `items` but must not be an `admin`.
 */
export function scopeGranter<U>(
  scopes: Readonly<Record<string, string>>,
  grantScopes: ((user: U, requested: readonly string[]) => readonly string[] | PromiseLike<readonly string[]>) | undefined,
): (user: U, requested: readonly string[]) => Promise<string[]> {
  if (grantScopes !== undefined && typeof grantScopes !== 'function') throw new ConfigurationError('grantScopes must be a function');
  const others = Object.keys(scopes).filter((name) => !Object.hasOwn(TUTORIAL_SCOPES, name));
  if (!grantScopes && others.length > 0) {
    throw new ConfigurationError(
      `scopes ${others.map((name) => JSON.stringify(name)).join(', ')} need grantScopes: without it every user who asks ` +
        'for a declared scope gets it (only the tutorial\'s "me" and "items" are granted that way)',
    );
  }
  return async (user, requested) => {
    if (!grantScopes) return [...new Set(requested.filter((name) => Object.hasOwn(scopes, name)))];
    const granted: unknown = await grantScopes(user, requested);
    if (!Array.isArray(granted) || !granted.every((name) => typeof name === 'string' && SCOPE_TOKEN.test(name))) {
      throw new ConfigurationError('grantScopes must return an array of scope names');
    }
    return [...new Set(granted as string[])];
  };
}
