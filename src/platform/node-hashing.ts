/**
 * The node:crypto hashing platform (Node, Deno and Bun): one-shot `hash()`, scrypt and argon2 on
 * the libuv pool (Bun.password is platform/bun.ts). No static `node:` import here.
 */
import type { HashingPlatform } from './platform.js';
import { plain, type NodeCrypto } from './node-crypto.js';
import type { NodeArgon2 } from './platform.js';
import { NOBLE_DIGESTS, subtlePbkdf2 } from './web-hashing.js';

/**
 * The hashing platform over a node:crypto module.
 *
 * @example
 * const hashing = createNodeHashing(process.getBuiltinModule('node:crypto'));
 */
export function createNodeHashing(node: NodeCrypto): HashingPlatform {
  const hash = typeof node.hash === 'function' ? node.hash : undefined; // Node >= 20.12
  const argon2 = (node as { argon2?: unknown }).argon2;
  return {
    // node's hash() is about 4x faster than @noble/hashes on the short inputs of iterated schemes.
    digest: (name) => (hash ? (data) => hash(name, data, 'buffer') : NOBLE_DIGESTS[name]),

    scrypt: (password, salt, { N, r, p, dkLen, maxmem }) =>
      new Promise<Uint8Array>((resolve, reject) => {
        node.scrypt(password, salt, dkLen, { N, r, p, maxmem }, (error, derived) => (error ? reject(error) : resolve(plain(derived))));
      }),

    pbkdf2: subtlePbkdf2,

    argon2: typeof argon2 === 'function' ? (argon2 as NodeArgon2) : null,
  };
}
