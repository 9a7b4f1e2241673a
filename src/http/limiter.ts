/**
 * A first-in first-out limit on concurrent password checks. Hashing is CPU (bcrypt, PBKDF2 run on
 * the event loop in slices) or memory (scrypt: 128 MiB each): letting every login hash at once
 * multiplies the work done between two turns of the event loop, and so the latency of every
 * other request, without making logins finish any sooner.
 */
export interface Limiter {
  /** Runs `task` when a slot is free; null when the queue is full (the caller answers 429). */
  run<T>(task: () => Promise<T>): Promise<T> | null;
}

export function createLimiter(concurrency: number, maxQueue: number): Limiter {
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };
  const start = <T>(task: () => Promise<T>) => Promise.resolve().then(task).finally(release);
  return {
    run<T>(task: () => Promise<T>): Promise<T> | null {
      if (active < concurrency) {
        active++;
        return start(task);
      }
      if (queue.length >= maxQueue) return null;
      // The slot passes straight from the finishing task to the next one (active unchanged).
      return new Promise<void>((resolve) => queue.push(resolve)).then(() => start(task));
    },
  };
}
