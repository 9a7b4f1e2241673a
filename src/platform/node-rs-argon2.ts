/**
 * @node-rs/argon2, an optional peer (prebuilt N-API binaries, no install script), found at run time
 * on Node only: resolved from this module with createRequire, as a peer of gatehouse. Its async
 * `hashRaw` runs on libuv's thread pool, so node-hashing.ts takes a libuv slot around it. Deno and
 * Bun are left to the WebAssembly core (and Bun.password): N-API there needs flags or permissions.
 * No static import of the module, so bundles for other runtimes do not reach it.
 */
/** What gatehouse uses of @node-rs/argon2 (2.x): its raw, asynchronous derivation. */
export interface NodeRsArgon2 {
  hashRaw(
    password: Uint8Array,
    options: {
      /** 0 argon2d, 1 argon2i, 2 argon2id. */
      algorithm: 0 | 1 | 2;
      /** 0 for version 0x10, 1 for 0x13. */
      version: 0 | 1;
      memoryCost: number;
      timeCost: number;
      parallelism: number;
      outputLen: number;
      salt: Uint8Array;
      secret?: Uint8Array;
    },
  ): Promise<Uint8Array>;
}

let cached: NodeRsArgon2 | null | undefined;

/** import.meta.url in the ESM build (shimmed in the CommonJS one); undefined if neither works. */
function moduleUrl(): string | undefined {
  try {
    return typeof import.meta.url === 'string' && import.meta.url ? import.meta.url : undefined;
  } catch {
    return undefined;
  }
}

function load(): NodeRsArgon2 | null {
  // The global process, not runtime.ts's nodeBuiltin: runtime.ts imports this file's user.
  const g = globalThis as {
    Deno?: unknown;
    Bun?: unknown;
    process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
  };
  if (g.Deno !== undefined || g.Bun !== undefined || typeof g.process?.versions?.node !== 'string') return null;
  const base = moduleUrl() ?? (typeof __filename === 'string' ? __filename : undefined);
  if (!base) return null;
  try {
    const moduleApi = g.process.getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
    if (typeof moduleApi?.createRequire !== 'function') return null;
    const mod = moduleApi.createRequire(base)('@node-rs/argon2') as Partial<NodeRsArgon2> | null;
    return typeof mod?.hashRaw === 'function' ? (mod as NodeRsArgon2) : null;
  } catch {
    return null; // not installed, or no binary for this platform
  }
}

/**
 * @node-rs/argon2 where it is installed and loads (Node), else null; looked up once.
 *
 * @example
 * const native = nodeRsArgon2(); // null without the optional peer
 */
export function nodeRsArgon2(): NodeRsArgon2 | null {
  if (cached === undefined) cached = load();
  return cached;
}

/**
 * For tests and benchmarks: hide the module (null), use another (a counting or failing fake), or
 * restore detection (undefined).
 *
 * @example
 * setNodeRsArgon2ForTesting(null); // argon2 on the WebAssembly core from now on
 */
export function setNodeRsArgon2ForTesting(value: NodeRsArgon2 | null | undefined): void {
  cached = value;
}

let derivations = 0;

/** Count one derivation that @node-rs/argon2 answered (node-hashing.ts). */
export function countNodeRsArgon2(): void {
  derivations++;
}

/**
 * How many argon2 derivations @node-rs/argon2 has answered in this thread so far.
 *
 * @example
 * const before = nodeRsArgon2Derivations(); await ctx.verify(pw, hash); // +1 on the native path
 */
export function nodeRsArgon2Derivations(): number {
  return derivations;
}
