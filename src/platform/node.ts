/**
 * The node:crypto platform (Node, Deno and Bun): synchronous HMAC on KeyObjects (far cheaper than
 * an async Web Crypto call), one-shot `hash()`, scrypt and argon2 on the libuv pool, Buffer's
 * base64url. Built from the module runtime.ts found at run time: no static `node:` import here.
 */
import { isBase64Url } from '../internal/base64.js';
import { utf8DecodeStrict } from '../internal/bytes.js';
import type { Platform } from './platform.js';
import type { NodeArgon2 } from './runtime.js';
import { NOBLE_DIGESTS, subtlePbkdf2 } from './web.js';

type NodeCrypto = typeof import('node:crypto');
type NodeBuffer = typeof import('node:buffer').Buffer;

/** A plain Uint8Array over a Buffer's bytes: Buffer's methods differ (slice, equals). */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Bun's native password hashing (`Bun.password`), or null elsewhere. */
function bunPassword(): { verify(password: Uint8Array, hash: string): Promise<boolean> } | null {
  const password = (globalThis as { Bun?: { password?: { verify?: unknown } } }).Bun?.password;
  return typeof password?.verify === 'function' ? (password as { verify(p: Uint8Array, h: string): Promise<boolean> }) : null;
}

/**
 * The platform over a node:crypto module and Buffer.
 *
 * @example
 * const node = createNodePlatform(process.getBuiltinModule('node:crypto'), process.getBuiltinModule('node:buffer').Buffer);
 */
export function createNodePlatform(node: NodeCrypto, Buf: NodeBuffer): Platform {
  const hash = typeof node.hash === 'function' ? node.hash : undefined; // Node >= 20.12
  const argon2 = (node as { argon2?: unknown }).argon2;
  const bun = bunPassword();
  return {
    name: 'node',

    async hmacSigner(secret) {
      const keyObject = node.createSecretKey(secret);
      return (name, input) => node.createHmac(name, keyObject).update(input, 'latin1').digest('base64url');
    },

    hmacSha256: (key, data) => plain(node.createHmac('sha256', key).update(data).digest()),

    // node's hash() is about 4x faster than @noble/hashes on the short inputs of iterated schemes.
    digest: (name) => (hash ? (data) => hash(name, data, 'buffer') : NOBLE_DIGESTS[name]),

    scrypt: (password, salt, { N, r, p, dkLen, maxmem }) =>
      new Promise<Uint8Array>((resolve, reject) => {
        node.scrypt(password, salt, dkLen, { N, r, p, maxmem }, (error, derived) => (error ? reject(error) : resolve(plain(derived))));
      }),

    pbkdf2: subtlePbkdf2,

    argon2: typeof argon2 === 'function' ? (argon2 as NodeArgon2) : null,
    verifyPhc: bun ? (password, phc) => bun.verify(password, phc) : null,

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
