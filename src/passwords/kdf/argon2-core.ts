/**
 * The WebAssembly Argon2 core (wasm/argon2.c): a SIMD128 build where the runtime validates SIMD,
 * a scalar build otherwise. A derivation takes an instance whose memory is grown to hold its
 * blocks; afterwards the blocks are wiped and the instance is kept as a spare for the next
 * derivation for a few seconds, then dropped, so an idle server does not keep 64 MiB. (A fresh
 * memory every time costs a page fault per 4 KiB: a quarter of a 64 MiB verify here.) The host
 * drives the segments in pieces and yields to the event loop every ~5 ms (or never, in a
 * hashing-pool worker).
 */
import type { NativeArgon2Job } from '../../platform/platform.js';
import { unrefTimer, wasmSimdSupported, yieldToEventLoop } from '../../platform/runtime.js';
import { monotonicNow } from '../../internal/clock.js';
import { B64_STANDARD, decodeBase64 } from '../encodings.js';
import { ARGON2_SCALAR_WASM_BASE64, ARGON2_SIMD_WASM_BASE64 } from './argon2-wasm.js';

export type Argon2WasmBuild = 'simd' | 'scalar';

/** Everything the C core needs, checked by the caller (kdf/argon2.ts): the job a native module takes too. */
export type Argon2Job = NativeArgon2Job;

interface Exports {
  heap_base(): number;
  setup(...args: number[]): number;
  fill(pass: number, slice: number, lane: number, start: number, end: number): void;
  fill_lanes(pass: number, slice: number, start: number, end: number): void;
  finish(tagLength: number): number;
}

/** The pages the modules declare (build-argon2-wasm.mjs: --initial-memory). */
const WASM_STATIC_PAGES = 2;
const PAGE = 65536;
const SYNC_POINTS = 4;
/** Blocks per fill_lanes() call (all lanes together): ~30-60 us of work, so the clock is read often enough. */
const CHUNK_BLOCKS = 64;
/** Blocks per fill() call: one address block's worth (a piece starting inside one makes it again). */
const INDEPENDENT_CHUNK_BLOCKS = 128;
/** Work between yields on the main thread. */
const SLICE_MS = 5;
/** Blocks between yields whatever the clock says (Workers freeze it during synchronous work). */
const MAX_BLOCKS_PER_SLICE = 4096;
/** Spare instances kept per build (derivations on one thread at once beyond this make their own). */
const MAX_SPARES = 2;
/** Spares are dropped after this long without a derivation. */
const SPARE_IDLE_MS = 5000;

const compiled = new Map<Argon2WasmBuild, Promise<WebAssembly.Module | null>>();

/** Compile a build once; null where the runtime refuses to compile WebAssembly from bytes. */
function compile(build: Argon2WasmBuild): Promise<WebAssembly.Module | null> {
  let module = compiled.get(build);
  if (!module) {
    module = (async () => {
      const wasm = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
      if (typeof wasm?.compile !== 'function') return null;
      if (build === 'simd' && !wasmSimdSupported()) return null;
      try {
        const base64 = build === 'simd' ? ARGON2_SIMD_WASM_BASE64 : ARGON2_SCALAR_WASM_BASE64;
        return await wasm.compile(decodeBase64(base64, B64_STANDARD, 'require')! as Uint8Array<ArrayBuffer>);
      } catch {
        return null; // "Wasm code generation disallowed by embedder" and the like
      }
    })();
    compiled.set(build, module);
  }
  return module;
}

interface Instance {
  memory: WebAssembly.Memory;
  wasm: Exports;
}

const spares = new Map<WebAssembly.Module, Instance[]>();
let idleTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * A spare instance of `module`, or a new one. The smallest spare whose memory holds `bytes` already,
 * else the largest: growing a memory costs a page fault per 4 KiB grown (a server that checks
 * hashes of several memory costs, as in a migration, keeps one spare of each size).
 */
async function takeInstance(module: WebAssembly.Module, bytes: number): Promise<Instance> {
  const list = spares.get(module);
  if (list?.length) {
    const size = (instance: Instance) => instance.memory.buffer.byteLength;
    const fitting = list.filter((instance) => size(instance) >= bytes);
    const pick = fitting.length
      ? fitting.reduce((a, b) => (size(b) < size(a) ? b : a))
      : list.reduce((a, b) => (size(b) > size(a) ? b : a));
    list.splice(list.indexOf(pick), 1);
    return pick;
  }
  const memory = new WebAssembly.Memory({ initial: WASM_STATIC_PAGES });
  const made = await WebAssembly.instantiate(module, { env: { memory } });
  return { memory, wasm: made.exports as unknown as Exports };
}

/** Wipe what a derivation wrote (blocks and tag) and keep the instance for the next one. */
function giveBack(module: WebAssembly.Module, instance: Instance, from: number, bytes: number): void {
  new Uint8Array(instance.memory.buffer, from, bytes).fill(0);
  const list = spares.get(module) ?? [];
  if (list.length >= MAX_SPARES) return; // dropped: the engine frees its memory
  list.push(instance);
  spares.set(module, list);
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = setTimeout(dropSpares, SPARE_IDLE_MS);
  unrefTimer(idleTimer);
}

/** Let the engine free every spare instance's memory now. */
export function dropSpares(): void {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  spares.clear();
}

/** The spare instances' memories and where their blocks start (tests check the wipe and the idle drop). */
export function spareMemoriesForTesting(): { memory: WebAssembly.Memory; base: number }[] {
  return [...spares.values()].flat().map(({ memory, wasm }) => ({ memory, base: wasm.heap_base() }));
}

/** The build argon2Wasm uses here: SIMD where validated, else scalar, else null (no WebAssembly). */
export async function argon2WasmBuild(): Promise<Argon2WasmBuild | null> {
  if (await compile('simd')) return 'simd';
  return (await compile('scalar')) ? 'scalar' : null;
}

/** Largest memory a wasm32 instance can address, less the static pages. */
export const ARGON2_WASM_MAX_KIB = (65536 - WASM_STATIC_PAGES - 16) * 64;

/**
 * Run one derivation. Returns null where no build can be compiled (the caller falls back).
 * @param options.build force a build (tests, benchmarks)
 * @param options.yielding false in a worker thread: no yields, the whole thread is ours
 */
export async function argon2Wasm(
  job: Argon2Job,
  options: { build?: Argon2WasmBuild; yielding?: boolean } = {},
): Promise<Uint8Array | null> {
  const module = options.build ? await compile(options.build) : await compile('simd') ?? (await compile('scalar'));
  if (!module) {
    if (options.build) throw new Error(`the ${options.build} WebAssembly argon2 build is not available here`);
    return null;
  }
  const yielding = options.yielding !== false;
  const { m, t, p, dkLen } = job;
  const blocks = m - (m % (SYNC_POINTS * p));
  const laneLength = blocks / p;
  const segmentLength = laneLength / SYNC_POINTS;
  const inputBytes = job.password.length + job.salt.length + job.secret.length + job.ad.length;

  const used = Math.max(blocks * 1024, inputBytes, dkLen);
  const instance = await takeInstance(module, WASM_STATIC_PAGES * PAGE + used);
  const { memory, wasm } = instance;
  const base = wasm.heap_base();
  const missingPages = Math.ceil((base + used) / PAGE) - memory.buffer.byteLength / PAGE;
  if (missingPages > 0) memory.grow(missingPages); // a RangeError where the engine refuses: the instance is dropped
  let at = base;
  for (const part of [job.password, job.salt, job.secret, job.ad]) {
    new Uint8Array(memory.buffer, at, part.length).set(part);
    at += part.length;
  }
  wasm.setup(job.typeCode, job.version, m, t, p, dkLen, job.password.length, job.salt.length, job.secret.length, job.ad.length);

  let sliceStart = monotonicNow();
  let sinceYield = 0;
  /**
   * After `blocks` more blocks: a yield to await when this slice of the event loop's time is used
   * up, else null (always null in a worker, where nothing is awaited at all).
   */
  const pause = (blocks: number): Promise<void> | null => {
    if (!yielding) return null;
    sinceYield += blocks;
    if (sinceYield < MAX_BLOCKS_PER_SLICE && monotonicNow() - sliceStart < SLICE_MS) return null;
    return yieldToEventLoop().then(() => {
      sliceStart = monotonicNow();
      sinceYield = 0;
    });
  };
  // Data-dependent segments go across the lanes (fill_lanes: the reference blocks' cache misses
  // overlap); argon2i's and argon2id's first half pass lane by lane, in chunks that keep address
  // blocks whole.
  const acrossLanes = Math.max(1, Math.floor(CHUNK_BLOCKS / p));
  for (let pass = 0; pass < t; pass++) {
    for (let slice = 0; slice < SYNC_POINTS; slice++) {
      const independent = job.typeCode === 1 || (job.typeCode === 2 && pass === 0 && slice < 2);
      if (independent) {
        for (let lane = 0; lane < p; lane++) {
          for (let start = 0; start < segmentLength; start += INDEPENDENT_CHUNK_BLOCKS) {
            const end = Math.min(segmentLength, start + INDEPENDENT_CHUNK_BLOCKS);
            wasm.fill(pass, slice, lane, start, end);
            const wait = pause(end - start);
            if (wait) await wait;
          }
        }
      } else {
        for (let start = 0; start < segmentLength; start += acrossLanes) {
          const end = Math.min(segmentLength, start + acrossLanes);
          wasm.fill_lanes(pass, slice, start, end);
          const wait = pause((end - start) * p);
          if (wait) await wait;
        }
      }
    }
  }
  const tagAt = wasm.finish(dkLen);
  const tag = new Uint8Array(memory.buffer, tagAt, dkLen).slice();
  // setup() wiped the inputs and finish() its own state; the blocks and the tag's copy go now.
  giveBack(module, instance, base, used);
  return tag;
}
