/** POST /token: read the form, check the password in turn, answer with a token or an error. */
import type { CryptContext } from '../../passwords/index.js';
import { type AuthenticateOptions, authenticateUser, type UserRecord, type UserStore } from '../../users/index.js';
import { type ClientAddressResolver, loginQueueKey } from '../client-address.js';
import { readLoginFormParts } from '../form.js';
import { type Limiter, REFUSED } from '../limiter.js';
import { type HeaderList, ResponseParts, TOKEN_HEADERS, detailParts } from '../response.js';
import type { LoginGuard } from './login-guard.js';
import { storeUnavailable } from './require-user.js';

const BEARER: HeaderList = [['www-authenticate', 'Bearer']];
const RETRY: HeaderList = [['retry-after', '1']];

export interface LoginDependencies<U extends UserRecord> {
  store: UserStore<U>;
  context: CryptContext | undefined;
  onHashRefused: AuthenticateOptions['onHashRefused'];
  maxBodyBytes: number;
  limiter: Limiter;
  guard: LoginGuard | null;
  clientAddress: ClientAddressResolver | undefined;
  /** The token for a user who logged in with the scopes they asked for. */
  issue(user: U, requested: readonly string[]): Promise<string>;
}

/** The token endpoint, answering with parts. */
export function createLogin<U extends UserRecord>(deps: LoginDependencies<U>): (request: Request) => Promise<ResponseParts> {
  const { store, context, onHashRefused, maxBodyBytes, limiter, guard, clientAddress } = deps;
  return async (request) => {
    const form = await readLoginFormParts(request, maxBodyBytes);
    if (form instanceof ResponseParts) return form;
    // The fair-queue key: the address the throttle counts (behind trusted proxies, the real client's).
    const address = guard ? guard.addressOf(request) : null;
    const client = address ?? loginQueueKey(request, clientAddress);
    const attempt = guard && (await guard.admit(request, form.username, address)); // before any password work
    if (attempt instanceof ResponseParts) return attempt;
    const passwordCheck = () => authenticateUser(store, form.username, form.password, { context, onHashRefused });
    const check = limiter.run(client, () => (attempt ? attempt.run(passwordCheck) : passwordCheck()));
    if (check === null) return detailParts(429, 'Too Many Requests', RETRY);
    let user: U | null | ResponseParts | typeof REFUSED;
    try {
      user = await check;
    } catch (error) {
      return storeUnavailable(error).parts;
    }
    if (user === REFUSED) return detailParts(429, 'Too Many Requests', RETRY); // its place went to a smaller holder
    if (user instanceof ResponseParts) return user;
    if (!user) return detailParts(401, 'Incorrect username or password', BEARER);
    const token = await deps.issue(user, form.scopes);
    return new ResponseParts(200, TOKEN_HEADERS, JSON.stringify({ access_token: token, token_type: 'bearer' }));
  };
}
