/**
 * How the handler builds its answers: as plain parts (status, headers, body), turned into a real
 * `Response` only at the fetch boundary (createAuthHandler's function, auth.login, requireUser).
 * gatehouse/node writes the parts straight to the socket instead (see RESPOND_PARTS): on Node 20,
 * building a Response with a body (and so a ReadableStream) costs more than the whole
 * authentication of a request.
 */

/**
 * @internal Key of the non-enumerable function a gatehouse handler carries beside its fetch
 * signature: `(request) => parts | Promise<parts>`. Symbol.for, so that separately bundled entry
 * points (the ESM files, dist/node.cjs) agree.
 */
export const RESPOND_PARTS: unique symbol = Symbol.for('gatehouse.respond-parts') as never;

/** @internal A handler's answer without the Response: what an adapter can write directly. */
export type PartsHandler = (request: Request) => ResponseParts | Promise<ResponseParts>;

/** Header name/value pairs, names in lower case. */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** @internal What an answer is made of: status, headers (lower-case names) and the body. */
export class ResponseParts {
  constructor(
    readonly status: number,
    readonly headers: HeaderList,
    readonly body: string | Uint8Array | null,
  ) {}
}

/** @internal The real Response for `parts` (the fetch boundary). */
export function toResponse(parts: ResponseParts): Response {
  return new Response(parts.body as BodyInit | null, { status: parts.status, headers: parts.headers as Array<[string, string]> });
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
 * Options of jsonResponse.
 *
 * @example
 * const init: JsonResponseInit = { status: 201, headers: [['location', '/items/1']] };
 * return jsonResponse({ id: 1 }, init);
 */
export interface JsonResponseInit {
  /** Default 200. */
  status?: number;
  /** Headers added after `content-type` and `x-content-type-options`: name/value pairs, names in lower case. */
  headers?: ReadonlyArray<readonly [string, string]>;
}

/**
 * Compact JSON, `Content-Type: application/json` (no charset), like FastAPI's JSONResponse, with
 * `X-Content-Type-Options: nosniff`.
 *
 * @example
 * return jsonResponse({ ok: true }, { status: 201, headers: [['cache-control', 'no-store']] });
 */
export function jsonResponse(body: unknown, init: JsonResponseInit = {}): Response {
  return toResponse(jsonParts(JSON.stringify(body), init.status ?? 200, init.headers));
}

/** @internal A JSON body already serialized, as parts. */
export function jsonParts(json: string, status = 200, headers?: HeaderList): ResponseParts {
  return new ResponseParts(status, headers?.length ? [...JSON_HEADERS, ...headers] : JSON_HEADERS, json);
}

/** @internal `{"detail": ...}` with a status, the shape of every FastAPI HTTPException; never cached. */
export function detailParts(status: number, detail: string, headers?: HeaderList): ResponseParts {
  const all = headers?.length ? [...PRIVATE_JSON_HEADERS, ...headers] : PRIVATE_JSON_HEADERS;
  return new ResponseParts(status, all, JSON.stringify({ detail }));
}
