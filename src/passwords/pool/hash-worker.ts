/**
 * The hashing pool's worker (hashing-pool.ts): runs one job at a time on this thread's own event
 * loop, and answers with the result or the error's name and message.
 * Built as its own entry (dist/hash-worker.js and .cjs) so that the pool finds it beside itself.
 */
import { argon2Derive, type Argon2Params } from '../kdf/argon2.js';
import { bcryptDigest } from '../kdf/bcrypt.js';
import { phpassDigest } from '../kdf/phpass.js';
import { shaCryptDigest, type ShaCryptDigestName } from '../kdf/sha-crypt.js';
import { nodeBuiltin, nodeCrypto } from '../../platform/runtime.js';
import type { HashingJobKind } from './hashing-pool.js';
import { plain } from '../../platform/node-crypto.js';
import type { Pbkdf2Hash, ScryptJob } from '../../platform/platform.js';

type Handler = (...args: never[]) => Promise<Uint8Array>;

const NODE_DIGESTS: Record<Pbkdf2Hash, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

/** node:crypto in this worker; its synchronous KDFs hash on this thread, not on libuv's pool. */
function syncCrypto(): NonNullable<ReturnType<typeof nodeCrypto>> {
  const node = nodeCrypto();
  if (!node) throw new Error('node:crypto is not available in this worker');
  return node;
}

const HANDLERS: Record<HashingJobKind, Handler> = {
  argon2: (password: Uint8Array, salt: Uint8Array, params: Argon2Params) => argon2Derive(password, salt, params, { inWorker: true }),
  bcrypt: (key: Uint8Array, salt: Uint8Array, cost: number) => bcryptDigest(key, salt, cost, { inWorker: true }),
  'sha-crypt': (name: ShaCryptDigestName, password: Uint8Array, salt: Uint8Array, rounds: number) =>
    shaCryptDigest(name, password, salt, rounds, { inWorker: true }),
  phpass: (password: Uint8Array, salt: Uint8Array, log2: number) => phpassDigest(password, salt, log2, { inWorker: true }),
  // Parameters checked by the caller (kdf/scrypt.ts, kdf/pbkdf2.ts). slice(): exactly the key's bytes
  // (a Buffer may sit in a larger pooled ArrayBuffer, which posting would copy whole).
  scrypt: async (password: Uint8Array, salt: Uint8Array, { N, r, p, dkLen, maxmem }: ScryptJob) =>
    plain(syncCrypto().scryptSync(password, salt, dkLen, { N, r, p, maxmem })).slice(),
  pbkdf2: async (hash: Pbkdf2Hash, password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number) =>
    plain(syncCrypto().pbkdf2Sync(password, salt, iterations, dkLen, NODE_DIGESTS[hash])).slice(),
};

interface Request {
  id: number;
  kind: HashingJobKind;
  args: unknown[];
}

const port = nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads')?.parentPort;
if (port) {
  port.on('message', async ({ id, kind, args }: Request) => {
    try {
      const handler = HANDLERS[kind];
      if (typeof handler !== 'function') throw new TypeError(`unknown hashing job ${String(kind)}`);
      const value = await (handler as (...a: unknown[]) => Promise<Uint8Array>)(...args);
      port.postMessage({ id, value }); // a few bytes: copied, not transferred
    } catch (error) {
      const { name = 'Error', message = String(error) } = (error ?? {}) as { name?: string; message?: string };
      port.postMessage({ id, error: { name, message } });
    }
  });
  port.postMessage({ ready: true });
}
