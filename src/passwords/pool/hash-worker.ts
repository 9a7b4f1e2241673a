/**
 * The hashing pool's worker (hashing-pool.ts): runs one job at a time on this thread's own event
 * loop, and answers with the result or the error's name and message.
 * Built as its own entry (dist/hash-worker.js and .cjs) so that the pool finds it beside itself.
 */
import { argon2Derive, type Argon2Params } from '../kdf/argon2.js';
import { bcryptDigest } from '../kdf/bcrypt.js';
import { phpassDigest } from '../kdf/phpass.js';
import { shaCryptDigest, type ShaCryptDigestName } from '../kdf/sha-crypt.js';
import { nodeBuiltin } from '../../platform/runtime.js';
import type { HashingJobKind } from './hashing-pool.js';

type Handler = (...args: never[]) => Promise<Uint8Array>;

const HANDLERS: Record<HashingJobKind, Handler> = {
  argon2: (password: Uint8Array, salt: Uint8Array, params: Argon2Params) => argon2Derive(password, salt, params, { inWorker: true }),
  bcrypt: (key: Uint8Array, salt: Uint8Array, cost: number) => bcryptDigest(key, salt, cost, { inWorker: true }),
  'sha-crypt': (name: ShaCryptDigestName, password: Uint8Array, salt: Uint8Array, rounds: number) =>
    shaCryptDigest(name, password, salt, rounds, { inWorker: true }),
  phpass: (password: Uint8Array, salt: Uint8Array, log2: number) => phpassDigest(password, salt, log2, { inWorker: true }),
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
