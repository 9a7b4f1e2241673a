/**
 * The one place that knows about runtimes. Everything else asks here for optional fast paths
 * (node:crypto on Node, Deno and Bun) and falls back to Web Crypto / @noble/hashes elsewhere.
 * No static `node:` import, so browser and Workers bundles load this module unchanged.
 */

type NodeCrypto = typeof import('node:crypto');

interface ProcessWithBuiltins {
  getBuiltinModule?: (id: string) => unknown;
  versions?: Record<string, string | undefined>;
}

let cachedNodeCrypto: NodeCrypto | null | undefined;

/** node:crypto where the runtime provides it (Node >= 20.16, Deno, Bun), else null. */
export function nodeCrypto(): NodeCrypto | null {
  if (cachedNodeCrypto !== undefined) return cachedNodeCrypto;
  cachedNodeCrypto = null;
  try {
    const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
    const mod = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
    if (mod && typeof mod.scrypt === 'function') cachedNodeCrypto = mod;
  } catch {
    cachedNodeCrypto = null;
  }
  return cachedNodeCrypto;
}

/** For tests and benchmarks: force the portable path (null) or restore detection (undefined). */
export function setNodeCryptoForTesting(value: NodeCrypto | null | undefined): void {
  cachedNodeCrypto = value;
}

type Scheduler = (callback: () => void) => void;

const scheduleMacrotask: Scheduler = (() => {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return (cb) => void g.setImmediate!(cb);
  if (typeof MessageChannel === 'function') {
    // A MessageChannel hop yields to I/O and timers without setTimeout's 4 ms clamp (browsers,
    // Workers). Created on first use: some runtimes forbid such work at module load.
    let channel: MessageChannel | undefined;
    const queue: Array<() => void> = [];
    return (cb) => {
      if (!channel) {
        channel = new MessageChannel();
        channel.port1.onmessage = () => queue.shift()?.();
      }
      queue.push(cb);
      channel.port2.postMessage(null);
    };
  }
  return (cb) => void setTimeout(cb, 0);
})();

/** Let other tasks (I/O, timers, other requests) run before continuing CPU-bound work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => scheduleMacrotask(resolve));
}

/** A Node built-in module (`node:fs/promises`, ...) where the runtime has one, else null. */
export function nodeBuiltin<T = unknown>(id: string): T | null {
  try {
    const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
    return (proc?.getBuiltinModule?.(id) as T | undefined) ?? null;
  } catch {
    return null;
  }
}
