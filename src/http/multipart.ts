/**
 * multipart/form-data (RFC 7578) for small, fully read bodies: the login form. Only what a form
 * needs: each part's name, whether it is a file, and a text value. Anything malformed throws
 * MultipartError; the caller answers 400.
 */

export class MultipartError extends Error {}

/** A form value: text, or a file part (its content is not kept). */
export type FormValue = string | { readonly filename: string };

const CR = 13;
const LF = 10;
const DASH = 45;
const MAX_HEADER_BLOCK = 8 * 1024;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Text as Starlette decodes form parts: UTF-8, else Latin-1 (never throws). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

/** The parts of `body`, in order; `boundary` comes from the Content-Type parameter. */
export function parseMultipart(body: Uint8Array, boundary: string): Array<[string, FormValue]> {
  if (boundary.length === 0 || boundary.length > 200 || /[\r\n]/.test(boundary)) {
    throw new MultipartError('bad boundary');
  }
  const dashBoundary = new TextEncoder().encode(`--${boundary}`);
  const fields: Array<[string, FormValue]> = [];

  // The first delimiter may follow a preamble; later ones must start a line.
  let pos = startsWith(body, dashBoundary, 0) ? 0 : findDelimiter(body, dashBoundary, 0);
  if (pos < 0) throw new MultipartError('no boundary');
  pos += dashBoundary.length;
  for (;;) {
    if (body[pos] === DASH && body[pos + 1] === DASH) return fields; // close delimiter; epilogue ignored
    pos = skipLineEnd(body, pos);
    const headerEnd = indexOfBlankLine(body, pos);
    if (headerEnd < 0 || headerEnd - pos > MAX_HEADER_BLOCK) throw new MultipartError('part headers');
    const disposition = contentDisposition(decodeText(body.subarray(pos, headerEnd)));
    const dataStart = headerEnd + 4;
    const delimiter = findDelimiter(body, dashBoundary, dataStart - 2);
    if (delimiter < 0) throw new MultipartError('unterminated part');
    const data = body.subarray(dataStart, Math.max(dataStart, delimiter - 2));
    fields.push([
      disposition.name,
      disposition.filename === undefined ? decodeText(data) : { filename: disposition.filename },
    ]);
    pos = delimiter + dashBoundary.length;
  }
}

function startsWith(body: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (at + prefix.length > body.length) return false;
  for (let i = 0; i < prefix.length; i++) if (body[at + i] !== prefix[i]) return false;
  return true;
}

/** Index of the next "\r\n--boundary" at or after `from`, pointing at the "--". */
function findDelimiter(body: Uint8Array, dashBoundary: Uint8Array, from: number): number {
  for (let i = body.indexOf(CR, Math.max(0, from)); i >= 0; i = body.indexOf(CR, i + 1)) {
    if (body[i + 1] === LF && startsWith(body, dashBoundary, i + 2)) return i + 2;
  }
  return -1;
}

/** After a delimiter: optional spaces or tabs, then CRLF. */
function skipLineEnd(body: Uint8Array, pos: number): number {
  while (body[pos] === 32 || body[pos] === 9) pos++;
  if (body[pos] !== CR || body[pos + 1] !== LF) throw new MultipartError('delimiter line');
  return pos + 2;
}

/** Index of "\r\n\r\n" ending a header block that starts at `pos` (an empty block is "\r\n"). */
function indexOfBlankLine(body: Uint8Array, pos: number): number {
  if (body[pos] === CR && body[pos + 1] === LF) return pos - 2; // no headers at all
  for (let i = body.indexOf(CR, pos); i >= 0; i = body.indexOf(CR, i + 1)) {
    if (body[i + 1] === LF && body[i + 2] === CR && body[i + 3] === LF) return i;
  }
  return -1;
}

/** `Content-Disposition: form-data; name="..."[; filename="..."]` from a part's header block. */
function contentDisposition(block: string): { name: string; filename?: string } {
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const { type, params } = parseHeaderValue(line.slice(colon + 1));
    const name = params.get('name');
    if (type !== 'form-data' || name === undefined) break;
    const filename = params.get('filename') ?? params.get('filename*');
    return filename === undefined ? { name } : { name, filename };
  }
  throw new MultipartError('part without a form-data name');
}

/**
 * `type; key=value; key="quoted \"value\""` → the lower-cased type and its parameters
 * (lower-cased keys, first occurrence wins). Used for Content-Type and Content-Disposition.
 */
export function parseHeaderValue(value: string): { type: string; params: Map<string, string> } {
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const params = new Map<string, string>();
  let i = semi < 0 ? value.length : semi + 1;
  while (i < value.length) {
    const eq = value.indexOf('=', i);
    const nextSemi = value.indexOf(';', i);
    if (eq < 0 || (nextSemi >= 0 && nextSemi < eq)) {
      // A parameter without a value: skip it.
      i = nextSemi < 0 ? value.length : nextSemi + 1;
      continue;
    }
    const key = value.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    while (value[j] === ' ' || value[j] === '\t') j++;
    let param: string;
    if (value[j] === '"') {
      param = '';
      for (j++; j < value.length && value[j] !== '"'; j++) {
        if (value[j] === '\\' && j + 1 < value.length) j++;
        param += value[j];
      }
      const end = value.indexOf(';', j);
      i = end < 0 ? value.length : end + 1;
    } else {
      const end = value.indexOf(';', j);
      param = value.slice(j, end < 0 ? value.length : end).trim();
      i = end < 0 ? value.length : end + 1;
    }
    if (key && !params.has(key)) params.set(key, param);
  }
  return { type, params };
}
