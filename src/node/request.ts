/**
 * A Request for an IncomingMessage, built lazily: method, url and headers are read straight from
 * Node; the first use of anything else (the body, signal, clone, ...) builds the real undici
 * Request and forwards to it. It is `instanceof Request`: user hooks (onError, clientAddress,
 * grantScopes through the handler) receive a Request, and building undici's costs more than
 * authenticating a cached token.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { READ_BODY_LIMITED } from '../http/body.js';
import { CLIENT_ADDRESS, UNIX_SOCKET_PEER } from '../http/client-address.js';

const INCOMING = Symbol('incoming');
const URL_TEXT = Symbol('url');
const HEADERS = Symbol('headers');
const REAL = Symbol('real');
const RESPONSE = Symbol('response');
/** The body as read by readBodyLimited's fast path: what the real Request gets, if one is built later. */
const BODY_READ = Symbol('body read');

export interface NodeRequest extends Request {
  [INCOMING]: IncomingMessage;
  [URL_TEXT]: string;
  [HEADERS]?: Headers;
  [REAL]?: Request;
  [RESPONSE]: ServerResponse;
  [BODY_READ]?: Promise<Uint8Array | null>;
}

/** The IncomingMessage's headers as Headers (Node already keeps only the first Authorization). */
function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined) continue;
    try {
      if (typeof value === 'string') headers.append(name, value);
      else for (const item of value) headers.append(name, item);
    } catch {
      // A header undici refuses is one no handler can read either: leave it out.
    }
  }
  return headers;
}

const RAW_HEADERS = Symbol('raw headers');
const REAL_HEADERS = Symbol('real headers');

interface NodeHeaders extends Headers {
  [RAW_HEADERS]: IncomingHttpHeaders;
  [REAL_HEADERS]?: Headers;
}

function realHeaders(self: NodeHeaders): Headers {
  return (self[REAL_HEADERS] ??= toHeaders(self[RAW_HEADERS]));
}

let headersPrototype: object | undefined;

/**
 * Headers over Node's parsed header object: get() and has() read it directly (the hot path: a
 * handler reads a few headers); anything else builds the real Headers once and forwards to it.
 */
function makeHeadersPrototype(): object {
  const proto = Object.create(Headers.prototype) as Record<PropertyKey, unknown>;
  const lookup = (self: NodeHeaders, name: string): string | null => {
    const key = String(name).toLowerCase();
    const raw = self[RAW_HEADERS];
    const value = Object.hasOwn(raw, key) ? raw[key] : undefined;
    return value === undefined ? null : typeof value === 'string' ? value : value.join(', ');
  };
  Object.defineProperty(proto, 'get', {
    value(this: NodeHeaders, name: string) {
      return this[REAL_HEADERS] ? this[REAL_HEADERS].get(name) : lookup(this, name);
    },
    configurable: true,
  });
  Object.defineProperty(proto, 'has', {
    value(this: NodeHeaders, name: string) {
      return this[REAL_HEADERS] ? this[REAL_HEADERS].has(name) : lookup(this, name) !== null;
    },
    configurable: true,
  });
  const forwarded: PropertyKey[] = ['append', 'delete', 'set', 'getSetCookie', 'forEach', 'keys', 'values', 'entries', Symbol.iterator];
  for (const name of forwarded) {
    Object.defineProperty(proto, name, {
      value(this: NodeHeaders, ...args: unknown[]) {
        const headers = realHeaders(this) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
        return headers[name]!.apply(headers, args);
      },
      configurable: true,
    });
  }
  return proto;
}

function createNodeHeaders(raw: IncomingHttpHeaders): Headers {
  headersPrototype ??= makeHeadersPrototype();
  const headers = Object.create(headersPrototype) as NodeHeaders;
  headers[RAW_HEADERS] = raw;
  return headers;
}

/** The body of an IncomingMessage as a byte stream that pauses the socket when nobody reads. */
function bodyStream(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let settled = false;
      incoming.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
      });
      incoming.once('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      const fail = () => {
        if (settled) return;
        settled = true;
        controller.error(new Error('request body aborted'));
      };
      incoming.once('error', fail);
      incoming.once('close', () => {
        if (!incoming.complete) fail();
      });
      incoming.pause();
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      // Stop reading; the response then closes the connection (see writeResponse).
      incoming.pause();
    },
  });
}

/**
 * The body straight from the IncomingMessage, at most `limit` bytes (null past it: reading stops
 * and the response closes the connection, see closeIfUnread); rejects when the client goes away.
 */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (error: Error | null, body: Uint8Array | null = null) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose);
      if (error) reject(error);
      else resolve(body);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limit) {
        incoming.pause();
        settle(null, null);
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
      settle(null, new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    };
    const onAbort = () => settle(new Error('request body aborted'));
    const onClose = () => {
      if (!incoming.complete) onAbort();
    };
    if (incoming.readableEnded) return resolve(new Uint8Array(0));
    incoming.on('data', onData).once('end', onEnd).once('error', onAbort).once('close', onClose);
    incoming.resume();
  });
}

/** Bytes the fast path read, as a stream for a real Request built after it. */
function replayBody(read: Promise<Uint8Array | null>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        const body = await read;
        if (body === null) throw new Error('request body too large');
        if (body.byteLength > 0) controller.enqueue(body);
        controller.close();
      } catch (error) {
        controller.error(error);
      }
    },
  });
}

function real(self: NodeRequest): Request {
  if (!self[REAL]) {
    const incoming = self[INCOMING];
    const method = incoming.method ?? 'GET';
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const read = self[BODY_READ];
    // The signal aborts when the client goes away before the response is complete.
    const abort = new AbortController();
    const res = self[RESPONSE];
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    self[REAL] = new Request(self[URL_TEXT], {
      method,
      headers: realHeaders(self.headers as NodeHeaders),
      body: hasBody ? (read ? replayBody(read) : bodyStream(incoming)) : null,
      signal: abort.signal,
      // @ts-expect-error: undici needs duplex for a streamed body; DOM's RequestInit lacks it.
      duplex: 'half',
    });
  }
  return self[REAL];
}

/**
 * Whether a connection came over a Unix domain socket: its peer has no address, and its server's
 * address is a path (a TCP socket reset by its peer has no address either, but its server's is an
 * object: such a socket must not pass for a trusted Unix socket proxy).
 */
function overUnixSocket(socket: Socket | undefined): boolean {
  const server = (socket as { server?: { address?: () => unknown } } | undefined)?.server;
  return typeof server?.address === 'function' && typeof server.address() === 'string';
}

let prototype: object | undefined;

function makePrototype(): object {
  const proto = Object.create(Request.prototype) as Record<PropertyKey, unknown>;
  const define = (name: PropertyKey, get: (this: NodeRequest) => unknown) =>
    Object.defineProperty(proto, name, { get, configurable: true });
  define('method', function () {
    return this[INCOMING].method ?? 'GET';
  });
  define('url', function () {
    return this[URL_TEXT];
  });
  define('headers', function () {
    return (this[HEADERS] ??= createNodeHeaders(this[INCOMING].headers));
  });
  // The connection's peer, read only when asked for (the login limiter, throttling).
  define(CLIENT_ADDRESS, function () {
    const socket = this[INCOMING].socket as Socket | undefined;
    return socket?.remoteAddress ?? (overUnixSocket(socket) ? UNIX_SOCKET_PEER : undefined);
  });
  const forwarded = [
    'body', 'bodyUsed', 'cache', 'credentials', 'destination', 'integrity', 'keepalive', 'mode',
    'redirect', 'referrer', 'referrerPolicy', 'signal', 'duplex',
  ];
  for (const name of forwarded) {
    define(name, function () {
      return (real(this) as unknown as Record<string, unknown>)[name];
    });
  }
  // readBodyLimited's fast path: the first read of the body, before anything built the real Request.
  Object.defineProperty(proto, READ_BODY_LIMITED, {
    value(this: NodeRequest, limit: number): Promise<Uint8Array | null> | undefined {
      if (this[REAL] || this[BODY_READ]) return undefined;
      const method = this[INCOMING].method ?? 'GET';
      if (method === 'GET' || method === 'HEAD') return undefined;
      return (this[BODY_READ] = readIncoming(this[INCOMING], limit));
    },
    configurable: true,
  });
  for (const name of ['arrayBuffer', 'blob', 'bytes', 'clone', 'formData', 'json', 'text']) {
    Object.defineProperty(proto, name, {
      value(this: NodeRequest, ...args: unknown[]) {
        return (real(this) as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);
      },
      configurable: true,
    });
  }
  return proto;
}

/** Request targets a WHATWG URL keeps as they are: the common case needs no parse. */
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;
/** Targets that may hold a dot segment or an encoded backslash: checked by rewritesPath. */
const MAY_REWRITE = /\/\.|%2e|%5c/i;
/** Hosts a WHATWG URL keeps as they are (lower case, no default port is checked separately). */
const PLAIN_HOST = /^[a-z0-9.-]+(?::\d{1,5})?$/;
/** RFC 3986 host (reg-name or IP literal) with an optional port: anything else could move the path. */
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** `\` raw or as %5C: a URL parser reads it as `/`, a proxy in front may not. */
const BACKSLASH = /\\|%5c/i;
const ENCODED_DOT = /%2e/gi;

/**
 * Whether the path of a request target (origin- or absolute-form) is one a WHATWG URL would
 * rewrite: a backslash, or a `.` / `..` segment (raw or with `%2e` for a dot). A proxy in front
 * matched the target as sent, so `/x/..\docs` must not quietly become `/docs` here. The query
 * is not looked at: no parser rewrites it.
 */
function rewritesPath(target: string): boolean {
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  if (BACKSLASH.test(path)) return true;
  for (const segment of path.split('/')) {
    if (segment === '' || segment.length > 6) continue; // '%2e%2e' is the longest dot segment
    const dots = segment.replace(ENCODED_DOT, '.');
    if (dots === '.' || dots === '..') return true;
  }
  return false;
}

/**
 * The request's absolute URL, as `new Request(url).url` would normalise it, or null when the
 * request target cannot be one (`*`, garbage) or would be rewritten (a backslash or a dot segment in
 * its path, see rewritesPath: answered 400). A Host header that is not a plain host (and so could
 * change the URL's path) is replaced by the local address. `target` defaults to the request's
 * (Express's `originalUrl` for a router that rewrote `url`).
 */
export function requestUrl(incoming: IncomingMessage, target: string = incoming.url ?? '/'): string | null {
  const scheme = (incoming.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http';
  const header = incoming.headers.host;
  if (
    header !== undefined &&
    PLAIN_HOST.test(header) &&
    !header.endsWith(scheme === 'https' ? ':443' : ':80') &&
    PLAIN_TARGET.test(target) &&
    !MAY_REWRITE.test(target)
  ) {
    return `${scheme}://${header}${target}`;
  }
  // The fast path above never holds one: PLAIN_TARGET has no `\`, MAY_REWRITE catches the rest.
  if (rewritesPath(target)) return null;
  const fallback = localHost(incoming);
  for (const host of header !== undefined && HOST.test(header) ? [header, fallback] : [fallback]) {
    try {
      const origin = `${scheme}://${host}`;
      if (target.startsWith('/')) return new URL(`${origin}${target}`).href;
      // absolute-form (sent to proxies): keep its path and query, not its host.
      const absolute = new URL(target);
      if (absolute.protocol !== 'http:' && absolute.protocol !== 'https:') return null;
      return new URL(`${absolute.pathname}${absolute.search}`, origin).href;
    } catch {
      // try the fallback host
    }
  }
  return null;
}

/** The address the request came in on, for requests without a usable Host header. */
function localHost(incoming: IncomingMessage): string {
  const address = incoming.socket?.localAddress;
  if (!address) return 'localhost';
  return `${address.includes(':') ? `[${address}]` : address}:${incoming.socket.localPort ?? 80}`;
}

/** The lazily built Request for `incoming`. */
export function createNodeRequest(incoming: IncomingMessage, res: ServerResponse, url: string): Request {
  prototype ??= makePrototype();
  const request = Object.create(prototype) as NodeRequest;
  request[INCOMING] = incoming;
  request[RESPONSE] = res;
  request[URL_TEXT] = url;
  return request;
}
