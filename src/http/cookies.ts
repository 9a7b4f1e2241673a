/**
 * Cookies: reading a `Cookie` header (leniently, within bounds, never throwing) and writing
 * `Set-Cookie` (strictly: a name, value or attribute that a browser would drop or misread is a
 * ConfigurationError when it is written, not a cookie that silently never arrives). RFC 6265, with
 * the cookie prefixes of RFC 6265bis (`__Host-`, `__Secure-`).
 */
import { ConfigurationError } from '../errors.js';

/**
 * Bounds of parseCookies and readCookie.
 *
 * @example
 * const cookies = parseCookies(request.headers.get('cookie'), { maxCookies: 50, maxBytes: 4096 });
 */
export interface CookieParseOptions {
  /** Cookies read at most; later ones are ignored. Default 180 (Chromium's limit per domain). */
  maxCookies?: number;
  /**
   * Characters of the header read at most (a cookie cut by the limit is dropped, never read
   * shortened). Default 16384 (Node's limit for all the headers of a request).
   */
  maxBytes?: number;
}

const DEFAULT_MAX_COOKIES = 180;
const DEFAULT_MAX_BYTES = 16_384;

/** RFC 9110 token characters: what a cookie name may be made of (RFC 6265 4.1.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** The values gatehouse writes: base64url, and '.' to join parts (`id.secret`). */
const VALUE = /^[A-Za-z0-9_.-]*$/;
const MAX_VALUE_LENGTH = 4000;

function limit(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** The part of `header` that is read: at most maxBytes characters, cut after the last whole cookie. */
function boundedHeader(header: unknown, maxBytes: number): string {
  if (typeof header !== 'string') return '';
  if (header.length <= maxBytes) return header;
  const end = header.lastIndexOf(';', maxBytes);
  return end < 0 ? '' : header.slice(0, end);
}

/**
 * Each `name=value` pair of a Cookie header, in order, as RFC 6265 5.4 / 6265bis 5.6 read it:
 * split on ';', whitespace trimmed, split at the first '=', a pair without '=' or with an empty
 * name skipped, a value in double quotes unquoted; nothing percent-decoded.
 */
function forEachCookie(header: string, maxCookies: number, visit: (name: string, value: string) => boolean): void {
  let start = 0;
  let count = 0;
  while (start < header.length && count < maxCookies) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const equals = header.indexOf('=', start);
    if (equals >= 0 && equals < end) {
      const name = header.slice(start, equals).trim();
      if (name !== '') {
        count += 1;
        let value = header.slice(equals + 1, end).trim();
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
        if (visit(name, value)) return;
      }
    }
    start = end + 1;
  }
}

/**
 * The cookies of a `Cookie` header, name → value. When a name appears twice the FIRST value wins:
 * browsers send the cookie with the longer (more specific) path first (RFC 6265 5.4), and a
 * cookie planted by a sibling subdomain for the same name cannot then shadow one's own in most
 * setups (the `__Host-` prefix rules it out entirely). Values are returned as sent (no decoding).
 * Garbage is skipped, never thrown on; `null` or a non-string gives an empty map.
 *
 * @example
 * parseCookies('SID=31d4d96e407aad42; lang=en-US'); // Map { 'SID' => '31d4d96e407aad42', 'lang' => 'en-US' }
 */
export function parseCookies(header: string | null | undefined, options: CookieParseOptions = {}): Map<string, string> {
  const cookies = new Map<string, string>();
  const text = boundedHeader(header, limit(options.maxBytes, DEFAULT_MAX_BYTES));
  forEachCookie(text, limit(options.maxCookies, DEFAULT_MAX_COOKIES), (name, value) => {
    if (!cookies.has(name)) cookies.set(name, value);
    return false;
  });
  return cookies;
}

/**
 * One cookie's value from a `Cookie` header (the first one of that name, as parseCookies), or null;
 * stops at it without building a map.
 *
 * @example
 * const session = readCookie(request.headers.get('cookie'), '__Host-gatehouse-session');
 */
export function readCookie(header: string | null | undefined, name: string, options: CookieParseOptions = {}): string | null {
  let found: string | null = null;
  const text = boundedHeader(header, limit(options.maxBytes, DEFAULT_MAX_BYTES));
  forEachCookie(text, limit(options.maxCookies, DEFAULT_MAX_COOKIES), (each, value) => {
    if (each !== name) return false;
    found = value;
    return true;
  });
  return found;
}

/**
 * The SameSite attribute: `Lax` (sent on top-level navigations from other sites, not on their
 * subrequests or POSTs), `Strict` (never from other sites), `None` (always; needs Secure).
 *
 * @example
 * const sameSite: SameSite = 'Strict';
 */
export type SameSite = 'Lax' | 'Strict' | 'None';

/**
 * Attributes of a Set-Cookie. Nothing is on unless given: see SessionCookieOptions for the safe defaults of a session.
 *
 * @example
 * serializeCookie('theme', 'dark', { path: '/', maxAge: 86400, sameSite: 'Lax' });
 */
export interface CookieAttributes {
  /** Not readable by JavaScript (`document.cookie`). */
  httpOnly?: boolean;
  /** Sent over HTTPS only. */
  secure?: boolean;
  sameSite?: SameSite;
  /** Starts with '/'; no ';' or control characters. */
  path?: string;
  /** A host name (the cookie then also goes to its subdomains); refused for `__Host-` names. */
  domain?: string;
  /** Seconds the cookie lives (0: delete it now). Without maxAge and expires it is a session cookie (ends with the browser). */
  maxAge?: number;
  /** When it ends, for clients that ignore Max-Age. */
  expires?: Date;
}

const SAME_SITE: ReadonlySet<string> = new Set(['Lax', 'Strict', 'None']);

/** @internal The name checked: token characters, and the rules of its prefix for `attributes` (case-insensitive, as browsers match prefixes). */
export function checkCookieName(name: unknown, attributes: CookieAttributes): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new ConfigurationError(`cookie name ${JSON.stringify(String(name).slice(0, 100))} must be made of token characters (letters, digits, !#$%&'*+-.^_\`|~)`);
  }
  const lower = name.toLowerCase();
  if (lower.startsWith('__host-')) {
    if (!attributes.secure) throw new ConfigurationError(`cookie ${name}: a __Host- cookie must be Secure`);
    if (attributes.path !== '/') throw new ConfigurationError(`cookie ${name}: a __Host- cookie must have Path=/`);
    if (attributes.domain !== undefined) throw new ConfigurationError(`cookie ${name}: a __Host- cookie cannot have a Domain`);
  } else if (lower.startsWith('__secure-') && !attributes.secure) {
    throw new ConfigurationError(`cookie ${name}: a __Secure- cookie must be Secure`);
  }
  return name;
}

function checkAttributes(attributes: CookieAttributes): string {
  let text = '';
  const { path, domain, maxAge, expires, sameSite } = attributes;
  if (path !== undefined) {
    if (typeof path !== 'string' || !/^\/[\x20-\x3a\x3c-\x7e]*$/.test(path)) {
      throw new ConfigurationError('cookie path must start with "/" and hold no ";" or control characters');
    }
    text += `; Path=${path}`;
  }
  if (domain !== undefined) {
    if (typeof domain !== 'string' || !/^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(domain)) {
      throw new ConfigurationError('cookie domain must be a host name such as example.com');
    }
    text += `; Domain=${domain}`;
  }
  if (maxAge !== undefined) {
    if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge) || maxAge < 0) {
      throw new ConfigurationError('cookie maxAge must be a whole number of seconds >= 0');
    }
    text += `; Max-Age=${maxAge}`;
  }
  if (expires !== undefined) {
    if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) throw new ConfigurationError('cookie expires must be a valid Date');
    text += `; Expires=${expires.toUTCString()}`;
  }
  if (attributes.secure) text += '; Secure';
  if (attributes.httpOnly) text += '; HttpOnly';
  if (sameSite !== undefined) {
    if (!SAME_SITE.has(sameSite)) throw new ConfigurationError('cookie sameSite must be "Lax", "Strict" or "None"');
    // Browsers drop SameSite=None cookies that are not Secure.
    if (sameSite === 'None' && !attributes.secure) throw new ConfigurationError('cookie sameSite "None" needs secure');
    text += `; SameSite=${sameSite}`;
  }
  return text;
}

/**
 * A `Set-Cookie` header value. The name must be token characters and follow its prefix's rules
 * (`__Host-`: Secure, Path=/, no Domain; `__Secure-`: Secure); the value base64url characters and
 * '.' (at most 4000); any other attribute a browser would drop or misread: a ConfigurationError.
 *
 * @example
 * serializeCookie('__Host-sid', 'q2Yc9kZ0', { httpOnly: true, secure: true, sameSite: 'Lax', path: '/', maxAge: 3600 });
 * // '__Host-sid=q2Yc9kZ0; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax'
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  checkCookieName(name, attributes);
  if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH || !VALUE.test(value)) {
    throw new ConfigurationError(`cookie ${name}: the value must be base64url characters and '.' (at most ${MAX_VALUE_LENGTH})`);
  }
  return `${name}=${value}${checkAttributes(attributes)}`;
}

const EPOCH = new Date(0);

/**
 * The `Set-Cookie` that deletes a cookie: empty value, `Max-Age=0` and an `Expires` in 1970, with
 * the cookie's own Path, Domain, Secure and SameSite (a browser replaces a cookie only when they match).
 *
 * @example
 * clearCookie('__Host-sid', { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
 * // '__Host-sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax'
 */
export function clearCookie(name: string, attributes: CookieAttributes = {}): string {
  return serializeCookie(name, '', { ...attributes, maxAge: 0, expires: EPOCH });
}
