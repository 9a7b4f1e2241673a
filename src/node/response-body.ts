/**
 * A Response's headers and whole body without its ReadableStream, where undici allows it: a
 * `new Response(string | bytes)` keeps that source in its internal state, and reading it there
 * (instead of through the stream) saves most of what writing a small answer costs on Node 20.
 * Every step checks the internal shape it relies on; anything unexpected (another undici, a
 * streamed or already read body, a Response look-alike) returns undefined and the caller streams.
 */

interface UndiciBody {
  stream?: { locked?: unknown };
  source?: unknown;
}

interface UndiciState {
  body?: UndiciBody | null;
  headersList?: { cookies?: unknown } & Record<symbol, unknown>;
}

let stateKey: symbol | undefined;
let headersMapKey: symbol | undefined;

function findSymbol(target: object, description: string): symbol | undefined {
  for (const key of Object.getOwnPropertySymbols(target)) if (key.description === description) return key;
  return undefined;
}

function stateOf(response: Response): UndiciState | undefined {
  stateKey ??= findSymbol(response, 'state');
  const state = stateKey === undefined ? undefined : (response as unknown as Record<symbol, unknown>)[stateKey];
  return typeof state === 'object' && state !== null ? (state as UndiciState) : undefined;
}

/** The headers as name/value pairs (content-length left out: the writer sets it), or undefined. */
function flatHeaders(state: UndiciState): string[] | undefined {
  const list = state.headersList;
  if (typeof list !== 'object' || list === null) return undefined;
  headersMapKey ??= findSymbol(list, 'headers map');
  const map = headersMapKey === undefined ? undefined : list[headersMapKey];
  if (!(map instanceof Map)) return undefined;
  const flat: string[] = [];
  for (const [name, entry] of map as Map<unknown, { value?: unknown }>) {
    const value = entry?.value;
    if (typeof name !== 'string' || typeof value !== 'string') return undefined;
    if (name === 'content-length' || name === 'set-cookie') continue;
    flat.push(name, value);
  }
  if (map.has('set-cookie')) {
    // undici keeps each Set-Cookie apart (the map has them joined, which no client could read).
    const { cookies } = list;
    if (!Array.isArray(cookies)) return undefined;
    for (const cookie of cookies) {
      if (typeof cookie !== 'string') return undefined;
      flat.push('set-cookie', cookie);
    }
  }
  return flat;
}

/** The Response's headers and whole body (null: none), or undefined when it has to be streamed. */
export function plainBody(response: Response): { headers: string[]; body: string | Uint8Array | null } | undefined {
  const state = stateOf(response);
  if (state === undefined || !('body' in state)) return undefined;
  const { body } = state;
  let content: string | Uint8Array | null = null;
  if (body !== null) {
    if (typeof body !== 'object' || body === undefined) return undefined;
    const { source } = body;
    if (typeof source !== 'string' && !(source instanceof Uint8Array)) return undefined;
    // Read (or being read) through its stream: what is left is no longer the source.
    if (body.stream?.locked !== false || response.bodyUsed) return undefined;
    content = source;
  }
  const headers = flatHeaders(state);
  return headers === undefined ? undefined : { headers, body: content };
}
