/**
 * The one base64 codec: big-endian 6-bit groups over a 64-character alphabet, with or without `=`
 * padding. base64 (RFC 4648 section 4), base64url (section 5) and the password formats' variants
 * (passlib's ab64, bcrypt's alphabet: src/passwords/encodings.ts) differ only in the alphabet.
 * Decoders return null for any invalid input; like atob and Buffer they accept non-zero trailing bits.
 */

/** RFC 4648 section 4. */
export const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** RFC 4648 section 5 (URL and filename safe). */
export const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const reverseTables = new Map<string, Int16Array>();
function reverseTable(alphabet: string): Int16Array {
  let table = reverseTables.get(alphabet);
  if (!table) {
    table = new Int16Array(128).fill(-1);
    for (let i = 0; i < 64; i++) table[alphabet.charCodeAt(i)] = i;
    reverseTables.set(alphabet, table);
  }
  return table;
}

/**
 * Encode with a 64-character alphabet, big-endian bit packing, optional `=` padding.
 *
 * @example
 * encodeBase64(new Uint8Array([0xfb, 0xff]), BASE64_ALPHABET, true); // '+/8='
 */
export function encodeBase64(bytes: Uint8Array, alphabet = BASE64_ALPHABET, pad = false): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[(n >>> 18) & 63]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[(n >>> 18) & 63]! + alphabet[(n >>> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[(n >>> 18) & 63]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/**
 * Decode a 64-character-alphabet string, big-endian. Padding is accepted only when `pad` is
 * 'allow' or 'require'. Returns null for characters outside the alphabet or an impossible length.
 *
 * @example
 * decodeBase64('+/8=', BASE64_ALPHABET, 'require'); // Uint8Array [0xfb, 0xff]
 */
export function decodeBase64(
  text: string,
  alphabet = BASE64_ALPHABET,
  pad: 'forbid' | 'allow' | 'require' = 'forbid',
): Uint8Array<ArrayBuffer> | null {
  let body = text;
  if (pad !== 'forbid') {
    const stripped = body.replace(/={1,2}$/, '');
    if (pad === 'require' && body.length % 4 !== 0) return null;
    body = stripped;
  }
  if (body.length % 4 === 1) return null;
  const table = reverseTable(alphabet);
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? table[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * True for a well-formed unpadded base64url string (JOSE segments).
 *
 * @example
 * isBase64Url('eyJhbGciOiJIUzI1NiJ9'); // true
 */
export function isBase64Url(text: string): boolean {
  return text.length % 4 !== 1 && BASE64URL.test(text);
}

/**
 * True when the unused low bits of the last character are zero: the one canonical spelling of
 * the bytes (otherwise up to four strings decode to the same bytes).
 *
 * @example
 * isCanonicalBase64Url('AQ'); // true; 'AR' decodes to the same byte and is not canonical
 */
export function isCanonicalBase64Url(text: string): boolean {
  if (!isBase64Url(text)) return false;
  const rest = text.length % 4;
  if (rest === 0) return true;
  const last = BASE64URL_ALPHABET.indexOf(text[text.length - 1]!);
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}
