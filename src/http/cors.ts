/**
 * CORS for the handler's routes (`cors` on createAuthHandler, issue 22): preflights answered, only
 * listed origins echoed (never `*` with credentials), `Vary: Origin` on every answer that depends
 * on it. Every answer to a listed origin carries the headers, errors included, so that a page can
 * read why it got a 401, 403 or 429. A misconfiguration is a ConfigurationError when the handler is
 * made, not a browser that silently blocks at request time.
 */
import { ConfigurationError } from '../errors.js';
import { parseOriginList } from './origins.js';
import { type HeaderList, ResponseParts } from './response.js';

/**
 * Which other origins' pages may call the handler from a browser.
 *
 * @example
 * createAuthHandler({ users, key, cors: { origins: ['https://app.example.com'], maxAge: 600 } });
 */
export interface CorsOptions {
  /**
   * Origins allowed, exactly as browsers send them (`https://app.example.com`: scheme, host, a
   * non-default port; no path, no trailing slash), or `'*'` for any page (not with credentials).
   */
  origins: '*' | readonly string[];
  /**
   * Let those pages send and receive cookies (`fetch(url, { credentials: 'include' })`): needed
   * for the session cookie from another origin. Default false (bearer tokens need no credentials).
   */
  credentials?: boolean;
  /** Seconds a browser may reuse a preflight's answer (Access-Control-Max-Age); 0 to 86400. Default 600. */
  maxAge?: number;
  /** Request headers allowed beside `Authorization` and `Content-Type`. Default none. */
  allowHeaders?: readonly string[];
  /** Response headers a page may read beside the CORS-safelisted ones. Default `WWW-Authenticate`, `Retry-After`. */
  exposeHeaders?: readonly string[];
}

/** @internal The CORS rules of a handler. */
export interface Cors {
  /**
   * The answer to a preflight (OPTIONS with Access-Control-Request-Method) of a route answering
   * `allow` (its methods), or null when `request` is not a preflight.
   */
  preflight(request: Request, allow: string): ResponseParts | null;
  /** `parts` with the CORS headers for `request`'s origin. */
  decorate(request: Request, parts: ResponseParts): ResponseParts;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VARY_ORIGIN = ['vary', 'Origin'] as const;
const ONLY_VARY: HeaderList = [VARY_ORIGIN];
const NONE: HeaderList = [];
const OPTION_NAMES: ReadonlySet<string> = new Set(['origins', 'credentials', 'maxAge', 'allowHeaders', 'exposeHeaders']);

function headerNames(list: unknown, option: string, fallback: readonly string[]): readonly string[] {
  if (list === undefined) return fallback;
  if (!Array.isArray(list) || !list.every((name) => typeof name === 'string' && TOKEN.test(name))) {
    throw new ConfigurationError(`cors.${option} must be an array of header names`);
  }
  return list as string[];
}

/** @internal The CORS rules of `options`, checked. */
export function createCors(options: CorsOptions): Cors {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigurationError("cors must be an object such as { origins: ['https://app.example.com'] }");
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new ConfigurationError(`cors: unknown option ${JSON.stringify(key)} (known: ${[...OPTION_NAMES].join(', ')})`);
  }
  const { credentials = false, maxAge = 600 } = options;
  if (typeof credentials !== 'boolean') throw new ConfigurationError('cors.credentials must be a boolean');
  if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge) || maxAge < 0 || maxAge > 86400) {
    throw new ConfigurationError('cors.maxAge must be a whole number of seconds from 0 to 86400');
  }
  const given = options.origins as unknown;
  const any = given === '*' || (Array.isArray(given) && given.includes('*'));
  if (any) {
    if (given !== '*' && (given as unknown[]).length > 1) throw new ConfigurationError("cors.origins: '*' allows every origin: list no others beside it");
    // Browsers refuse `*` with credentials; echoing any origin instead would hand every site the user's session.
    if (credentials) throw new ConfigurationError("cors: origins '*' cannot be used with credentials: list the origins");
  }
  const origins = new Set(any ? [] : parseOriginList(given, 'cors.origins'));
  if (!any && origins.size === 0) throw new ConfigurationError('cors.origins lists no origin: list some, or leave cors out');
  const allowHeaders = ['Authorization', 'Content-Type', ...headerNames(options.allowHeaders, 'allowHeaders', [])].join(', ');
  const expose = headerNames(options.exposeHeaders, 'exposeHeaders', ['WWW-Authenticate', 'Retry-After']);

  const granted: HeaderList = [
    ...(credentials ? [['access-control-allow-credentials', 'true'] as const] : []),
    ...(expose.length > 0 ? [['access-control-expose-headers', expose.join(', ')] as const] : []),
  ];
  // The headers every answer to a listed origin carries (the echoed origin first), built once per origin.
  const anyHeaders: HeaderList = [['access-control-allow-origin', '*'], ...granted];
  const byOrigin = new Map<string, HeaderList>([...origins].map((origin) => [origin, [['access-control-allow-origin', origin], ...granted, VARY_ORIGIN]]));
  const grant = (origin: string | null): HeaderList | null => (any ? anyHeaders : origin === null ? null : (byOrigin.get(origin) ?? null));
  const preflightHeaders = [
    ['access-control-allow-headers', allowHeaders],
    ['access-control-max-age', String(maxAge)],
  ] as const;

  return {
    preflight(request, allow) {
      if (request.method !== 'OPTIONS' || !request.headers.has('access-control-request-method')) return null;
      const headers = grant(request.headers.get('origin'));
      // An unlisted origin gets no Allow headers: the browser then blocks the request it asked about.
      if (headers === null) return new ResponseParts(204, ONLY_VARY, null);
      return new ResponseParts(204, [...headers, ['access-control-allow-methods', allow], ...preflightHeaders], null);
    },
    decorate(request, parts) {
      const headers = grant(request.headers.get('origin')) ?? (any ? NONE : ONLY_VARY);
      if (headers.length === 0) return parts;
      return new ResponseParts(parts.status, withHeaders(parts.headers, headers), parts.body);
    },
  };
}

/** `headers` with `added`; a `vary` already there gets the added one's value appended. */
function withHeaders(headers: HeaderList, added: HeaderList): HeaderList {
  const vary = headers.findIndex(([name]) => name === 'vary');
  if (vary < 0) return [...headers, ...added];
  const merged = headers.map((header, index) => (index === vary ? (['vary', `${header[1]}, Origin`] as const) : header));
  return [...merged, ...added.filter(([name]) => name !== 'vary')];
}
