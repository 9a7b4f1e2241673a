/**
 * Checks of numbers that come from configuration or from stored hashes (internal: not exported
 * by any entry). One definition, so that every scheme agrees on what an integer setting is.
 */

/** A safe integer in [min, max] (max defaults to Number.MAX_SAFE_INTEGER); false for any non-number. */
export function isInteger(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}
