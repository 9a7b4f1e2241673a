/**
 * requireUserMiddleware: auth.requireUser as a `(req, res, next)` middleware for Express, Connect,
 * Polka, router and plain node:http. It answers exactly as the handler's own protected routes do
 * (gatehouse's parts, written straight to the socket), and sets `req.user` for the next handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigurationError } from '../errors.js';
import { isThenable } from '../internal/await.js';
import type { Auth, AuthHandler, RequireUserOptions } from '../http/index.js';
import { AUTHENTICATE_PARTS, type Authenticate, type AuthPartsResult } from '../http/auth/require-user.js';
import type { UserRecord } from '../users/index.js';
import { createNodeRequest, requestUrl } from './request.js';
import { sendText, writeParts, writeResponse } from './serve.js';

/**
 * A request requireUserMiddleware let through: `user` is the authenticated user.
 *
 * @example
 * app.get('/profile', requireUser, (req, res) => {
 *   const { user } = req as typeof req & UserRequest;
 *   res.json({ username: user.username });
 * });
 */
export interface UserRequest<U extends UserRecord = UserRecord> {
  user: U;
}

/**
 * The `next` of a Node middleware: called without an argument to go on, with an error to fail.
 *
 * @example
 * const next: NodeNext = (error) => { if (error) console.error(error); };
 */
export type NodeNext = (error?: unknown) => void;

/**
 * A `(req, res, next)` middleware, as Express, Connect and router take them. The request is typed
 * as node's, so that it fits any framework's: the user it sets is read as `(req as typeof req &
 * UserRequest).user`, or as `req.user` where the app declares `user` on its framework's request.
 *
 * @example
 * const middleware: RequireUserMiddleware = requireUserMiddleware(auth);
 * app.use('/api', middleware);
 */
export type RequireUserMiddleware = (req: IncomingMessage, res: ServerResponse, next: NodeNext) => void;

const BAD_REQUEST_BODY = '{"detail":"Bad Request"}';

/**
 * An Express (Connect, Polka, node:http) middleware that lets a request through only with a valid
 * bearer token of an active user holding the `scopes` asked for, and sets `req.user`. Otherwise it
 * answers as the handler's protected routes do: 401 `{"detail":"Not authenticated"}` or `Could not
 * validate credentials` with `WWW-Authenticate: Bearer` (`Bearer scope="..."` when scopes are
 * needed), 401 `Not enough permissions`, 400 `Inactive user`, 503 when the user store or the key
 * fails. With cookie sessions the session cookie also lets a request through (the origin rule's 403
 * for unsafe methods first), and a renewed cookie is put on `res` as `Set-Cookie` for the app's answer. Any other error goes to `next(error)` (Express's error handler). Takes createAuth's `Auth`
 * or a createAuthHandler handler. It reads only the headers: put it before or after a body parser.
 *
 * @example
 * import express from 'express';
 * import { createAuthHandler } from 'gatehouse';
 * import { createNodeListener, requireUserMiddleware } from 'gatehouse/node';
 *
 * const gatehouse = createAuthHandler({ users, key: process.env.SECRET_KEY!, routes: { items: false } });
 * const app = express();
 * app.get('/notes', requireUserMiddleware(gatehouse, { scopes: ['notes'] }), (req, res) => {
 *   res.json({ owner: req.user!.username }); // with `user?: UserRecord` declared on Express.Request
 * });
 * app.use(createNodeListener(gatehouse)); // POST /token, /users/me/, /docs
 */
export function requireUserMiddleware<U extends UserRecord = UserRecord>(
  auth: Auth<U> | AuthHandler<U>,
  options: RequireUserOptions = {},
): RequireUserMiddleware {
  const given = typeof auth === 'function' ? (auth as AuthHandler<U>).auth : auth;
  if (given === null || typeof given !== 'object' || typeof given.requireUser !== 'function') {
    throw new ConfigurationError('requireUserMiddleware needs what createAuth or createAuthHandler returns');
  }
  if (options === null || typeof options !== 'object') throw new ConfigurationError('requireUserMiddleware options must be an object');
  const { scopes, active } = options;
  if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((name) => typeof name === 'string'))) {
    throw new ConfigurationError('scopes must be an array of scope names');
  }
  const required: RequireUserOptions = { scopes: scopes && [...scopes], active };
  // An Auth of createAuth answers with parts too (non-enumerable, under a shared symbol).
  const parts = (given as { [AUTHENTICATE_PARTS]?: unknown })[AUTHENTICATE_PARTS];
  const authenticate = typeof parts === 'function' ? (parts as Authenticate<U>) : undefined;

  return (req, res, next) => {
    // Express keeps the whole target in originalUrl when a router has cut `url` down.
    const original = (req as { originalUrl?: unknown }).originalUrl;
    const url = requestUrl(req, typeof original === 'string' ? original : req.url ?? '/');
    if (url === null) {
      sendText(req, res, 400, BAD_REQUEST_BODY);
      return;
    }
    const request = createNodeRequest(req, res, url);
    const fail = (error: unknown) => next(error);
    if (!authenticate) {
      // An Auth made some other way: its Response, written as any other.
      given.requireUser(request, required).then((result) => {
        if (!result.response) {
          (req as IncomingMessage & UserRequest<U>).user = result.user;
          if (result.setCookie) res.appendHeader('set-cookie', result.setCookie);
          next();
          return;
        }
        writeResponse(req, res, result.response).catch(() => res.destroy());
      }, fail);
      return;
    }
    const settle = (result: AuthPartsResult<U>) => {
      if (!result.parts) {
        (req as IncomingMessage & UserRequest<U>).user = result.user;
        // A renewed session cookie (at most once per updateAge) goes out with the app's answer.
        const setCookie = (result as { setCookie?: string }).setCookie;
        if (setCookie) res.appendHeader('set-cookie', setCookie);
        next();
        return;
      }
      try {
        writeParts(req, res, result.parts);
      } catch {
        res.destroy(); // the headers went out already: nothing else can be said
      }
    };
    let result: AuthPartsResult<U> | Promise<AuthPartsResult<U>>;
    try {
      result = authenticate(request, required);
    } catch (error) {
      fail(error);
      return;
    }
    if (isThenable(result)) {
      result.then(settle, fail);
      return;
    }
    settle(result);
  };
}
