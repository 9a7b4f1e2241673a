/** Random text for salts and unusable-password markers (the bytes come from ./bytes.ts: Web Crypto). */
import { randomBytes } from './bytes.js';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** n random alphanumerics without modulo bias (248 = 4 * 62): Django's get_random_string, Werkzeug's gen_salt. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62]!;
    }
  }
  return out;
}

/** A random (version 4) UUID in its usual text form, from Web Crypto's bytes (Python's str(uuid4())). */
export function randomUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
