/** Reading a request body without ever holding more than a fixed number of bytes. */

/**
 * The largest login form the handler reads (a real one is well under 1 KiB).
 *
 * @example
 * createAuthHandler({ users, key, maxBodyBytes: DEFAULT_MAX_BODY_BYTES / 4 });
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * @internal Key of an adapter's own body reader on the Requests it makes (gatehouse/node reads
 * the IncomingMessage directly, without building undici's Request and its stream):
 * `(limit) => Promise<Uint8Array | null>`, same answers as readBodyLimited, or undefined when it
 * cannot (the body was already handed out). Symbol.for, so that separately bundled entry points agree.
 */
export const READ_BODY_LIMITED: unique symbol = Symbol.for('gatehouse.read-body-limited') as never;

type BodyReader = (limit: number) => Promise<Uint8Array | null> | undefined;

/** The body of `request`, or null when it is (or announces itself as) longer than `limit`. */
export async function readBodyLimited(request: Request, limit: number): Promise<Uint8Array | null> {
  if (declaredLength(request) > limit) return null;
  const own = (request as unknown as { [READ_BODY_LIMITED]?: BodyReader })[READ_BODY_LIMITED];
  const read = typeof own === 'function' ? own.call(request, limit) : undefined;
  if (read !== undefined) return read;
  const stream = request.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      // Stop the sender's stream; what was read is dropped.
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Content-Length as a number (0 when absent or not a plain decimal: the byte count still applies). */
function declaredLength(request: Request): number {
  const value = request.headers.get('content-length');
  if (value === null || !/^\d+$/.test(value)) return 0;
  return value.length > 15 ? Infinity : Number(value);
}
