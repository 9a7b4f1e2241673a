/**
 * Runtime detection: the one module that looks at the runtime (src/platform/ is the only code that
 * knows runtimes). It finds node:crypto at run time through process.getBuiltinModule (Node >=
 * 20.16, Deno, Bun) and picks the platform implementations once: node.ts / node-hashing.ts where
 * node:crypto is there, web.ts / web-hashing.ts (Web Crypto and @noble/hashes) elsewhere. No static
 * `node:` import, so browser and Workers bundles load this module unchanged.
 */
import { createNodeHashing } from './node-hashing.js';
import { createNodePlatform } from './node-crypto.js';
import type { HashingPlatform, Platform } from './platform.js';
import { webHashing } from './web-hashing.js';
import { webPlatform } from './web.js';

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

/**
 * For tests and benchmarks: force the portable path (null), use another node:crypto (a counting
 * fake), or restore detection (undefined). The platform is chosen again on next use.
 *
 * @example
 * setNodeCryptoForTesting(null); // platform().name === 'web' from now on
 */
export function setNodeCryptoForTesting(value: NodeCrypto | null | undefined): void {
  cachedNodeCrypto = value;
  chosen = undefined;
  chosenHashing = undefined;
}

let chosen: Platform | undefined;
let chosenHashing: HashingPlatform | undefined;

/**
 * The platform of this runtime, chosen once (see the module comment).
 *
 * @example
 * const tag = platform().encodeBase64Url(bytes);
 */
export function platform(): Platform {
  if (chosen === undefined) {
    const node = nodeCrypto();
    const Buf = node ? nodeBuiltin<typeof import('node:buffer')>('node:buffer')?.Buffer : undefined;
    chosen = node && Buf ? createNodePlatform(node, Buf) : webPlatform;
  }
  return chosen;
}

/**
 * The hashing platform of this runtime, chosen once like `platform()`.
 *
 * @example
 * const sha1 = hashingPlatform().digest('sha1');
 */
export function hashingPlatform(): HashingPlatform {
  if (chosenHashing === undefined) {
    const node = nodeCrypto();
    chosenHashing = node ? createNodeHashing(node) : webHashing;
  }
  return chosenHashing;
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

/**
 * Let a timer not keep the process alive: Node's and Bun's timers have `unref()`, Deno's are
 * numbers for `Deno.unrefTimer`; elsewhere (Workers, browsers) a timer keeps nothing alive.
 */
export function unrefTimer(timer: unknown): void {
  if (typeof (timer as { unref?: unknown } | null)?.unref === 'function') {
    (timer as { unref(): void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === 'number' && typeof deno?.unrefTimer === 'function') deno.unrefTimer(timer);
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

// (module (func (result v128) (v128.const i32x4 0 0 0 0))): valid exactly where SIMD128 is.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
]);
let cachedSimd: boolean | undefined;

/** True where WebAssembly validates SIMD128 code (V8 >= 9.1, Safari 16.4, Firefox 89). */
export function wasmSimdSupported(): boolean {
  if (cachedSimd === undefined) {
    try {
      cachedSimd = typeof WebAssembly?.validate === 'function' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      cachedSimd = false;
    }
  }
  return cachedSimd;
}
