/**
 * The node:crypto platform of tokens (Node, Deno and Bun): synchronous HMAC on KeyObjects (far
 * cheaper than an async Web Crypto call), Buffer's base64url and UTF-8. Built from the modules
 * runtime.ts found at run time: no static `node:` import here.
 */
import { isBase64Url } from '../internal/base64.js';
import { utf8DecodeStrict } from '../internal/bytes.js';
import type { Platform } from './platform.js';

export type NodeCrypto = typeof import('node:crypto');
type NodeBuffer = typeof import('node:buffer').Buffer;

/** A plain Uint8Array over a Buffer's bytes: Buffer's methods differ (slice, equals). */
export function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The platform over a node:crypto module and Buffer.
 *
 * @example
 * const node = createNodePlatform(process.getBuiltinModule('node:crypto'), process.getBuiltinModule('node:buffer').Buffer);
 */
export function createNodePlatform(node: NodeCrypto, Buf: NodeBuffer): Platform {
  return {
    name: 'node',

    async hmacSigner(secret) {
      const keyObject = node.createSecretKey(secret);
      return (name, input) => node.createHmac(name, keyObject).update(input, 'latin1').digest('base64url');
    },

    hmacSha256Base64: (key, data) => node.createHmac('sha256', key).update(data).digest('base64'),

    encodeBase64Url: (bytes) => Buf.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url'),
    // Buffer skips characters outside the alphabet silently: the text is checked first. Pooled
    // memory, never shared.
    decodeBase64Url: (text) => (isBase64Url(text) ? (Buf.from(text, 'base64url') as Uint8Array<ArrayBuffer>) : null),
    base64UrlOfText: (text) => Buf.from(text, 'utf8').toString('base64url'),
    utf8DecodeStrict(bytes) {
      // Lenient decoding marks every invalid sequence with U+FFFD: without one the bytes were valid
      // UTF-8, and only texts with one need the (slower) strict decoder to tell.
      const lenient: string = Buf.prototype.toString.call(bytes, 'utf8');
      return lenient.includes('\uFFFD') ? utf8DecodeStrict(bytes) : lenient;
    },
  };
}
