/**
 * The browser session cookie's settings, checked once (issue 22): HttpOnly, Secure, SameSite=Lax,
 * Path=/ and a `__Host-` name by default. Plain HTTP (no Secure, so no `__Host-` prefix either) only
 * when `allowHttpCookies` says so, for development on a loopback address.
 */
import { ConfigurationError } from '../errors.js';
import { type CookieAttributes, type CookieParseOptions, type SameSite, checkCookieName, clearCookie, readCookie, serializeCookie } from './cookies.js';

/**
 * The session cookie (`sessions: { cookie }`).
 *
 * @example
 * // The defaults: __Host-gatehouse-session; HttpOnly; Secure; SameSite=Lax; Path=/
 * const cookie: SessionCookieOptions = {};
 * // Development over http://127.0.0.1:8000: gatehouse-session; HttpOnly; SameSite=Lax; Path=/
 * const dev: SessionCookieOptions = { allowHttpCookies: true };
 */
export interface SessionCookieOptions {
  /**
   * Default `__Host-gatehouse-session` (the prefix makes browsers refuse the cookie unless it is
   * Secure, for the whole host and no Domain: a sibling subdomain cannot set or shadow it), or
   * `gatehouse-session` with allowHttpCookies.
   */
  name?: string;
  /** Default 'Lax'. 'Strict' also drops it on links followed from other sites; 'None' needs Secure. */
  sameSite?: SameSite;
  /** Default '/'. Another path needs a name without the `__Host-` prefix. */
  path?: string;
  /** Default none (this host only). Needs a name without the `__Host-` prefix. */
  domain?: string;
  /**
   * Plain-HTTP development on a loopback address (127.0.0.0/8, ::1, localhost): the cookie lacks
   * `Secure` (and so the `__Host-` prefix). Never on a deployment: a cookie without Secure is
   * sent in clear over any HTTP connection to the host. Default false.
   */
  allowHttpCookies?: boolean;
}

/**
 * The name of the session cookie by default.
 *
 * @example
 * const session = readCookie(request.headers.get('cookie'), DEFAULT_SESSION_COOKIE_NAME);
 */
export const DEFAULT_SESSION_COOKIE_NAME = '__Host-gatehouse-session';
const HTTP_COOKIE_NAME = 'gatehouse-session';

/** @internal The session cookie, configured: its name and attributes, and its headers. */
export interface SessionCookie {
  readonly name: string;
  readonly attributes: Readonly<CookieAttributes>;
  /** Whether the cookie is Secure (false only with allowHttpCookies). */
  readonly secure: boolean;
  /** `Set-Cookie` for a session value that lives `maxAge` seconds. */
  set(value: string, maxAge: number): string;
  /** `Set-Cookie` that deletes it. */
  clear(): string;
  /** The session value of a `Cookie` header, or null. */
  read(cookieHeader: string | null | undefined, bounds?: CookieParseOptions): string | null;
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['name', 'sameSite', 'path', 'domain', 'allowHttpCookies']);

/** @internal The session cookie of `options`; anything a browser would refuse is a ConfigurationError here. */
export function resolveSessionCookie(options: SessionCookieOptions = {}): SessionCookie {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('sessions.cookie must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new ConfigurationError(`sessions.cookie: unknown option ${JSON.stringify(key)} (known: ${[...OPTION_NAMES].join(', ')})`);
  }
  const { allowHttpCookies = false } = options;
  if (typeof allowHttpCookies !== 'boolean') throw new ConfigurationError('sessions.cookie.allowHttpCookies must be a boolean');
  const secure = !allowHttpCookies;
  const name = options.name ?? (secure ? DEFAULT_SESSION_COOKIE_NAME : HTTP_COOKIE_NAME);
  const attributes: CookieAttributes = {
    httpOnly: true,
    secure,
    sameSite: options.sameSite ?? 'Lax',
    path: options.path ?? '/',
    ...(options.domain === undefined ? {} : { domain: options.domain }),
  };
  if (!secure && typeof name === 'string' && /^__(host|secure)-/i.test(name)) {
    throw new ConfigurationError(`sessions.cookie: allowHttpCookies drops Secure, which the ${name.slice(0, name.indexOf('-') + 1)} prefix of ${name} requires: name it without the prefix`);
  }
  checkCookieName(name, attributes);
  // Every attribute checked now (a probe value), not at the first login.
  serializeCookie(name, '', attributes);
  return {
    name,
    attributes,
    secure,
    set: (value, maxAge) => serializeCookie(name, value, { ...attributes, maxAge }),
    clear: () => clearCookie(name, attributes),
    read: (header, bounds) => readCookie(header, name, bounds),
  };
}

/**
 * @internal Whether `url`'s host is a loopback address (127.0.0.0/8, [::1], localhost or a
 * name under .localhost): where allowHttpCookies may set a cookie without Secure.
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === '[::1]' || host === 'localhost' || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
