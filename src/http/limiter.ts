/**
 * A fair limit on concurrent password checks. Hashing is CPU (bcrypt, PBKDF2 run on the event loop
 * in slices) or memory (scrypt: 128 MiB each): letting every login hash at once multiplies the work
 * done between two turns of the event loop, and so the latency of every other request, without
 * making logins finish any sooner. So at most `concurrency` checks run; the others wait in one queue
 * per client, and a free slot goes to the waiting client served longest ago (round robin). A client
 * that floods fills only its own small queue: everyone else's login waits for at most the checks
 * already running.
 */
export interface Limiter {
  /**
   * Runs `task` when a slot is free and it is `client`'s turn; null when that client's queue or the
   * whole queue is full (the caller answers 429).
   */
  run<T>(client: string, task: () => Promise<T>): Promise<T> | null;
}

export interface LimiterOptions {
  /** Checks running at once. */
  concurrency: number;
  /** Checks waiting at most, all clients together. */
  maxQueue: number;
  /** Checks waiting at most for one client. */
  maxQueuePerClient: number;
}

interface ClientState {
  readonly waiting: Array<() => void>;
  active: number;
  /** When this client last got a slot (a sequence number; 0: never). */
  servedAt: number;
}

export function createLimiter(options: LimiterOptions): Limiter {
  const { concurrency, maxQueue, maxQueuePerClient } = options;
  const clients = new Map<string, ClientState>();
  let active = 0;
  let queued = 0;
  let sequence = 0;

  const forget = (client: string, state: ClientState) => {
    if (state.active === 0 && state.waiting.length === 0) clients.delete(client);
  };

  /** The waiting client served longest ago (never served first; ties: the one waiting longest). */
  const nextClient = (): ClientState | undefined => {
    let best: ClientState | undefined;
    for (const state of clients.values()) {
      if (state.waiting.length > 0 && (best === undefined || state.servedAt < best.servedAt)) best = state;
    }
    return best;
  };

  const start = <T>(client: string, state: ClientState, task: () => Promise<T>): Promise<T> => {
    state.active++;
    return Promise.resolve()
      .then(task)
      .finally(() => {
        state.active--;
        forget(client, state);
        const next = nextClient();
        if (next) {
          queued--;
          next.servedAt = ++sequence;
          next.waiting.shift()!(); // the slot passes on: `active` unchanged
        } else {
          active--;
        }
      });
  };

  return {
    run<T>(client: string, task: () => Promise<T>): Promise<T> | null {
      let state = clients.get(client);
      if (active < concurrency) {
        active++;
        if (!state) clients.set(client, (state = { waiting: [], active: 0, servedAt: 0 }));
        state.servedAt = ++sequence;
        return start(client, state, task);
      }
      if (queued >= maxQueue || (state?.waiting.length ?? 0) >= maxQueuePerClient) return null;
      if (!state) clients.set(client, (state = { waiting: [], active: 0, servedAt: 0 }));
      queued++;
      const own = state;
      return new Promise<void>((resolve) => own.waiting.push(resolve)).then(() => start(client, own, task));
    },
  };
}
