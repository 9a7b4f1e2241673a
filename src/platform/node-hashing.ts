/**
 * The node:crypto hashing platform (Node, Deno and Bun): one-shot `hash()`, scrypt, PBKDF2 and
 * argon2 on the libuv pool (Bun.password is platform/bun.ts). No static `node:` import here.
 * Those three hold a libuv thread each while they run: at most all but one thread run them at once
 * (libuv-slots.ts), so the app's own fs, dns and zlib work is never stuck behind logins.
 */
import { createSlots, libuvHashLimit, type Slots } from './libuv-slots.js';
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
export function createNodeHashing(node: NodeCrypto, libuvHashes: number = libuvHashLimit()): HashingPlatform {
  const hash = typeof node.hash === 'function' ? node.hash : undefined; // Node >= 20.12
  const argon2 = (node as { argon2?: unknown }).argon2;
  const onLibuv = createSlots(libuvHashes); // one per platform: scrypt, PBKDF2 and argon2 share it
  return {
    // node's hash() is about 4x faster than @noble/hashes on the short inputs of iterated schemes.
    digest: (name) => (hash ? (data) => hash(name, data, 'buffer') : NOBLE_DIGESTS[name]),

    scrypt: (password, salt, { N, r, p, dkLen, maxmem }) =>
      onLibuv(
        () =>
          new Promise<Uint8Array>((resolve, reject) => {
            node.scrypt(password, salt, dkLen, { N, r, p, maxmem }, (error, derived) => (error ? reject(error) : resolve(plain(derived))));
          }),
      ),

    // Web Crypto's deriveBits runs on libuv too.
    pbkdf2: (hash, password, salt, iterations, dkLen) => onLibuv(() => subtlePbkdf2(hash, password, salt, iterations, dkLen)),

    argon2: typeof argon2 === 'function' ? boundArgon2(argon2 as NodeArgon2, onLibuv) : null,
  };
}

/** node:crypto's argon2 with its callback API, taking a libuv slot while it runs. */
function boundArgon2(argon2: NodeArgon2, onLibuv: Slots): NodeArgon2 {
  return (algorithm, parameters, callback) => {
    void onLibuv(
      () =>
        new Promise<void>((release) => {
          try {
            argon2(algorithm, parameters, (error, derived) => {
              release();
              callback(error, derived);
            });
          } catch (error) {
            release(); // refused before any work (bad parameters): answered the same way
            callback(error as Error, undefined as never);
          }
        }),
    );
  };
}
