/**
 * Byte encodings used by password-hash formats. Decoders return null on any invalid input. The
 * generic helpers live in src/internal/ and are re-exported here under the names the schemes use.
 */
import { BASE64_ALPHABET } from '../internal/base64.js';

export {
  bytesToHex as toHex,
  constantTimeEqual,
  constantTimeEqualString,
  hexToBytesOrNull as fromHex,
  randomBytes,
  utf8Decode as fromUtf8,
  utf8Encode as utf8,
} from '../internal/bytes.js';
export { decodeBase64, encodeBase64 } from '../internal/base64.js';

// ---- base64 family: src/internal/base64.ts's codec; these alphabets are the hash formats' ----

/** RFC 4648's standard alphabet. */
export const B64_STANDARD = BASE64_ALPHABET;
/** passlib's "adapted base64": standard with `.` for `+`, no padding. */
export const B64_ADAPTED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./';
/** bcrypt's alphabet. */
export const B64_BCRYPT = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

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
