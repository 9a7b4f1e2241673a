/**
 * The routes of cookie sessions besides the login: requireUser taking the cookie or a bearer token
 * (bearer wins), POST /logout for either (`?everywhere`: every other session of the user, cookie
 * sessions and refresh families alike), GET /sessions (the caller's own, never a secret) and
 * DELETE /sessions/{id} (one's own only: another user's id is 404, as an unknown one).
 */
import type { SessionStore, StoredSession } from '../../tokens/lifecycle/session-store.js';
import { sessionEnded } from '../../tokens/lifecycle/refresh.js';
import { tokenStampOf } from '../../tokens/lifecycle/stamp.js';
import type { UserRecord } from '../../users/store-interface.js';
import { readBearerToken } from '../bearer.js';
import { type HeaderList, PRIVATE_JSON_HEADERS, ResponseParts, detailParts } from '../response.js';
import type { CookieSessions, SessionAuthResult } from './cookie-sessions.js';
import type { EmitEvent } from './events.js';
import type { Reporter } from './report.js';
import { type Authenticate, type RequireUserOptions, storeUnavailable } from './require-user.js';

/** @internal The session routes, mounted by the handler. */
export interface SessionRoutes {
  /** POST /logout (cookie or bearer). */
  logout(request: Request): Promise<ResponseParts>;
  /** GET /sessions. */
  list(request: Request): Promise<ResponseParts>;
  /** DELETE /sessions/{id}. */
  remove(request: Request, id: string): Promise<ResponseParts>;
}

/** @internal What the routes need from the core. */
export interface SessionRouteDependencies<U extends UserRecord> {
  readonly sessions: CookieSessions<U>;
  /** Cookie or bearer (see withCookieSessions). */
  readonly authenticate: (request: Request, required?: RequireUserOptions) => Promise<SessionAuthResult<U>>;
  /** The refresh-token logout of a bearer request (lifecycle.ts), or null without refresh tokens. */
  readonly bearerLogout: ((request: Request) => ResponseParts | Promise<ResponseParts>) | null;
  /** The refresh families' store when it is another one than the cookie sessions', and their idle time. */
  readonly refreshStore: SessionStore | null;
  readonly refreshIdleTtl: number;
  readonly clientAddress: (request: Request) => string | null;
  readonly emit: EmitEvent;
  readonly report: Reporter;
}

const NO_CONTENT: HeaderList = [['cache-control', 'no-store']];

/**
 * @internal requireUser with cookie sessions: a bearer token when one is given (it wins), else the
 * session cookie, else the bearer 401.
 */
export function withCookieSessions<U extends UserRecord>(bearer: Authenticate<U>, sessions: CookieSessions<U>): (request: Request, required?: RequireUserOptions) => SessionAuthResult<U> | Promise<SessionAuthResult<U>> {
  return (request, required = {}) => {
    if (readBearerToken(request) !== null) return bearer(request, required);
    const value = sessions.read(request);
    return value === null ? bearer(request, required) : sessions.authenticate(request, value, required);
  };
}

function isLive(session: StoredSession, at: number, idleTtl: number, stamp: string): boolean {
  return sessionEnded(session, at, idleTtl) === null && session.userStamp === stamp;
}

/** @internal */
export function createSessionRoutes<U extends UserRecord>(deps: SessionRouteDependencies<U>): SessionRoutes {
  const { sessions, authenticate, emit, report } = deps;
  const { cookie, now } = sessions;
  const stores: SessionStore[] = deps.refreshStore === null || deps.refreshStore === sessions.store ? [sessions.store] : [sessions.store, deps.refreshStore];
  const idleOf = (session: StoredSession): number => (session.kind === 'cookie' ? sessions.idleTtl : deps.refreshIdleTtl);
  const unavailable = (error: unknown, request: Request): ResponseParts => {
    const { parts } = storeUnavailable(error);
    report(error, request);
    return parts;
  };
  /** The id of the session the request was authenticated by (cookie session or refresh family), if any. */
  const currentOf = (done: SessionAuthResult<U>): string | undefined =>
    done.session?.id ?? (typeof done.claims?.sid === 'string' ? done.claims.sid : undefined);
  const send = (parts: ResponseParts, done: SessionAuthResult<U>): ResponseParts =>
    done.setCookie === undefined ? parts : new ResponseParts(parts.status, [...parts.headers, ['set-cookie', done.setCookie]], parts.body);

  async function find(id: string): Promise<StoredSession | null> {
    for (const store of stores) {
      const found = await store.findSession(id);
      if (found !== null && found !== undefined && typeof found === 'object' && found.id === id) return found;
    }
    return null;
  }

  return {
    async logout(request) {
      const everywhere = new URL(request.url).searchParams.has('everywhere');
      const byBearer = readBearerToken(request) !== null;
      if (byBearer && !everywhere && deps.bearerLogout !== null) return deps.bearerLogout(request);
      const done = await authenticate(request, { active: false });
      if (done.parts) return done.parts;
      const current = currentOf(done);
      const clientAddress = deps.clientAddress(request);
      const at = now();
      try {
        if (everywhere) {
          let count = 0;
          for (const store of stores) count += Number(await store.revokeUserSessions(done.user.username, at, current)) || 0;
          emit({ type: 'logout', username: done.user.username, clientAddress, everywhere: true, count }, request);
          return send(new ResponseParts(204, NO_CONTENT, null), done);
        }
        if (done.session !== undefined) await sessions.store.revokeSession(done.session.id, at);
      } catch (error) {
        return unavailable(error, request);
      }
      emit({ type: 'logout', username: done.user.username, clientAddress, ...(current ? { sessionId: current } : {}) }, request);
      return new ResponseParts(204, done.session === undefined ? NO_CONTENT : [...NO_CONTENT, ['set-cookie', cookie.clear()]], null);
    },

    async list(request) {
      const done = await authenticate(request);
      if (done.parts) return done.parts;
      const current = currentOf(done);
      const at = now();
      const stamp = tokenStampOf(done.user);
      const listed: StoredSession[] = [];
      try {
        for (const store of stores) {
          const found = await store.listSessions(done.user.username, at);
          if (Array.isArray(found)) listed.push(...found);
        }
      } catch (error) {
        return unavailable(error, request);
      }
      // Only the caller's, only live ones, never a secret or its hash.
      const shown = listed
        .filter((session) => session !== null && typeof session === 'object' && session.username === done.user.username && isLive(session, at, idleOf(session), stamp))
        .sort((a, b) => b.createdAt - a.createdAt)
        .map((session) => ({
          id: session.id,
          kind: session.kind,
          created_at: session.createdAt,
          last_seen_at: session.lastUsedAt,
          expires_at: session.expiresAt,
          client_address: session.clientAddress,
          user_agent: session.userAgent,
          current: session.id === current,
        }));
      return send(new ResponseParts(200, PRIVATE_JSON_HEADERS, JSON.stringify(shown)), done);
    },

    async remove(request, id) {
      const done = await authenticate(request);
      if (done.parts) return done.parts;
      const at = now();
      let session: StoredSession | null;
      try {
        session = await find(id);
        // Another user's session is answered as an unknown one: ids are not probed.
        if (session === null || session.username !== done.user.username || session.revokedAt !== null) return detailParts(404, 'Not Found');
        for (const store of stores) await store.revokeSession(id, at);
      } catch (error) {
        return unavailable(error, request);
      }
      emit({ type: 'logout', username: done.user.username, clientAddress: deps.clientAddress(request), sessionId: id }, request);
      const ended = done.session?.id === id;
      return new ResponseParts(204, ended ? [...NO_CONTENT, ['set-cookie', cookie.clear()]] : NO_CONTENT, null);
    },
  };
}
