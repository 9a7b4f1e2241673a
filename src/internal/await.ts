/**
 * Values that user code hands back (a store's record, a hook's result, a key resolver's key) may be
 * native promises, promises of another realm, or any thenable (query builders of Knex, Kysely,
 * Drizzle). `await` treats them all alike; `instanceof Promise` does not, so nothing here relies on it.
 */

/**
 * True for anything `await` would treat as a promise: an object or function with a callable `then`.
 * A `then` that throws when read also counts, so that awaiting the value surfaces the error.
 *
 * @example
 * isThenable({ then: (ok: (v: number) => void) => ok(1) }); // true
 * isThenable({ username: 'alice' }); // false
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}

/**
 * Call a user's notification hook (onError, onHashRefused, ...) and forget it: what it throws or
 * rejects with is dropped, so a failing reporter never fails the request nor leaves an unhandled
 * rejection behind.
 *
 * @example
 * notify(options.onError, error, request);
 */
export function notify<A extends unknown[]>(hook: ((...args: A) => unknown) | undefined, ...args: A): void {
  if (typeof hook !== 'function') return;
  try {
    const result = hook(...args);
    if (isThenable(result)) Promise.resolve(result).then(undefined, () => {});
  } catch {
    // a broken reporter is not the request's problem
  }
}
