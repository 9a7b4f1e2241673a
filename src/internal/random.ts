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
