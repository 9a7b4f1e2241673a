/**
 * base64url (RFC 4648 section 5, no padding) and UTF-8 for JOSE segments, through the platform
 * (Buffer where node:crypto is used, src/internal/base64.ts elsewhere: the same strings). Decoding
 * is strict about the alphabet and length; like atob and Buffer it accepts non-zero trailing bits.
 */
import { isBase64Url } from '../internal/base64.js';
import { platform } from '../platform/runtime.js';

export { isBase64Url };

/** Decoded bytes, or null for anything that is not unpadded base64url. */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  return platform().decodeBase64Url(text);
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return platform().encodeBase64Url(bytes);
}

/** base64url of a string's UTF-8 bytes (a JOSE header or payload). */
export function base64UrlOfText(text: string): string {
  return platform().base64UrlOfText(text);
}

/** The JSON object a base64url segment holds, or null (bad base64url, bad UTF-8, bad JSON, not an object). */
export function decodeJsonObject(segment: string): Record<string, unknown> | null {
  const p = platform();
  const bytes = p.decodeBase64Url(segment);
  if (!bytes) return null;
  // Strict, as jose decodes JOSE JSON.
  const text = p.utf8DecodeStrict(bytes);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
