/**
 * CSRF without tokens (issue 22), the rule better-auth and Lucia use: a request authenticated by
 * the session cookie with an unsafe method (anything but GET, HEAD, OPTIONS) is refused with 403
 * unless its `Origin` is the app's own origin or a trusted one. Without an `Origin` header it
 * passes only with `Sec-Fetch-Site: same-origin` (browsers send Origin on every unsafe request;
 * the fallback covers a privacy setting that strips it). `Sec-Fetch-Site: none` (a navigation the
 * user started: typed, bookmarked) is NOT accepted: such navigations are GETs, so an unsafe
 * request claiming it is not a plain page load, and better-auth and Lucia refuse a missing Origin
 * outright. A request with neither header is refused too: a script with a stolen cookie can send
 * an Origin, a CSRF page cannot forge one. Bearer requests are never checked: a browser does not
 * attach an Authorization header on its own, which is what CSRF needs.
 */
import { toResponse, type ResponseParts, detailParts } from './response.js';
import { originOfUrl, parseOrigin, parseOriginList, shownHeader } from './origins.js';

/**
 * Whose unsafe requests the session cookie authenticates.
 *
 * @example
 * const check = createOriginCheck({ origin: 'https://app.example.com', trustedOrigins: ['https://admin.example.com'] });
 */
export interface OriginCheckOptions {
  /**
   * The app's own public origin (`https://app.example.com`). Default: the origin of the request's
   * URL, which is the public one only when the server is reached directly: behind a reverse proxy
   * that terminates TLS or rewrites the host, the server sees `http://127.0.0.1:8000` and refuses
   * every cookie request from the real site, so give `origin` there (the handler's `origin`).
   * `Host` and `X-Forwarded-*` are never trusted for it.
   */
  origin?: string;
  /** Other origins whose pages may make cookie-authenticated unsafe requests (`https://admin.example.com`). Default none. */
  trustedOrigins?: readonly string[];
}

/**
 * The origin rule: `null` when the request may go on, else the 403 to answer.
 *
 * @example
 * const refused = check(request, usedSessionCookie);
 * if (refused) return refused;
 */
export type OriginCheck = (request: Request, cookieAuthenticated: boolean) => Response | null;

/** @internal The origin rule answering with parts. */
export type OriginCheckParts = (request: Request, cookieAuthenticated: boolean) => ResponseParts | null;

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

function refused(origin: string | null): ResponseParts {
  const named = origin === null ? 'no Origin header' : `origin ${shownHeader(origin)}`;
  return detailParts(403, `Cross-origin request refused (${named}): not this app's origin nor a trusted one`);
}

/** @internal createOriginCheck answering with parts (for the handler). */
export function createOriginCheckParts(options: OriginCheckOptions = {}): OriginCheckParts {
  const own = options.origin === undefined ? undefined : parseOrigin(options.origin, 'origin');
  const trusted = new Set(parseOriginList(options.trustedOrigins ?? [], 'trustedOrigins'));
  return (request, cookieAuthenticated) => {
    if (!cookieAuthenticated || SAFE_METHODS.has(request.method)) return null;
    const origin = request.headers.get('origin');
    if (origin === null) return request.headers.get('sec-fetch-site') === 'same-origin' ? null : refused(null);
    // 'null' (sandboxed frames, file:, some redirects) never equals a listed origin: refused below.
    if (origin === (own ?? originOfUrl(request.url)) || trusted.has(origin)) return null;
    return refused(origin);
  };
}

/**
 * The origin rule for an app's own routes that accept the session cookie: call it with whether
 * the request was authenticated by the cookie (not by a bearer token). Options are checked here
 * (a ConfigurationError for an origin with a path, a trailing slash, a non-http(s) scheme, a
 * duplicate). The 403's `detail` names the refused origin (printable ASCII, at most 120 characters).
 *
 * @example
 * const check = createOriginCheck({ origin: 'https://app.example.com' });
 * const refused = check(request, true);
 * if (refused) return refused; // 403 {"detail":"Cross-origin request refused (origin https://evil.example): ..."}
 */
export function createOriginCheck(options: OriginCheckOptions = {}): OriginCheck {
  const check = createOriginCheckParts(options);
  return (request, cookieAuthenticated) => {
    const parts = check(request, cookieAuthenticated);
    return parts === null ? null : toResponse(parts);
  };
}
