/**
 * A bound on the password hashes node:crypto runs on libuv's thread pool (scrypt, PBKDF2 through
 * Web Crypto, argon2), so that one thread stays free for the app's fs, dns and zlib work: a hash
 * there holds its thread for hundreds of milliseconds, and the pool is small (4 by default).
 * Most hashes run on the hashing pool's workers instead (hashing-pool.ts); this bounds the rest
 * (the pool off or still starting, a caller with loginConcurrency above the bound).
 */
/** libuv's own cap on UV_THREADPOOL_SIZE. */
const UV_MAX_THREADS = 1024;
const UV_DEFAULT_THREADS = 4;

/**
 * The size of libuv's thread pool as libuv reads UV_THREADPOOL_SIZE (atoi; 0 means 1, beyond 1024
 * or negative means 1024), else 4; null where there is no libuv pool (Deno, Bun) or no environment.
 */
export function uvThreadpoolSize(): number | null {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  // Deno and Bun run node:crypto's jobs on their own pools; Deno would also ask for env permission.
  if (g.Deno !== undefined || g.Bun !== undefined) return null;
  // The global process, not node:process through runtime.ts: runtime.ts imports this file's user.
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  if (!proc?.env) return null;
  const value = proc.env.UV_THREADPOOL_SIZE;
  if (value === undefined) return UV_DEFAULT_THREADS;
  const n = Number.parseInt(value, 10) || 0;
  if (n === 0) return 1;
  return n < 0 || n > UV_MAX_THREADS ? UV_MAX_THREADS : n;
}

/** How many hashes may be on libuv at once: all but one of its threads, at least 1. */
export function libuvHashLimit(threads: number | null = uvThreadpoolSize()): number {
  return threads === null ? Number.POSITIVE_INFINITY : Math.max(1, threads - 1);
}

/** Runs tasks at most `limit` at a time, the others in order of arrival. */
export type Slots = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Slots for at most `limit` tasks at once (Infinity: no bound).
 *
 * @example
 * const onLibuv = createSlots(libuvHashLimit());
 * const key = await onLibuv(() => scryptOnLibuv(password, salt));
 */
export function createSlots(limit: number): Slots {
  if (limit === Number.POSITIVE_INFINITY) return (task) => task();
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async (task) => {
    if (running < limit) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // the releaser hands its slot over
    try {
      return await task();
    } finally {
      release();
    }
  };
}
