/**
 * `gatehouse serve`'s browser flags (issue 22): `--cors-origin ORIGIN` (repeatable), and the
 * cookie-session ones, `--sessions`, `--trusted-origin ORIGIN` (repeatable) and
 * `--allow-http-cookies`. Without `--sessions` the latter two are refused with a usage error rather
 * than accepted as flags that would do nothing.
 */
import { ConfigurationError } from '../errors.js';
import type { CorsOptions } from '../http/cors.js';
import type { OriginCheckOptions } from '../http/origin-check.js';
import { parseOrigin } from '../http/origins.js';
import type { SessionCookieOptions } from '../http/session-cookie.js';
import { UsageError } from './usage.js';

/** The flags, for serve's parser. */
export const WEB_OPTIONS = {
  'cors-origin': { type: 'string', multiple: true },
  'trusted-origin': { type: 'string', multiple: true },
  'allow-http-cookies': { type: 'boolean', default: false },
  sessions: { type: 'boolean', default: false },
} as const;

export const WEB_HELP = `    --cors-origin ORIGIN  let pages on ORIGIN (https://app.example.com: scheme, host, port;
                       no path) call the server from a browser; repeat for several
    --sessions         cookie sessions for browser apps: POST /login sets an HttpOnly
                       session cookie; GET /sessions, DELETE /sessions/ID, POST /logout
    --trusted-origin ORIGIN  with --sessions: pages on ORIGIN may make cookie requests
                       that change state (besides the server's own origin); repeatable
    --allow-http-cookies  with --sessions, on a loopback address only: the cookie lacks
                       Secure and the __Host- prefix (plain-HTTP development)
`;

/** The origins given to `flag`, each as a browser sends it; a bad or repeated one is a usage error. */
function originsOf(values: readonly string[] | undefined, flag: string): string[] {
  const origins: string[] = [];
  for (const text of values ?? []) {
    let origin: string;
    try {
      origin = parseOrigin(text, flag);
    } catch (error) {
      throw error instanceof ConfigurationError ? new UsageError(error.message) : error;
    }
    if (origins.includes(origin)) throw new UsageError(`${flag} ${origin} is given twice`);
    origins.push(origin);
  }
  return origins;
}

/** createAuthHandler's `cors` for `--cors-origin` (`'*'` alone: any page), or undefined without it. */
export function corsFromCli(values: readonly string[] | undefined): CorsOptions | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.includes('*')) {
    if (values.length > 1) throw new UsageError("--cors-origin '*' allows every page: give no other --cors-origin with it");
    return { origins: '*' };
  }
  return { origins: originsOf(values, '--cors-origin') };
}

/** Where serve listens, for --allow-http-cookies: plain HTTP only on a loopback address. */
export interface ListenAddress {
  host: string | undefined;
  socketPath: string | undefined;
}

const LOOPBACK_HOSTS = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/;

/** The cookie-session settings of `--trusted-origin` and `--allow-http-cookies` (used by `--sessions`). */
export function sessionFlagsFromCli(
  values: { 'trusted-origin'?: readonly string[]; 'allow-http-cookies'?: boolean },
  listen: ListenAddress,
): { origin: Pick<OriginCheckOptions, 'trustedOrigins'>; cookie: SessionCookieOptions } {
  const trustedOrigins = originsOf(values['trusted-origin'], '--trusted-origin');
  const allowHttpCookies = values['allow-http-cookies'] === true;
  if (allowHttpCookies) {
    if (listen.socketPath !== undefined) {
      throw new UsageError('--allow-http-cookies is for plain-HTTP development on a loopback address, not behind a proxy on --unix-socket');
    }
    const host = listen.host ?? '127.0.0.1';
    if (!LOOPBACK_HOSTS.test(host)) {
      throw new UsageError(`--allow-http-cookies is for plain-HTTP development on a loopback address: --host ${host} is not one (127.0.0.1, ::1, localhost)`);
    }
  }
  return { origin: { trustedOrigins }, cookie: allowHttpCookies ? { allowHttpCookies } : {} };
}

/**
 * createAuthHandler's `sessions` for `--sessions` (undefined without it: then the cookie-session
 * flags are usage errors), and the warning line to print at start with `--allow-http-cookies`.
 */
export function sessionsFromCli(
  values: { sessions?: boolean; 'trusted-origin'?: readonly string[]; 'allow-http-cookies'?: boolean },
  listen: ListenAddress,
): { sessions: { cookie: SessionCookieOptions; trustedOrigins: string[] } | undefined; warning: string | null } {
  if (values.sessions !== true) {
    refuseSessionFlags(values, listen);
    return { sessions: undefined, warning: null };
  }
  const { origin, cookie } = sessionFlagsFromCli(values, listen);
  const warning = cookie.allowHttpCookies
    ? 'gatehouse: --allow-http-cookies: the session cookie lacks Secure and the __Host- prefix (sent in clear over plain HTTP): for development on this loopback address only'
    : null;
  return { sessions: { cookie, trustedOrigins: [...(origin.trustedOrigins ?? [])] }, warning };
}

/**
 * serve without `--sessions`: the cookie-session flags are refused, after
 * their values are checked, so that a typo is reported first.
 */
export function refuseSessionFlags(values: { 'trusted-origin'?: readonly string[]; 'allow-http-cookies'?: boolean }, listen: ListenAddress): void {
  sessionFlagsFromCli(values, listen);
  const given = [values['trusted-origin']?.length ? '--trusted-origin' : '', values['allow-http-cookies'] ? '--allow-http-cookies' : ''].filter(Boolean);
  if (given.length > 0) {
    throw new UsageError(`${given.join(' and ')} ${given.length > 1 ? 'apply' : 'applies'} to cookie sessions: give --sessions too`);
  }
}
