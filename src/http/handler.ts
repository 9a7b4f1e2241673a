/**
 * createAuthHandler: FastAPI's "OAuth2 with Password and JWT" tutorial app as one fetch handler,
 * `(request: Request) => Promise<Response>`, composed of the building blocks in auth.ts.
 */
import { ConfigurationError, HashingWorkerError } from '../errors.js';
import { nodeDocsAssets } from './docs-assets.js';
import { isThenable, notify } from '../internal/await.js';
import type { UserRecord } from '../users/index.js';
import { type Auth, type AuthOptions, type RequireUserOptions, type SessionsOptions, createAuthCore, publicUserSerializer } from './auth/index.js';
import { type AuthPartsResult, keyUnavailable } from './auth/require-user.js';
import type { TokenKeySet } from '../tokens/keys/token-key.js';
import { withRenewedCookie } from './auth/cookie-sessions.js';
import {
  type DocsAssetLoader,
  SWAGGER_UI_CDN,
  SWAGGER_UI_FILES,
  cachedAssets,
  docsPageHeaders,
  docsUnavailableHtml,
  oauth2RedirectHtml,
  swaggerUiHtml,
} from './docs.js';
import { type CorsOptions, createCors } from './cors.js';
import { type OpenApiSessions, ROUTE_SCOPES, createOpenApiDocument } from './openapi.js';
import { resolveSessionCookie } from './session-cookie.js';
import { percentDecodePath } from './percent.js';
import {
  type HeaderList,
  NOSNIFF,
  PRIVATE_JSON_HEADERS,
  type PartsHandler,
  RESPOND_PARTS,
  ResponseParts,
  detailParts,
  toResponse,
} from './response.js';

/**
 * Where the handler's routes live (FastAPI's tutorial paths by default).
 *
 * @example
 * createAuthHandler({ users, key, paths: { token: '/auth/token', me: '/auth/me' } });
 */
export interface AuthPaths {
  /** Default '/token'. */
  token: string;
  /** Default '/users/me/'. */
  me: string;
  /** Default '/users/me/items/'. */
  items: string;
  /** Default '/openapi.json'. */
  openapi: string;
  /** Default '/docs' (its assets and oauth2-redirect live under it). */
  docs: string;
  /** Default '/revoke' (RFC 7009), routed only with `refreshTokens`. */
  revoke: string;
  /** Default '/logout', routed only with `refreshTokens` or `sessions`. */
  logout: string;
  /** Default '/.well-known/jwks.json': the public signing keys, served with asymmetric keys and key rings. */
  jwks: string;
  /** Default '/login' (the cookie-session login), routed only with `sessions`. */
  login: string;
  /** Default '/sessions' (GET: the caller's sessions; DELETE /sessions/{id}), routed only with `sessions`. */
  sessions: string;
}

/**
 * The tutorial's routes: /token, /users/me/, /users/me/items/, /openapi.json, /docs.
 *
 * @example
 * const loginUrl = new URL(DEFAULT_PATHS.token, 'https://api.example.com'); // .../token
 */
export const DEFAULT_PATHS: Readonly<AuthPaths> = Object.freeze({
  token: '/token',
  me: '/users/me/',
  items: '/users/me/items/',
  openapi: '/openapi.json',
  docs: '/docs',
  revoke: '/revoke',
  logout: '/logout',
  jwks: '/.well-known/jwks.json',
  login: '/login',
  sessions: '/sessions',
});

/**
 * Which of the handler's routes are mounted, and where: `true` mounts a route at its path (`paths`,
 * else the tutorial's), a string mounts it at that path, `false` leaves it out (its path then
 * answers 404 like any other, and /openapi.json does not list it). Every route is mounted by
 * default: FastAPI's tutorial app, /users/me/items/ included.
 *
 * @example
 * // A login endpoint and /users/me/ for an app that has its own routes; no tutorial items.
 * createAuthHandler({ users, key, routes: { token: '/auth/token', me: '/auth/me', items: false } });
 */
export interface AuthRoutes {
  /** POST /token, the login. Default true. */
  token?: boolean | string;
  /** GET /users/me/, the user's public fields. Default true. */
  me?: boolean | string;
  /** GET /users/me/items/, the tutorial's `[{"item_id":"Foo",...}]`. Default true. */
  items?: boolean | string;
  /** GET /openapi.json. Default true, unless `docs: false`. */
  openapi?: boolean | string;
  /** GET /docs (Swagger UI, its assets and oauth2-redirect under it); needs `openapi`. Default true, unless `docs: false`. */
  docs?: boolean | string;
  /** POST /revoke (RFC 7009). Default true when `refreshTokens` is on (never mounted without it). */
  revoke?: boolean | string;
  /** POST /logout. Default true when `refreshTokens` or `sessions` is on (never mounted without them). */
  logout?: boolean | string;
  /** GET /.well-known/jwks.json, with an asymmetric key or a key ring (never with a secret). Default true. */
  jwks?: boolean | string;
  /** POST /login, the cookie-session login. Default true when `sessions` is on (never mounted without it). */
  login?: boolean | string;
  /** GET /sessions and DELETE /sessions/{id}. Default true when `sessions` is on (never mounted without it). */
  sessions?: boolean | string;
}

/**
 * Options of the /openapi.json and /docs routes.
 *
 * @example
 * createAuthHandler({ users, key, docs: { title: 'My API', version: '2.1.0', cdn: true } });
 */
export interface DocsOptions {
  /**
   * Loads swagger-ui-dist files by name. Default: read the optional peer dependency from disk where
   * node:fs exists; when it is not installed, /docs is a page saying how to enable it.
   */
  assets?: DocsAssetLoader;
  /**
   * Serve FastAPI's page instead, which loads Swagger UI from a CDN (`true`: jsDelivr's
   * swagger-ui-dist@5; a string: another base URL). Off by default: the browser then fetches code
   * from a third party. `assets` is not used in this mode.
   */
  cdn?: boolean | string;
  /** OpenAPI `info.title` and the docs page title. Default 'gatehouse'. */
  title?: string;
  /** OpenAPI `info.version`. Default '0.1.0'. */
  version?: string;
}

/**
 * Options of createAuthHandler: createAuth's, plus routes, docs, error hook and public origin.
 *
 * @example
 * createAuthHandler({ users, key, paths: { token: '/login' }, docs: false, origin: 'https://api.example.com' });
 */
export interface AuthHandlerOptions<U extends UserRecord = UserRecord> extends AuthOptions<U> {
  /** Where the routes live (see `routes` to leave some out). */
  paths?: Partial<AuthPaths>;
  /** Which routes are mounted, and where (see AuthRoutes). Default: all of them. */
  routes?: AuthRoutes;
  /** OpenAPI and Swagger UI routes; `false` turns them off. Default on. */
  docs?: boolean | DocsOptions;
  /**
   * Told about genuine internal errors (answered 500), and, as createAuth's `onError`, about user
   * store failures and unusable signing keys (answered 503). Default: console.error, one line per
   * 503 cause at most once a minute.
   */
  onError?: (error: unknown, request: Request) => unknown;
  /**
   * The public origin (`https://api.example.com`) for the `Location` of the trailing-slash
   * redirects. Default: none, the `Location` is relative (path and query): the request's `Host`
   * header is never echoed. With cookie sessions it is also the app's own origin for the origin
   * rule (docs/browser.md).
   */
  origin?: string;
  /**
   * CORS for pages on other origins (see docs/browser.md): preflights answered, listed origins
   * echoed, `Vary: Origin`. Default none: no CORS headers, and a preflight answers 405.
   */
  cors?: CorsOptions;
}

/**
 * A fetch handler (`(request) => Promise<Response>`) with the building blocks it uses as `auth`.
 *
 * @example
 * const handler = createAuthHandler({ users, key });
 * const result = await handler.auth.requireUser(request); // in another route of the same app
 */
export type AuthHandler<U extends UserRecord = UserRecord> = ((request: Request) => Promise<Response>) & {
  /** The building blocks the handler uses, for the app's own routes. */
  readonly auth: Auth<U>;
};

type RouteRun = (request: Request) => ResponseParts | Promise<ResponseParts>;

interface Route {
  /** Methods answered; others get 405 with `allow`. */
  readonly methods: readonly string[];
  readonly allow: string;
  readonly run: RouteRun;
}

const INTERNAL_ERROR = '{"detail":"Internal Server Error"}';
const HTML_TYPE = ['content-type', 'text/html; charset=utf-8'] as const;
const JSON_TYPE: HeaderList = [['content-type', 'application/json'], NOSNIFF];

type RouteName = keyof AuthPaths;
const ROUTE_NAMES = Object.keys(DEFAULT_PATHS) as RouteName[];

function isPath(path: unknown): path is string {
  return typeof path === 'string' && /^\/[\x21-\x7e]*$/.test(path) && !/[?#%\\]/.test(path) && !path.startsWith('//');
}

/** Every route's path (a route left out keeps its default: the token's is the OpenAPI tokenUrl), and those mounted. */
function resolveRoutes(options: AuthHandlerOptions<any>): { paths: AuthPaths; mounted: ReadonlySet<RouteName> } {
  const given = options.paths;
  const paths = { ...DEFAULT_PATHS, ...given };
  for (const [name, path] of Object.entries(paths)) {
    if (!isPath(path)) throw new ConfigurationError(`paths.${name} must be a path starting with '/'`);
  }
  const { routes } = options;
  if (routes !== undefined && (routes === null || typeof routes !== 'object' || Array.isArray(routes))) {
    throw new ConfigurationError('routes must be an object of route name → true, false or a path');
  }
  for (const name of Object.keys(routes ?? {})) {
    if (!(ROUTE_NAMES as string[]).includes(name)) {
      throw new ConfigurationError(`unknown route ${JSON.stringify(name)} (known: ${ROUTE_NAMES.join(', ')})`);
    }
  }
  const mounted = new Set<RouteName>();
  for (const name of ROUTE_NAMES) {
    const route = routes?.[name];
    if (route === false) continue;
    if (typeof route === 'string') {
      if (!isPath(route)) throw new ConfigurationError(`routes.${name} must be true, false or a path starting with '/'`);
      if (given?.[name] !== undefined && given[name] !== route) {
        throw new ConfigurationError(`routes.${name} and paths.${name} name different paths: give one`);
      }
      paths[name] = route;
    } else if (route !== undefined && route !== true) {
      throw new ConfigurationError(`routes.${name} must be true, false or a path starting with '/'`);
    }
    if (options.docs === false && (name === 'docs' || name === 'openapi')) {
      if (route !== undefined) throw new ConfigurationError(`docs: false turns the docs routes off: routes.${name} contradicts it`);
      continue;
    }
    mounted.add(name);
  }
  if (mounted.has('docs') && !mounted.has('openapi')) {
    throw new ConfigurationError('routes.docs needs routes.openapi: the docs page loads the OpenAPI document');
  }
  return { paths, mounted };
}

/**
 * The tutorial app as a fetch handler.
 *
 * @example
 * const handler = createAuthHandler({ users: createMemoryUserStore(fakeUsersDb), key: process.env.SECRET_KEY! });
 * export default { fetch: handler }; // Workers, Bun, Deno; or serve(handler) from gatehouse/node
 */
export function createAuthHandler<U extends UserRecord = UserRecord>(options: AuthHandlerOptions<U>): AuthHandler<U> {
  const { paths, mounted } = resolveRoutes(options);
  const { auth, login, authenticate, revoke, logout, jwks, sessions } = createAuthCore(options);
  const origin = publicOrigin(options.origin);
  const cors = options.cors === undefined ? null : createCors(options.cors);
  const onError =
    options.onError ?? ((error: unknown) => console.error('gatehouse: internal error while handling a request:', error));
  const routes = new Map<string, Route>();
  const add = (path: string, methods: readonly string[], run: RouteRun) => {
    if (routes.has(path)) throw new ConfigurationError(`two routes share the path ${path}`);
    routes.set(path, { methods, allow: methods.join(', '), run });
  };

  // The scopes the mounted tutorial routes require must be declared.
  const needed = [...new Set([...(mounted.has('me') ? ROUTE_SCOPES.me : []), ...(mounted.has('items') ? ROUTE_SCOPES.items : [])])];
  if (auth.scopes && !needed.every((name) => Object.hasOwn(auth.scopes!, name))) {
    throw new ConfigurationError(
      `with scopes, the tutorial routes need ${needed.map((name) => JSON.stringify(name)).join(' and ')} declared (or scopes: true)`,
    );
  }
  const meRequires = { scopes: auth.scopes ? ROUTE_SCOPES.me : undefined };
  const itemsRequires = { scopes: auth.scopes ? ROUTE_SCOPES.items : undefined };
  if (mounted.has('token')) add(paths.token, ['POST'], login);
  if (revoke !== null && mounted.has('revoke')) add(paths.revoke, ['POST'], revoke);
  if (logout !== null && mounted.has('logout')) add(paths.logout, ['POST'], logout);
  if (sessions !== null && mounted.has('login')) add(paths.login, ['POST'], sessions.login);
  if (sessions !== null && mounted.has('sessions')) add(paths.sessions, ['GET'], sessions.list);
  // DELETE /sessions/{id}: the one route with a parameter.
  const sessionPrefix = sessions !== null && mounted.has('sessions') ? `${paths.sessions.replace(/\/+$/, '')}/` : null;
  // Routes behind authentication answer without a promise when authentication needed none.
  const authenticated = (required: RequireUserOptions, answer: (user: U) => ResponseParts): RouteRun => {
    return (request) => {
      const result = authenticate(request, required);
      // With cookie sessions, a renewed cookie goes out with the answer.
      const send = (done: AuthPartsResult<U>) => done.parts ?? withRenewedCookie(answer(done.user), done as { readonly setCookie?: string });
      return isThenable(result) ? result.then(send) : send(result);
    };
  };
  if (mounted.has('me')) {
    const publicUserJson = publicUserSerializer();
    add(
      paths.me,
      ['GET'],
      authenticated(meRequires, (user) => new ResponseParts(200, PRIVATE_JSON_HEADERS, publicUserJson(user))),
    );
  }
  if (mounted.has('items')) {
    add(
      paths.items,
      ['GET'],
      authenticated(itemsRequires, (user) =>
        new ResponseParts(200, PRIVATE_JSON_HEADERS, JSON.stringify([{ item_id: 'Foo', owner: user.username }])),
      ),
    );
  }
  if (mounted.has('jwks') && jwks.mayPublish) add(paths.jwks, ['GET', 'HEAD'], jwksRoute(jwks.jwks));
  if (mounted.has('openapi')) {
    const docs = typeof options.docs === 'object' && options.docs !== null ? options.docs : {};
    // Refresh tokens are exchanged at the token endpoint (grant_type=refresh_token).
    const refreshTokens = (options as { refreshTokens?: unknown }).refreshTokens;
    const refreshUrl = refreshTokens !== undefined && refreshTokens !== null && refreshTokens !== false ? paths.token : undefined;
    addDocsRoutes(add, paths, mounted, auth, docs, refreshUrl, loginByOf(options.users), sessions === null ? undefined : openApiSessions(options.sessions, paths, mounted));
  }

  const fail = (error: unknown, request: Request): ResponseParts => {
    // A hashing worker died under this login: the service is briefly short of a worker, not broken.
    if (error instanceof HashingWorkerError) return detailParts(503, 'Service Unavailable');
    notify(onError, error, request); // a failing reporter must not turn into an unanswered request
    return new ResponseParts(500, PRIVATE_JSON_HEADERS, INTERNAL_ERROR);
  };

  // The answer as parts, without a promise when the route needed none; every error, thrown or
  // rejected, ends in `fail`.
  const routeParts: PartsHandler = (request) => {
    try {
      const path = requestPath(request.url);
      const route = routes.get(path);
      if (route) {
        if (!route.methods.includes(request.method)) return detailParts(405, 'Method Not Allowed', [['allow', route.allow]]);
        const answer = route.run(request);
        return isThenable(answer) ? Promise.resolve(answer).catch((error: unknown) => fail(error, request)) : answer;
      }
      if (sessionPrefix !== null && path.startsWith(sessionPrefix) && /^[A-Za-z0-9_-]{1,64}$/.test(path.slice(sessionPrefix.length))) {
        if (request.method !== 'DELETE') return detailParts(405, 'Method Not Allowed', [['allow', 'DELETE']]);
        return sessions!.remove(request, path.slice(sessionPrefix.length)).catch((error: unknown) => fail(error, request));
      }
      // Starlette's redirect_slashes: the same path with the trailing slash toggled.
      if (path !== '/') {
        const other = path.endsWith('/') ? path.replace(/\/+$/, '') : `${path}/`;
        if (routes.has(other)) return redirect(request, origin, other);
      }
      return detailParts(404, 'Not Found');
    } catch (error) {
      return fail(error, request);
    }
  };
  // With cors: preflights of mounted routes answered here, every other answer given its headers.
  const respondParts: PartsHandler =
    cors === null
      ? routeParts
      : (request) => {
          if (request.method === 'OPTIONS') {
            const path = requestPath(request.url);
            const route = routes.get(path);
            // DELETE /sessions/{id} is the one route with a parameter.
            const allow = route?.allow ?? (sessionPrefix !== null && path.startsWith(sessionPrefix) ? 'DELETE' : undefined);
            const preflight = allow === undefined ? null : cors.preflight(request, allow);
            if (preflight !== null) return preflight;
          }
          const answer = routeParts(request);
          return answer instanceof ResponseParts ? cors.decorate(request, answer) : answer.then((parts) => cors.decorate(request, parts));
        };
  // The fetch boundary: a real Response. gatehouse/node calls respondParts instead (RESPOND_PARTS).
  const handle = (request: Request): Promise<Response> => {
    const answer = respondParts(request);
    return answer instanceof ResponseParts ? Promise.resolve(toResponse(answer)) : answer.then(toResponse);
  };
  Object.defineProperty(handle, RESPOND_PARTS, { value: respondParts });
  return Object.assign(handle, { auth });
}

/** What a user store says its logins name, when that is more than a username (a store's loginBy, untrusted). */
function loginByOf(users: unknown): 'email' | 'username or email' | undefined {
  if (users === null || typeof users !== 'object' || typeof (users as { findUser?: unknown }).findUser !== 'function') return undefined;
  const loginBy = (users as { loginBy?: unknown }).loginBy;
  return loginBy === 'email' || loginBy === 'username or email' ? loginBy : undefined;
}

/** The cookie-session routes /openapi.json lists (those mounted), and the cookie's name. */
function openApiSessions(option: SessionsOptions | boolean | undefined, paths: AuthPaths, mounted: ReadonlySet<RouteName>): OpenApiSessions {
  const cookie = typeof option === 'object' && option !== null ? option.cookie : undefined;
  return {
    cookieName: resolveSessionCookie(cookie).name,
    ...(mounted.has('login') ? { login: paths.login } : {}),
    ...(mounted.has('sessions') ? { sessions: paths.sessions } : {}),
    ...(mounted.has('logout') ? { logout: paths.logout } : {}),
  };
}

function addDocsRoutes(
  add: (path: string, methods: readonly string[], run: RouteRun) => void,
  paths: AuthPaths,
  mounted: ReadonlySet<RouteName>,
  auth: Auth<any>,
  docs: DocsOptions,
  refreshUrl: string | undefined,
  loginBy: 'email' | 'username or email' | undefined,
  sessions: OpenApiSessions | undefined,
): void {
  const title = docs.title ?? 'gatehouse';
  const listed = (['token', 'me', 'items'] as const).filter((name) => mounted.has(name));
  const openapi = JSON.stringify(
    createOpenApiDocument({ paths, scopes: auth.scopes, title, version: docs.version, routes: listed, refreshUrl, loginBy, sessions }),
  );
  // Sub-paths of the docs page: /docs/oauth2-redirect, /docs/swagger-ui.css, ...
  const base = paths.docs.replace(/\/+$/, '');
  const cdn = docs.cdn === true ? SWAGGER_UI_CDN : typeof docs.cdn === 'string' && docs.cdn ? docs.cdn.replace(/\/+$/, '') : null;
  const assetBase = cdn ?? base;
  const page = swaggerUiHtml({ title, docsPath: base, openapiPath: paths.openapi, assetBase });
  const unavailablePage = docsUnavailableHtml({ title, openapiPath: paths.openapi });
  const redirectPage = oauth2RedirectHtml(assetBase);
  const loader = cdn ? null : (docs.assets ?? nodeDocsAssets());
  const assets = loader ? cachedAssets(loader) : null;
  // Without swagger-ui-dist (an optional peer dependency) the page could only show a blank screen.
  const docsPage = async () =>
    cdn || (assets && (await assets('swagger-ui-bundle.js')) !== null) ? page : unavailablePage;
  // Docs routes answer HEAD like GET, with the length and without the body (Starlette's plain routes).
  const GET_HEAD = ['GET', 'HEAD'];
  const send = (request: Request, headers: HeaderList, content: string | Uint8Array) => {
    if (request.method !== 'HEAD') return new ResponseParts(200, headers, content);
    const length = typeof content === 'string' ? encoder.encode(content).byteLength : content.byteLength;
    return new ResponseParts(200, [...headers, ['content-length', String(length)]], null);
  };

  add(paths.openapi, GET_HEAD, (request) => send(request, JSON_TYPE, openapi));
  if (!mounted.has('docs')) return;
  const pageHeaders: HeaderList = [HTML_TYPE, ...docsPageHeaders(page, cdn ?? undefined)];
  const unavailableHeaders: HeaderList = [HTML_TYPE, ...docsPageHeaders(unavailablePage)];
  const redirectHeaders: HeaderList = [HTML_TYPE, ...docsPageHeaders(redirectPage, cdn ?? undefined)];
  add(paths.docs, GET_HEAD, async (request) =>
    (await docsPage()) === page ? send(request, pageHeaders, page) : send(request, unavailableHeaders, unavailablePage),
  );
  add(`${base}/oauth2-redirect`, GET_HEAD, (request) => send(request, redirectHeaders, redirectPage));
  if (cdn) return;
  for (const [name, contentType] of Object.entries(SWAGGER_UI_FILES)) {
    const headers: HeaderList = [
      ['content-type', contentType],
      ['cache-control', 'public, max-age=3600'],
      NOSNIFF,
    ];
    add(`${base}/${name}`, GET_HEAD, async (request) => {
      const content = assets ? await assets(name) : null;
      return content === null ? detailParts(404, 'Not Found') : send(request, headers, content);
    });
  }
}

const encoder = new TextEncoder();

/** Verifiers (jose) cache a key set for minutes anyway; five lets a new key reach them well within a key ring's publishFor. */
const JWKS_HEADERS: HeaderList = [['content-type', 'application/json'], ['cache-control', 'public, max-age=300'], NOSNIFF];

/** GET /.well-known/jwks.json: the public keys, 404 when the key turns out to have none (a secret), 503 when it cannot be used. */
function jwksRoute(jwks: () => TokenKeySet | null | Promise<TokenKeySet | null>): RouteRun {
  return async (request) => {
    let set: TokenKeySet | null;
    try {
      set = await jwks();
    } catch (error) {
      return keyUnavailable(error).parts;
    }
    if (set === null) return detailParts(404, 'Not Found');
    const body = JSON.stringify(set);
    if (request.method !== 'HEAD') return new ResponseParts(200, JWKS_HEADERS, body);
    return new ResponseParts(200, [...JWKS_HEADERS, ['content-length', String(encoder.encode(body).byteLength)]], null);
  };
}

/** The URL's path, %-decoded as Starlette routes on it (invalid UTF-8 becomes U+FFFD). */
function requestPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  let end = url.length;
  const query = url.indexOf('?', start);
  if (query >= 0) end = query;
  const hash = url.indexOf('#', start);
  if (hash >= 0 && hash < end) end = hash;
  return percentDecodePath(url.slice(start, end));
}

/** `origin` checked: an http(s) origin alone, without a trailing slash; '' when not given. */
function publicOrigin(origin: string | undefined): string {
  if (origin === undefined) return '';
  let url: URL | undefined;
  try {
    url = typeof origin === 'string' ? new URL(origin) : undefined;
  } catch {
    // refused below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.href !== `${url.origin}/` || origin.endsWith('?')) {
    throw new ConfigurationError('origin must be an http(s) origin such as https://api.example.com');
  }
  return url.origin;
}

/** 307 to the same path with the trailing slash toggled, query kept, empty body; `Location` relative unless an origin is configured. */
function redirect(request: Request, origin: string, path: string): ResponseParts {
  const { url } = request;
  const query = url.indexOf('?');
  const hash = url.indexOf('#');
  const search = query < 0 ? '' : url.slice(query, hash > query ? hash : undefined);
  return new ResponseParts(307, [['location', `${origin}${path}${search}`], NOSNIFF], null);
}
