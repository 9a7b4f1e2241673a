/**
 * Byte helpers shared by every module: UTF-8 in both directions (named for the direction), hex,
 * constant-time comparison, concatenation and random bytes. Where @noble/hashes already has the
 * helper it is re-exported rather than written again.
 */
export { bytesToHex, concatBytes, hexToBytes, randomBytes } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();
const lenientDecoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does).
 *
 * @example
 * utf8Encode('é'); // Uint8Array [0xc3, 0xa9]
 */
export function utf8Encode(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/**
 * UTF-8 bytes as text; invalid sequences become U+FFFD (for formats that store text loosely).
 *
 * @example
 * utf8Decode(new Uint8Array([0x68, 0x69])); // 'hi'
 */
export function utf8Decode(bytes: Uint8Array): string {
  return lenientDecoder.decode(bytes);
}

/**
 * UTF-8 bytes as text, or null when they are not valid UTF-8 (JOSE JSON, form fields).
 *
 * @example
 * utf8DecodeStrict(new Uint8Array([0xff])); // null
 */
export function utf8DecodeStrict(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Constant-time comparison: the time depends only on the lengths, never on where bytes differ.
 *
 * @example
 * constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])); // true
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Constant-time comparison of two strings of code units (hash encodings, base64url tags).
 *
 * @example
 * constantTimeEqualString('abc', 'abd'); // false
 */
export function constantTimeEqualString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Lower-case hex as bytes, or null for odd lengths and non-hex characters (no exception:
 * callers parse untrusted hash strings).
 *
 * @example
 * hexToBytesOrNull('0aff'); // Uint8Array [10, 255]
 */
export function hexToBytesOrNull(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
