/**
 * A small Node adapter for fetch handlers: IncomingMessage → Request, Response → ServerResponse.
 * Lean on the hot path (a lazily built Request; a gatehouse handler's answer written from its
 * parts; any other Response's string or byte body written without its stream), and careful at the edges: backpressure, client aborts, HEAD, unread request bodies.
 */
import { installLightResponses, lightResponseParts } from './light-response.js';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../errors.js';
import { isThenable, notify } from '../internal/await.js';
import { NO_STORE, NOSNIFF, type PartsHandler, RESPOND_PARTS, type ResponseParts } from '../http/response.js';
import { trustedProxies } from '../throttle/address.js';
import { defaultConnectionsPerAddress, limitConnectionsPerAddress } from './connections-per-address.js';
import { plainBody } from './response-body.js';
import { createNodeRequest, requestUrl } from './request.js';

/**
 * A fetch handler: what createAuthHandler returns, or any `(Request) => Response` function.
 *
 * @example
 * const handler: FetchHandler = () => new Response('ok');
 * await serve(handler);
 */
export type FetchHandler = (request: Request) => Response | PromiseLike<Response>;

/**
 * Options of createNodeListener (and serve).
 *
 * @example
 * createNodeListener(handler, { onError: (error) => log.error(error) });
 */
export interface NodeListenerOptions {
  /** Told about errors the handler throws (the client then gets a 500). Default: console.error. */
  onError?: (error: unknown) => void;
}

/**
 * A node:http request listener.
 *
 * @example
 * http.createServer(createNodeListener(handler)).listen(8000, '127.0.0.1');
 */
export type NodeListener = (incoming: IncomingMessage, res: ServerResponse) => void;

const ERROR_BODY = '{"detail":"Internal Server Error"}';
const BAD_REQUEST_BODY = '{"detail":"Bad Request"}';
const ERROR_HEADERS = [...NOSNIFF, ...NO_STORE];

/**
 * A `(req, res)` listener for node:http (or Express, Connect, ...) that runs a fetch handler.
 *
 * @example
 * import express from 'express';
 * express().use('/auth', createNodeListener(createAuthHandler({ users, key }))).listen(3000);
 */
export function createNodeListener(handler: FetchHandler, options: NodeListenerOptions = {}): NodeListener {
  const onError = options.onError ?? ((error: unknown) => console.error('gatehouse: request handler failed:', error));
  // A gatehouse handler answers with parts too (non-enumerable, under a shared symbol).
  const given = (handler as { [RESPOND_PARTS]?: unknown })[RESPOND_PARTS];
  const respondParts = typeof given === 'function' ? (given as PartsHandler) : undefined;
  return (incoming, res) => {
    const url = requestUrl(incoming);
    if (url === null) {
      sendText(incoming, res, 400, BAD_REQUEST_BODY);
      return;
    }
    const request = createNodeRequest(incoming, res, url);
    if (respondParts) {
      runParts(incoming, res, respondParts, request, onError);
      return;
    }
    let result: Response | PromiseLike<Response>;
    try {
      result = handler(request);
    } catch (error) {
      fail(incoming, res, error, onError);
      return;
    }
    const send = (response: Response) => {
      // An untouched light response (serve's lightResponses) is written from its parts: reading its
      // headers below would build the real Response it saves.
      const light = lightResponseParts(response);
      if (light !== undefined) {
        try {
          writeHeadersAndBody(incoming, res, light.status, light.headers, light.body); // node drops a HEAD's body, keeps its length
        } catch (error) {
          fail(incoming, res, error, onError);
        }
        return;
      }
      // Duck-typed: undici's own Response class is not the global one.
      if (typeof response !== 'object' || response === null || typeof response.status !== 'number' || typeof response.headers !== 'object') {
        fail(incoming, res, new TypeError('the fetch handler did not answer with a Response'), onError);
        return;
      }
      const plain = incoming.method === 'HEAD' ? undefined : plainBody(response);
      if (plain === undefined) {
        writeResponse(incoming, res, response).catch((error) => fail(incoming, res, error, onError));
        return;
      }
      try {
        writeHeadersAndBody(incoming, res, response.status, plain.headers, plain.body);
      } catch (error) {
        fail(incoming, res, error, onError);
      }
    };
    // Whatever the handler returns is awaited: a promise of another realm or a thenable too.
    if (isThenable(result)) Promise.resolve(result).then(send, (error: unknown) => fail(incoming, res, error, onError));
    else send(result);
  };
}

/** A gatehouse handler's answer, as parts: written at once, without a Response. */
function runParts(
  incoming: IncomingMessage,
  res: ServerResponse,
  respondParts: PartsHandler,
  request: Request,
  onError: (error: unknown) => void,
): void {
  const write = (parts: ResponseParts) => {
    try {
      writeParts(incoming, res, parts);
    } catch (error) {
      fail(incoming, res, error, onError);
    }
  };
  let answer: ResponseParts | Promise<ResponseParts>;
  try {
    answer = respondParts(request);
  } catch (error) {
    fail(incoming, res, error, onError);
    return;
  }
  if (isThenable(answer)) answer.then(write, (error: unknown) => fail(incoming, res, error, onError));
  else write(answer);
}

function fail(incoming: IncomingMessage, res: ServerResponse, error: unknown, onError: (error: unknown) => void): void {
  notify(onError, error);
  if (res.headersSent) res.destroy();
  else sendText(incoming, res, 500, ERROR_BODY);
}

/** @internal A JSON error body (400, 500) written at once, never cached. */
export function sendText(incoming: IncomingMessage, res: ServerResponse, status: number, json: string): void {
  const flat = ['content-type', 'application/json', 'content-length', String(json.length), ...ERROR_HEADERS];
  res.writeHead(status, closeIfUnread(incoming, flat));
  res.end(json);
}

/**
 * Once a request body is left unread (a 413, a 405 on a POST), the connection cannot be reused
 * without reading the rest: close it instead of draining what a client may keep sending.
 * (A request without a body may not be `complete` yet while its handler runs synchronously.)
 */
function closeIfUnread(incoming: IncomingMessage, flat: string[]): string[] {
  if (!incoming.complete && announcesBody(incoming)) flat.push('connection', 'close');
  return flat;
}

function announcesBody(incoming: IncomingMessage): boolean {
  const { headers } = incoming;
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
}

/** @internal Parts (gatehouse's own answers): status, headers and body written at once. */
export function writeParts(incoming: IncomingMessage, res: ServerResponse, parts: ResponseParts): void {
  const flat: string[] = [];
  for (const [name, value] of parts.headers) flat.push(name, value);
  writeHeadersAndBody(incoming, res, parts.status, flat, parts.body);
}

/** Status, flat headers (without content-length) and a whole body, written at once. */
function writeHeadersAndBody(
  incoming: IncomingMessage,
  res: ServerResponse,
  status: number,
  flat: string[],
  body: string | Uint8Array | null,
): void {
  if (body !== null) flat.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
  res.writeHead(status, closeIfUnread(incoming, flat));
  res.end(body ?? undefined); // node drops the body of a HEAD response
}

/** @internal Write any other Response to `res`; resolves when done (or when the client has gone). */
export async function writeResponse(incoming: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const flat: string[] = [];
  let hasLength = false;
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue;
    if (name === 'content-length') hasLength = true;
    flat.push(name, value);
  }
  for (const cookie of response.headers.getSetCookie()) flat.push('set-cookie', cookie);
  closeIfUnread(incoming, flat);

  const body = response.body;
  if (body === null || incoming.method === 'HEAD') {
    if (body !== null) body.cancel().catch(() => {});
    res.writeHead(response.status, flat);
    res.end();
    return;
  }
  const reader = body.getReader();
  // The client left: stop producing the body.
  const onClose = () => void reader.cancel().catch(() => {});
  res.once('close', onClose);
  try {
    const first = await reader.read();
    if (first.done) {
      res.writeHead(response.status, flat);
      res.end();
      return;
    }
    const second = await reader.read();
    if (second.done) {
      // The usual case: one chunk, sent with its length.
      res.writeHead(response.status, hasLength ? flat : [...flat, 'content-length', String(first.value.byteLength)]);
      res.end(first.value);
      return;
    }
    res.writeHead(response.status, flat);
    let chunk: ReadableStreamReadResult<Uint8Array> = second;
    if (!res.write(first.value)) await drained(res);
    while (!chunk.done && !res.destroyed) {
      if (!res.write(chunk.value)) await drained(res);
      chunk = await reader.read();
    }
    res.end();
  } finally {
    res.off('close', onClose);
  }
}

/** Resolves when `res` can take more data, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Options of serve: where to listen and the limits for slow clients.
 *
 * @example
 * await serve(handler, { port: 0, host: '127.0.0.1', requestTimeout: 10_000 });
 */
export interface ServeOptions extends NodeListenerOptions {
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /**
   * Listen on this Unix domain socket instead of `host:port` (which must then not be given), e.g.
   * behind nginx's `proxy_pass http://unix:/run/gatehouse.sock`. Requests over it have the client
   * address `'unix'`: name it in the throttle's `trustedProxies` to read the proxy's X-Forwarded-For.
   */
  path?: string;
  /**
   * Milliseconds a client has to send the request headers; then the connection is cut (408).
   * Default 10 000 (node's own default is 60 s).
   */
  headersTimeout?: number;
  /**
   * Milliseconds a client has to send the whole request, body included: a body trickled byte by
   * byte, or headers followed by silence, is cut then (408). Default 30 000 (node's: 300 s).
   */
  requestTimeout?: number;
  /** Open connections at most; further ones are closed at once. Default 1024. */
  maxConnections?: number;
  /**
   * Open connections one client address (IPv6: one /64) may hold; further ones are closed at once,
   * so that one address cannot take all of `maxConnections`. Default: an eighth of maxConnections,
   * at least 16 (128 of the default 1024). Connections from `trustedProxies` and over a Unix socket
   * are not limited; set it to maxConnections to turn the limit off.
   */
  maxConnectionsPerAddress?: number;
  /**
   * Reverse proxies (addresses, CIDR ranges, `'unix'`) whose connections carry many clients: not
   * limited by maxConnectionsPerAddress. Default none. (The login throttle takes its own
   * `trustedProxies`, for X-Forwarded-For; give both the same list.)
   */
  trustedProxies?: readonly string[];
  /** Options for node:http's createServer (the three above win over the same ones here). */
  server?: ServerOptions;
  /**
   * Make `new Response(...)` a light response for the whole process (see installLightResponses): a
   * handler's string or byte answers are then written without building a ReadableStream. Default
   * true, as @hono/node-server does; `false` leaves the global Response alone (for code that hands
   * responses to undici internals that check its private brand; a Response already replaced by an
   * earlier serve() stays replaced).
   */
  lightResponses?: boolean;
}

/** serve()'s defaults for slow clients and connection counts. */
export const SERVE_DEFAULTS = Object.freeze({ headersTimeout: 10_000, requestTimeout: 30_000, maxConnections: 1024 });

function limitOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`serve: ${name} must be a positive integer`);
  }
  return value;
}

/**
 * What serve resolves with: the node:http server, its URL, and a graceful close.
 *
 * @example
 * const running = await serve(handler, { port: 0 });
 * console.log(running.url); // http://127.0.0.1:<port>
 * await running.close(5000);
 */
export interface RunningServer {
  readonly server: Server;
  /** e.g. `http://127.0.0.1:8000` (no trailing slash); on a Unix socket `http+unix://` and the path, percent-encoded. */
  readonly url: string;
  /** Stop accepting connections, let requests in flight finish (up to `graceMs`), then close. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serve a fetch handler on node:http. Resolves once listening.
 *
 * @example
 * import { serve } from 'gatehouse/node';
 * const { url } = await serve(createAuthHandler({ users, key }), { port: 8000 });
 */
export function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<RunningServer> {
  try {
    return listen(handler, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

function listen(handler: FetchHandler, options: ServeOptions): Promise<RunningServer> {
  if (options.lightResponses !== undefined && typeof options.lightResponses !== 'boolean') {
    throw new ConfigurationError('serve: lightResponses must be a boolean');
  }
  if (options.lightResponses !== false) installLightResponses();
  const given = options.server ?? {};
  const headersTimeout = limitOption(options.headersTimeout ?? given.headersTimeout, 'headersTimeout', SERVE_DEFAULTS.headersTimeout);
  const requestTimeout = limitOption(options.requestTimeout ?? given.requestTimeout, 'requestTimeout', SERVE_DEFAULTS.requestTimeout);
  const maxConnections = limitOption(options.maxConnections, 'maxConnections', SERVE_DEFAULTS.maxConnections);
  const perAddress = limitOption(options.maxConnectionsPerAddress, 'maxConnectionsPerAddress', defaultConnectionsPerAddress(maxConnections));
  const proxies = trustedProxies(options.trustedProxies ?? []);
  if (headersTimeout > requestTimeout) throw new ConfigurationError('serve: headersTimeout must not exceed requestTimeout');
  const { path } = options;
  if (path !== undefined) {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new ConfigurationError('serve: path must be a file path');
    if (options.port !== undefined || options.host !== undefined) throw new ConfigurationError('serve: path excludes port and host');
  }
  const server = createServer(
    {
      ...given,
      headersTimeout,
      requestTimeout,
      // node checks the two timeouts on this interval (default 30 s): often enough to honour them.
      connectionsCheckingInterval: given.connectionsCheckingInterval ?? Math.max(100, Math.min(1000, headersTimeout >> 2)),
    },
    createNodeListener(handler, options),
  );
  server.maxConnections = maxConnections;
  if (perAddress < maxConnections) limitConnectionsPerAddress(server, perAddress, proxies);
  const done = (resolve: (running: RunningServer) => void, reject: (error: unknown) => void) => () => {
    server.off('error', reject);
    resolve({ server, url: urlOf(server.address()), close: (graceMs = 5000) => closeServer(server, graceMs) });
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (path !== undefined) server.listen(path, done(resolve, reject));
    else server.listen(options.port ?? 8000, options.host ?? '127.0.0.1', done(resolve, reject));
  });
}

/** `http://127.0.0.1:8000`, `http://[::1]:8000`, or `http+unix://%2Frun%2Fgatehouse.sock` for a socket path. */
function urlOf(address: AddressInfo | string | null): string {
  if (typeof address === 'string' || address === null) return `http+unix://${encodeURIComponent(address ?? '')}`;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
