/**
 * A cheaper `Response` for handlers served by gatehouse/node (what `serve()` installs unless given
 * `lightResponses: false`; or `installLightResponses()`). On Node 20, `new Response(json)` builds a ReadableStream that
 * the adapter then has to read back; this class only keeps its body and init. It is `instanceof
 * Response`, and the first use of anything but `status` builds the real undici Response and forwards to
 * it, so handlers that read or change a response see no difference. The adapter writes an untouched
 * light response with a string, bytes or no body straight from its parts.
 *
 * It replaces the global `Response` for the whole process, as @hono/node-server does by default: code
 * that checks undici's internal brand (passing a response to undici's own `cache.put`, for instance)
 * would refuse a light one that was never used, hence `serve(handler, { lightResponses: false })`.
 */
const PARTS: unique symbol = Symbol('gatehouse.light-response');
const REAL: unique symbol = Symbol('gatehouse.light-response.real');

interface LightParts {
  readonly body: unknown;
  readonly init: ResponseInit | undefined;
}

interface LightResponse {
  [PARTS]: LightParts;
  [REAL]?: Response;
}

let NativeResponse: typeof Response | undefined;
let LightResponseClass: typeof Response | undefined;

function realOf(self: LightResponse): Response {
  if (!self[REAL]) self[REAL] = new NativeResponse!(self[PARTS].body as BodyInit | null, self[PARTS].init);
  return self[REAL];
}

function makeLightResponseClass(Native: typeof Response): typeof Response {
  function Light(this: LightResponse, body?: unknown, init?: ResponseInit) {
    if (!new.target) throw new TypeError("Class constructor Response cannot be invoked without 'new'");
    this[PARTS] = { body: body ?? null, init };
  }
  Light.prototype = Object.create(Native.prototype) as object;
  Object.defineProperty(Light.prototype, 'constructor', { value: Light, writable: true, configurable: true });
  for (const name of Object.getOwnPropertyNames(Native.prototype)) {
    if (name === 'constructor') continue;
    const descriptor = Object.getOwnPropertyDescriptor(Native.prototype, name)!;
    if (typeof descriptor.value === 'function') {
      const method = descriptor.value as (...args: unknown[]) => unknown;
      Object.defineProperty(Light.prototype, name, {
        value(this: LightResponse, ...args: unknown[]) {
          return method.apply(realOf(this), args);
        },
        writable: true,
        configurable: true,
      });
    } else if (descriptor.get) {
      const get = descriptor.get;
      Object.defineProperty(Light.prototype, name, {
        get(this: LightResponse) {
          // The status is read on every response by the adapter: no real Response for it.
          if (name === 'status' && !this[REAL]) return this[PARTS].init?.status ?? 200;
          return get.call(realOf(this));
        },
        configurable: true,
      });
    }
  }
  // Response.json(), Response.redirect(), Response.error() make real responses.
  for (const name of ['json', 'redirect', 'error'] as const) {
    const make = (Native as unknown as Record<string, unknown>)[name];
    if (typeof make === 'function') Object.defineProperty(Light, name, { value: make.bind(Native), writable: true, configurable: true });
  }
  Object.setPrototypeOf(Light, Native);
  return Light as unknown as typeof Response;
}

/**
 * Make `new Response(...)` a light response for this process (idempotent). serve's `lightResponses`
 * option calls it.
 *
 * @example
 * import { installLightResponses, serve } from 'gatehouse/node';
 * installLightResponses();
 * await serve(() => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }));
 */
export function installLightResponses(): void {
  const global = globalThis as { Response?: typeof Response };
  if (LightResponseClass && global.Response === LightResponseClass) return;
  if (typeof global.Response !== 'function') return;
  NativeResponse = global.Response;
  LightResponseClass = makeLightResponseClass(NativeResponse);
  global.Response = LightResponseClass;
}

/** Headers given in a ResponseInit, flattened (lower-case names), or undefined for a shape not handled here. */
function flatInitHeaders(headers: HeadersInit | undefined): string[] | undefined {
  const flat: string[] = [];
  if (headers === undefined) return flat;
  if (Array.isArray(headers)) {
    for (const pair of headers as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return undefined;
      flat.push(pair[0].toLowerCase(), pair[1]);
    }
  } else if (typeof headers === 'object' && headers !== null && Object.getPrototypeOf(headers) === Object.prototype) {
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      if (typeof value !== 'string') return undefined;
      flat.push(name.toLowerCase(), value);
    }
  } else {
    return undefined; // a Headers object or anything else: the real Response reads it
  }
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    // Validation and these headers' special rules are undici's: leave them to the real Response.
    if (name === 'content-length' || name === 'set-cookie' || !/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name) || /[\r\n\0]/.test(flat[i + 1]!)) {
      return undefined;
    }
  }
  return flat;
}

/**
 * @internal The status, headers and body of a light response that nothing has used yet, with a string,
 * bytes or no body; undefined for any other response (the adapter then reads it as a real one).
 */
export function lightResponseParts(response: Response): { status: number; headers: string[]; body: string | Uint8Array | null } | undefined {
  const self = response as unknown as Partial<LightResponse>;
  const parts = LightResponseClass && response instanceof LightResponseClass ? self[PARTS] : undefined;
  if (!parts || self[REAL]) return undefined;
  const { body, init } = parts;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return undefined;
  const status = init?.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599 || (init?.statusText !== undefined)) return undefined;
  if (body !== null && (status === 204 || status === 205 || status === 304)) return undefined;
  const headers = flatInitHeaders(init?.headers);
  if (!headers) return undefined;
  let typed = false;
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'content-type') typed = true;
  // What undici adds for a string body without a type.
  if (typeof body === 'string' && !typed) headers.push('content-type', 'text/plain;charset=UTF-8');
  return { status, headers, body };
}
