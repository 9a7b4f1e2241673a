/** Byte encodings used by password-hash formats. Decoders return null on any invalid input. */

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Constant-time comparison: time depends only on the lengths, never on where bytes differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Constant-time comparison of two ASCII strings (hash encodings). */
export function constantTimeEqualString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

// ---- hex ----

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// ---- base64 family (big-endian 6-bit groups, differing only in alphabet and padding) ----

export const B64_STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** passlib's "adapted base64": standard with `.` for `+`, no padding. */
export const B64_ADAPTED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./';
/** bcrypt's alphabet. */
export const B64_BCRYPT = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

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

/** Encode with a 64-character alphabet, big-endian bit packing, optional `=` padding. */
export function encodeBase64(bytes: Uint8Array, alphabet = B64_STANDARD, pad = false): string {
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
 * Non-zero trailing bits are tolerated (as in most hash implementations).
 */
export function decodeBase64(
  text: string,
  alphabet = B64_STANDARD,
  pad: 'forbid' | 'allow' | 'require' = 'forbid',
): Uint8Array | null {
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

// ---- crypt's hash64 (little-endian 6-bit groups, used by md5/sha-crypt and phpass) ----

export const HASH64_CRYPT = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Encode `bytes` little-endian into 6-bit groups (Drepper's / phpass's `encode64`). */
export function encodeHash64(bytes: Uint8Array, alphabet = HASH64_CRYPT): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    let v = bytes[i]!;
    const have = Math.min(3, bytes.length - i);
    if (have > 1) v |= bytes[i + 1]! << 8;
    if (have > 2) v |= bytes[i + 2]! << 16;
    const chars = have + 1;
    for (let k = 0; k < chars; k++) {
      out += alphabet[v & 63]!;
      v >>>= 6;
    }
  }
  return out;
}

// ---- small parsing helpers ----

/** A canonical decimal (no sign, no leading zeros) within [min, max], or null. */
export function parseDecimal(text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | null {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}
