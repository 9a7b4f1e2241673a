/**
 * The login queue: a fair limit on concurrent password checks (the failure-counting login throttle
 * is another mechanism, in src/throttle/). Hashing is CPU (bcrypt, PBKDF2 run on the event loop
 * in slices) or memory (scrypt: 128 MiB each): letting every login hash at once multiplies the work
 * done between two turns of the event loop, and so the latency of every other request, without
 * making logins finish any sooner. So at most `concurrency` checks run; the others wait in one queue
 * per client, and a free slot goes to the waiting client served longest ago (round robin). A client
 * that floods fills only its own small queue: everyone else's login waits for at most the checks
 * already running. When the shared queue is full, a newcomer holding fewer places than the largest
 * holder takes one of that holder's places: a dozen addresses filling the queue must not lock out
 * everyone else.
 */
export interface LoginQueue {
  /**
   * A password-check slot for `client`, once one is free and it is that client's turn; release it
   * when the check is done. Null when that client's queue is full, or the whole queue is and no
   * client holds more places than this one, or when it waited and lost its place to a newcomer.
   * The caller answers 429 to all three.
   */
  take(client: string): Promise<LoginQueueSlot | null>;
  /**
   * take() around a task: runs `task` in the slot and releases it after. Null (synchronously) when
   * refused on arrival; REFUSED when it waited and lost its place (the task never ran).
   */
  run<T>(client: string, task: () => Promise<T>): Promise<T | typeof REFUSED> | null;
}

/** A password-check slot of the login queue: held until released (a second release does nothing). */
export interface LoginQueueSlot {
  release(): void;
}

/** What a waiting run() resolves with when it lost its place in the queue (its task never ran). */
export const REFUSED: unique symbol = Symbol('refused');

export interface LoginQueueOptions {
  /** Checks running at once. */
  concurrency: number;
  /** Checks waiting at most, all clients together. */
  maxQueue: number;
  /** Checks waiting at most for one client. */
  maxQueuePerClient: number;
}

interface ClientState {
  /** Oldest first; each is told whether it got a slot (true) or lost its place (false). */
  readonly waiting: Array<(go: boolean) => void>;
  active: number;
  /** When this client last got a slot (a sequence number; 0: never). */
  servedAt: number;
}

export function createLoginQueue(options: LoginQueueOptions): LoginQueue {
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

  /**
   * The client holding the most places; of several, the one round robin would serve last (served
   * most recently; else the last in map order, as nextClient takes the first). Its newest place is
   * the one it would otherwise fill last.
   */
  const largestHolder = (): [string, ClientState] | undefined => {
    let best: [string, ClientState] | undefined;
    for (const entry of clients) {
      const places = entry[1].waiting.length;
      if (places === 0) continue;
      const bestPlaces = best ? best[1].waiting.length : 0;
      if (places > bestPlaces || (places === bestPlaces && entry[1].servedAt >= best![1].servedAt)) best = entry;
    }
    return best;
  };

  const stateOf = (client: string): ClientState => {
    let state = clients.get(client);
    if (!state) clients.set(client, (state = { waiting: [], active: 0, servedAt: 0 }));
    return state;
  };

  /** `client` holds a slot from now on. */
  const occupy = (client: string, state: ClientState): LoginQueueSlot => {
    state.active++;
    let held = true;
    return {
      release() {
        if (!held) return;
        held = false;
        state.active--;
        forget(client, state);
        const next = nextClient();
        if (next) {
          queued--;
          next.servedAt = ++sequence;
          next.waiting.shift()!(true); // the slot passes on: `active` unchanged
        } else {
          active--;
        }
      },
    };
  };

  /** A slot now, a place in the queue (REFUSED if it is given up), or null: no place. */
  const enter = (client: string): Promise<LoginQueueSlot | typeof REFUSED> | null => {
    if (active < concurrency) {
      active++;
      const state = stateOf(client);
      state.servedAt = ++sequence;
      return Promise.resolve(occupy(client, state));
    }
    const places = clients.get(client)?.waiting.length ?? 0;
    if (places >= maxQueuePerClient) return null;
    if (queued >= maxQueue) {
      const holder = largestHolder();
      if (!holder || holder[1].waiting.length <= places) return null;
      // The largest holder gives up its newest place: the queue stays full, never fuller.
      holder[1].waiting.pop()!(false);
      forget(holder[0], holder[1]);
    } else {
      queued++;
    }
    const state = stateOf(client);
    return new Promise<boolean>((resolve) => state.waiting.push(resolve)).then((go) => (go ? occupy(client, state) : REFUSED));
  };

  return {
    async take(client) {
      const slot = await enter(client);
      return slot === null || slot === REFUSED ? null : slot;
    },
    run<T>(client: string, task: () => Promise<T>): Promise<T | typeof REFUSED> | null {
      const entered = enter(client);
      if (entered === null) return null;
      return entered.then<T | typeof REFUSED>((slot) => (slot === REFUSED ? REFUSED : Promise.resolve().then(task).finally(() => slot.release())));
    },
  };
}
