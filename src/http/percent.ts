/**
 * The one %-decoder: request paths (as Starlette routes on them) and urlencoded form fields.
 * %XX becomes the byte XX, a malformed escape stays as written, and the bytes read as UTF-8 (bad
 * sequences become U+FFFD).
 */

const PLUS = 43;
const PERCENT = 37;
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** `bytes[start, end)` %-decoded; with `plusIsSpace` (forms), '+' is a space. */
export function percentDecodeBytes(bytes: Uint8Array, start: number, end: number, plusIsSpace: boolean): string {
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === PLUS && plusIsSpace) {
      out[n++] = 32;
    } else if (byte === PERCENT && i + 2 < end && isHex(bytes[i + 1]!) && isHex(bytes[i + 2]!)) {
      out[n++] = (hexValue(bytes[i + 1]!) << 4) | hexValue(bytes[i + 2]!);
      i += 2;
    } else {
      out[n++] = byte;
    }
  }
  return utf8Decoder.decode(out.subarray(0, n));
}

/** A URL path %-decoded ('+' stays '+'); without a '%' it is returned as it is. */
export function percentDecodePath(path: string): string {
  if (!path.includes('%')) return path;
  const bytes = utf8Encoder.encode(path);
  return percentDecodeBytes(bytes, 0, bytes.length, false);
}

function isHex(byte: number): boolean {
  return (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102);
}

function hexValue(byte: number): number {
  return byte <= 57 ? byte - 48 : (byte | 32) - 87;
}
