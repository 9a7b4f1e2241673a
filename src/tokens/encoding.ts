import { nodeCrypto, nodeBuiltin } from '../runtime.js';

/**
 * base64url (RFC 4648 section 5, no padding) and UTF-8 for JOSE segments. Decoding is strict about the
 * alphabet and length (node's Buffer silently skips bad characters, so input is checked first);
 * like atob and Buffer it accepts non-zero trailing bits.
 */

type NodeBuffer = typeof import('node:buffer').Buffer;
let cachedBuffer: NodeBuffer | null | undefined;

/** node's Buffer where the node:crypto fast path is on (both follow setNodeCryptoForTesting). */
export function nodeBuffer(): NodeBuffer | null {
  if (!nodeCrypto()) return null;
  if (cachedBuffer === undefined) cachedBuffer = nodeBuiltin<typeof import('node:buffer')>('node:buffer')?.Buffer ?? null;
  return cachedBuffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** True for a well-formed unpadded base64url string. */
export function isBase64Url(text: string): boolean {
  return text.length % 4 !== 1 && B64URL.test(text);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const REVERSE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) REVERSE[ALPHABET.charCodeAt(i)] = i;

/** Decoded bytes, or null for anything that is not unpadded base64url. */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!isBase64Url(text)) return null;
  const Buf = nodeBuffer();
  if (Buf) return Buf.from(text, 'base64url') as Uint8Array<ArrayBuffer>; // pooled, never shared memory
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    value = (value << 6) | REVERSE[text.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (value >>> bits) & 0xff;
    }
  }
  return out;
}

export function encodeBase64Url(bytes: Uint8Array): string {
  const Buf = nodeBuffer();
  if (Buf) return Buf.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  if (bytes.length - i === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
  } else if (bytes.length - i === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** UTF-8 text, or null for invalid UTF-8 (jose decodes JOSE JSON the same strict way). */
export function strictUtf8(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

export function base64UrlOfText(text: string): string {
  const Buf = nodeBuffer();
  return Buf ? Buf.from(text, 'utf8').toString('base64url') : encodeBase64Url(utf8(text));
}

/** The JSON object a base64url segment holds, or null (bad base64url, bad UTF-8, bad JSON, not an object). */
export function decodeJsonObject(segment: string): Record<string, unknown> | null {
  const bytes = decodeBase64Url(segment);
  if (!bytes) return null;
  let text: string | null;
  const Buf = nodeBuffer();
  if (Buf) {
    // Lenient decoding marks every invalid sequence with U+FFFD: without one the bytes were valid
    // UTF-8, and only texts with one need the (slower) strict decoder to tell.
    const lenient: string = Buf.prototype.toString.call(bytes, 'utf8');
    text = lenient.includes('\uFFFD') ? strictUtf8(bytes) : lenient;
  } else {
    text = strictUtf8(bytes);
  }
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
