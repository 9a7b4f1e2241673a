/**
 * The node:crypto hashing platform (Node, Deno and Bun): one-shot `hash()`, scrypt, PBKDF2 and
 * argon2 on the libuv pool (Bun.password is platform/bun.ts), and @node-rs/argon2 where that
 * optional peer is installed (node-rs-argon2.ts). No static `node:` import here.
 * These hold a libuv thread each while they run: at most all but one thread run them at once
 * (libuv-slots.ts), so the app's own fs, dns and zlib work is never stuck behind logins.
 */
import { createSlots, libuvHashLimit, type Slots } from './libuv-slots.js';
import type { HashingPlatform, NativeArgon2Job } from './platform.js';
import { countNodeRsArgon2, nodeRsArgon2, type NodeRsArgon2 } from './node-rs-argon2.js';
import { plain, type NodeCrypto } from './node-crypto.js';
import type { NodeArgon2 } from './platform.js';
import { NOBLE_DIGESTS, subtlePbkdf2 } from './web-hashing.js';

/**
 * The hashing platform over a node:crypto module.
 *
 * @example
 * const hashing = createNodeHashing(process.getBuiltinModule('node:crypto'));
 */
export function createNodeHashing(
  node: NodeCrypto,
  libuvHashes: number = libuvHashLimit(),
  findNodeRsArgon2: () => NodeRsArgon2 | null = nodeRsArgon2,
): HashingPlatform {
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

    hasNativeArgon2: () => findNodeRsArgon2() !== null,

    nativeArgon2(job) {
      const native = findNodeRsArgon2();
      if (!native || !nodeRsTakes(job)) return null;
      return onLibuv(async () => {
        const options = {
          algorithm: job.typeCode,
          version: job.version === 0x13 ? (1 as const) : (0 as const),
          memoryCost: job.m,
          timeCost: job.t,
          parallelism: job.p,
          outputLen: job.dkLen,
          salt: job.salt,
          ...(job.secret.length ? { secret: job.secret } : {}),
        };
        const tag = plain(await native.hashRaw(job.password, options)).slice();
        if (tag.length !== job.dkLen) throw new Error('@node-rs/argon2 returned a tag of the wrong length');
        countNodeRsArgon2();
        return tag;
      });
    },
  };
}

/**
 * @node-rs/argon2 takes no associated data (X), at most 255 lanes; the memory bound keeps a
 * raised cap from reaching an allocation that would abort the process (the WebAssembly core then
 * answers as before); the byte bounds stay within what it was tested with.
 */
const NODE_RS_MAX_LANES = 255;
const NODE_RS_MAX_KIB = 1 << 20; // 1 GiB
const NODE_RS_MAX_INPUT_BYTES = 1024;

function nodeRsTakes(job: NativeArgon2Job): boolean {
  return (
    job.ad.length === 0 &&
    job.p <= NODE_RS_MAX_LANES &&
    job.m <= NODE_RS_MAX_KIB &&
    job.salt.length >= 8 &&
    job.salt.length <= NODE_RS_MAX_INPUT_BYTES &&
    job.secret.length <= NODE_RS_MAX_INPUT_BYTES &&
    job.password.length <= 0xffff
  );
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
