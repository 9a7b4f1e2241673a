/**
 * How the handler builds its answers.
 *
 * Every answer is a real `Response`, except for one opt-in fast path: an adapter that can write
 * status, headers and body itself (gatehouse's Node adapter) marks the Requests it builds with
 * ACCEPTS_LIGHT_RESPONSE. For those, the handler returns a LightResponse: an object that is
 * `instanceof Response` and turns into a real one on first use, but whose parts the adapter reads
 * directly. On Node 20, building a Response with a body (and so a ReadableStream) costs more than
 * the whole authentication of a request; Workers, Deno and Bun never see a LightResponse.
 */

/** Set (to true) on a Request by an adapter that can take a LightResponse. */
export const ACCEPTS_LIGHT_RESPONSE: unique symbol = Symbol.for('gatehouse.accepts-light-response') as never;

/** Key of a LightResponse's parts. Symbol.for so that separately bundled entry points agree. */
const PARTS: unique symbol = Symbol.for('gatehouse.light-response-parts') as never;

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** What an adapter writes: status, headers (lower-case names) and the body. */
export interface ResponseParts {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: string | Uint8Array | null;
}

/** The parts of a LightResponse, or undefined for any other Response. */
export function lightResponseParts(response: Response): ResponseParts | undefined {
  return (response as { [PARTS]?: ResponseParts })[PARTS];
}

const REAL: unique symbol = Symbol('real');

interface LightResponse {
  [PARTS]: ResponseParts;
  [REAL]?: Response;
}

function real(self: LightResponse): Response {
  if (!self[REAL]) {
    const { status, headers, body } = self[PARTS];
    self[REAL] = new Response(body as BodyInit | null, { status, headers: headers as Array<[string, string]> });
  }
  return self[REAL];
}

let lightPrototype: object | undefined;

/** Every Response member, forwarded to the real Response made on first use. */
function makeLightPrototype(): object {
  const proto = Object.create(Response.prototype) as Record<PropertyKey, unknown>;
  const getters = ['type', 'url', 'redirected', 'ok', 'statusText', 'headers', 'body', 'bodyUsed'];
  for (const name of getters) {
    Object.defineProperty(proto, name, {
      get(this: LightResponse) {
        return (real(this) as unknown as Record<string, unknown>)[name];
      },
    });
  }
  Object.defineProperty(proto, 'status', {
    get(this: LightResponse) {
      return this[PARTS].status;
    },
  });
  for (const name of ['arrayBuffer', 'blob', 'bytes', 'clone', 'formData', 'json', 'text']) {
    Object.defineProperty(proto, name, {
      value(this: LightResponse, ...args: unknown[]) {
        const response = real(this) as unknown as Record<string, (...a: unknown[]) => unknown>;
        return response[name]!(...args);
      },
    });
  }
  return proto;
}

/** A Response for `request`: light when its adapter asked for it, else a real one. */
export function respond(
  request: Request | undefined,
  status: number,
  headers: HeaderList,
  body: string | Uint8Array | null,
): Response {
  if (request !== undefined && (request as { [ACCEPTS_LIGHT_RESPONSE]?: boolean })[ACCEPTS_LIGHT_RESPONSE] === true) {
    lightPrototype ??= makeLightPrototype();
    const light = Object.create(lightPrototype) as LightResponse;
    light[PARTS] = { status, headers, body };
    return light as unknown as Response;
  }
  return new Response(body as BodyInit | null, { status, headers: headers as Array<[string, string]> });
}

/** On every answer: browsers must not guess another type than the one sent. */
export const NOSNIFF = ['x-content-type-options', 'nosniff'] as const;
/** Answers that are about one user or request (errors, /users/me/) must not be stored by caches. */
export const NO_STORE = ['cache-control', 'no-store'] as const;

const JSON_HEADERS: HeaderList = [['content-type', 'application/json'], NOSNIFF];
/** A JSON answer no cache may keep: errors, the user's own data. */
export const PRIVATE_JSON_HEADERS: HeaderList = [...JSON_HEADERS, NO_STORE];
/** RFC 6749 5.1: a response that carries a token is never stored (Pragma for HTTP/1.0 caches). */
export const TOKEN_HEADERS: HeaderList = [...PRIVATE_JSON_HEADERS, ['pragma', 'no-cache']];

/**
 * Compact JSON, `Content-Type: application/json` (no charset), like FastAPI's JSONResponse, with
 * `X-Content-Type-Options: nosniff`.
 *
 * @example
 * return jsonResponse({ ok: true }, { status: 201 });
 */
export function jsonResponse(
  body: unknown,
  init: { status?: number; headers?: HeaderList; request?: Request } = {},
): Response {
  return jsonTextResponse(JSON.stringify(body), init);
}

/** jsonResponse for a body already serialized. */
export function jsonTextResponse(
  json: string,
  init: { status?: number; headers?: HeaderList; request?: Request } = {},
): Response {
  const headers = init.headers?.length ? [...JSON_HEADERS, ...init.headers] : JSON_HEADERS;
  return respond(init.request, init.status ?? 200, headers, json);
}

/** `{"detail": ...}` with a status, the shape of every FastAPI HTTPException; never cached. */
export function detailResponse(
  request: Request | undefined,
  status: number,
  detail: string,
  headers?: HeaderList,
): Response {
  const all = headers?.length ? [...PRIVATE_JSON_HEADERS, ...headers] : PRIVATE_JSON_HEADERS;
  return respond(request, status, all, JSON.stringify({ detail }));
}
