/**
 * Long synchronous loops (iterated digests, key schedules) cut into slices of work with a yield to
 * the event loop between them, so that one hash does not stall every other request.
 */
import { yieldToEventLoop } from './runtime.js';
import { monotonicNow } from '../internal/clock.js';

/** Work between yields to the event loop, in milliseconds, unless the caller says otherwise. */
export const DEFAULT_SLICE_MS = 8;

/**
 * For long synchronous loops: call `tick()` every iteration (cheap); every `every` iterations it
 * checks the clock and, past the slice, yields to the event loop (returns a promise to await).
 *
 * @example
 * const tick = sliceTimer();
 * for (let i = 0; i < rounds; i++) {
 *   state = digest(state);
 *   const pause = tick();
 *   if (pause) await pause;
 * }
 */
export function sliceTimer(every = 256, sliceMs = DEFAULT_SLICE_MS): () => Promise<void> | null {
  let count = 0;
  let start = monotonicNow();
  return () => {
    if (++count < every) return null;
    count = 0;
    if (monotonicNow() - start < sliceMs) return null;
    return yieldToEventLoop().then(() => {
      start = monotonicNow();
    });
  };
}
