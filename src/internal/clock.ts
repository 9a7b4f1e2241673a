/**
 * A monotonic millisecond clock for measuring slices of work: performance.now() where the runtime
 * has it (every supported one does), Date.now() otherwise. Not a wall clock: only differences count.
 *
 * @example
 * const start = monotonicNow();
 * work();
 * const elapsedMs = monotonicNow() - start;
 */
export const monotonicNow: () => number =
  typeof globalThis.performance?.now === 'function' ? () => globalThis.performance.now() : () => Date.now();
