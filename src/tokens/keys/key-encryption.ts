/**
 * Private signing keys at rest: AES-256-GCM under a key derived (HKDF-SHA-256) from the
 * key-encryption secret, with the row's kid, algorithm and public key as additional data, so that a
 * ciphertext moved to another row, or a row whose public key was swapped, does not decrypt.
 *
 * Each ciphertext also carries the first 8 bytes of another HKDF output of the secret (never the
 * secret, never the AES key): a different secret is then told apart from a tampered row.
 */
import { constantTimeEqualString, randomBytes, utf8Encode } from '../../internal/bytes.js';
import { decodeBase64Url, encodeBase64Url } from '../encoding.js';
import { KeyRingError } from './ring-errors.js';

/** Shortest key-encryption secret accepted, in bytes (a `gatehouse secret` is 64). */
export const MIN_KEY_SECRET_BYTES = 32;
const FORMAT = 'gh1';
const IV_BYTES = 12;

/** Encrypts and decrypts private keys under one secret. */
export interface KeyEncryption {
  encrypt(plaintext: string, additionalData: string): Promise<string>;
  decrypt(sealed: string, additionalData: string): Promise<string>;
}

async function hkdf(secret: Uint8Array<ArrayBuffer>, info: string, bits: number): Promise<ArrayBuffer> {
  const base = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveBits']);
  return crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8Encode('gatehouse key ring'), info: utf8Encode(info) },
    base,
    bits,
  );
}

/** The encryption for a secret; KeyRingError 'secret' when it is missing or too short. */
export async function createKeyEncryption(secret: string | Uint8Array): Promise<KeyEncryption> {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw new KeyRingError('secret', 'the key-encryption secret must be a string or bytes');
  }
  const bytes = typeof secret === 'string' ? utf8Encode(secret) : new Uint8Array(secret);
  if (bytes.length < MIN_KEY_SECRET_BYTES) {
    throw new KeyRingError(
      'secret',
      `the key-encryption secret must have at least ${MIN_KEY_SECRET_BYTES} bytes: make one with \`npx gatehouse secret\``,
    );
  }
  let key: CryptoKey;
  let secretId: string;
  try {
    const raw = new Uint8Array(await hkdf(bytes, 'aes-256-gcm', 256));
    key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    raw.fill(0);
    secretId = encodeBase64Url(new Uint8Array(await hkdf(bytes, 'secret id', 64)));
  } finally {
    bytes.fill(0);
  }
  return {
    async encrypt(plaintext, additionalData) {
      const iv = randomBytes(IV_BYTES);
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: utf8Encode(additionalData) },
        key,
        utf8Encode(plaintext),
      );
      return `${FORMAT}.${secretId}.${encodeBase64Url(iv)}.${encodeBase64Url(new Uint8Array(sealed))}`;
    },
    async decrypt(sealed, additionalData) {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      const iv = parts.length === 4 && parts[0] === FORMAT ? decodeBase64Url(parts[2]!) : null;
      const body = iv && iv.length === IV_BYTES ? decodeBase64Url(parts[3]!) : null;
      if (!body) throw new KeyRingError('tampered', 'a stored private key is malformed');
      if (!constantTimeEqualString(parts[1]!, secretId)) {
        throw new KeyRingError('wrong-secret', 'the stored private keys were encrypted under another key-encryption secret');
      }
      let plain: ArrayBuffer;
      try {
        plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv!, additionalData: utf8Encode(additionalData) }, key, body);
      } catch (cause) {
        throw new KeyRingError('tampered', 'a stored private key does not decrypt: its row was altered', { cause });
      }
      return new TextDecoder().decode(plain);
    },
  };
}
