/**
 * The hashing pool: password work (bcrypt, argon2, the pure-JS legacy KDFs, and node:crypto's
 * scrypt and PBKDF2, which would otherwise take libuv's threads from the app's fs, dns and zlib) on
 * a few worker threads, so that a server logs users in on every core while its event loop stays free.
 * Node, Deno and Bun, through node:worker_threads found at run time (no static import); elsewhere
 * (Workers, browsers) there is no pool and the callers run their sliced main-thread paths.
 *
 * - Lazy: the first job starts the workers and, while they boot (~30-60 ms), jobs run on the main
 *   thread as without a pool, so the first login is not slower.
 * - Unref'd: an idle worker never keeps a process alive; a worker with a job does, until it answers.
 * - A worker that dies with a job fails that job with HashingWorkerError and is replaced; a worker
 *   that cannot start (no worker file, a bundler that dropped it, TypeScript sources run by a
 *   loader that workers do not get, as under vitest or tsx) turns the pool off for good.
 */
import { HashingWorkerError } from '../../errors.js';
import { nodeBuiltin } from '../../platform/runtime.js';

/**
 * `{ size }`: that many workers (default: the core count, at most 4); `false`: no pool.
 *
 * @example
 * configureHashingPool({ size: 2 }); // or false: hash on the calling thread
 */
export type HashingPoolOptions = { size?: number } | false;

/** The jobs a worker runs (hash-worker.ts): each takes and returns structured-cloneable values. */
export type HashingJobKind = 'argon2' | 'bcrypt' | 'sha-crypt' | 'phpass' | 'scrypt' | 'pbkdf2';

type WorkerThreads = typeof import('node:worker_threads');
type NodeWorker = import('node:worker_threads').Worker;

interface Job {
  kind: HashingJobKind;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: NodeWorker;
  ready: boolean;
  job: Job | null;
}

interface WorkerReply {
  id?: number;
  ready?: true;
  value?: unknown;
  error?: { name: string; message: string };
}

const MAX_SIZE = 64;

function defaultSize(): number {
  const os = nodeBuiltin<typeof import('node:os')>('node:os');
  const cores = os ? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length) : 1;
  return Math.max(1, Math.min(4, cores || 1));
}

/** Where the worker script sits: beside this module, with this module's extension (.js, .cjs, .ts). */
function defaultWorkerUrl(): URL | null {
  const here = typeof import.meta.url === 'string' ? import.meta.url : '';
  const ext = /\.(c?js|mjs|ts)$/.exec(here)?.[0];
  return ext ? new URL(`./hash-worker${ext}`, here) : null;
}

/** An error from a worker, rebuilt on this side with its class where it is a standard one. */
function rebuildError({ name, message }: { name: string; message: string }): Error {
  const Kind = name === 'RangeError' ? RangeError : name === 'TypeError' ? TypeError : Error;
  const error = new Kind(message);
  if (Kind === Error && name) error.name = name;
  return error;
}

/** A pool of hashing workers; one per process is made by `runOnHashingPool`, tests make their own. */
export class HashingPool {
  readonly size: number;
  readonly #threads: WorkerThreads;
  readonly #url: URL;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #pending = new Map<NodeWorker, number>();
  #started = false;
  #failedStarts = 0;
  #nextId = 0;
  #closed = false;

  constructor(threads: WorkerThreads, url: URL, size: number) {
    this.#threads = threads;
    this.#url = url;
    this.size = size;
  }

  /** False once no worker could start: the pool is of no use here. */
  get usable(): boolean {
    return !this.#closed && this.#failedStarts < this.size;
  }

  /** Workers that are up and answering (for tests and diagnostics). */
  get readyWorkers(): number {
    return this.#slots.filter((s) => s.ready).length;
  }

  /** The worker threads (tests kill one to check that its job fails cleanly). */
  get workers(): readonly NodeWorker[] {
    return this.#slots.map((s) => s.worker);
  }

  /**
   * Queue a job, or return null when it should run on the calling thread: the pool is unusable,
   * or it is still booting and no worker is ready (so that a cold start adds no latency).
   */
  run<T>(kind: HashingJobKind, args: unknown[]): Promise<T> | null {
    if (!this.usable) return null;
    if (!this.#started) this.#start();
    if (this.readyWorkers === 0) return null;
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ kind, args, resolve: resolve as (v: unknown) => void, reject });
      this.#dispatch();
    });
  }

  /** Start every worker now instead of at the first job (e.g. at server start). */
  warm(): Promise<void> {
    if (!this.usable) return Promise.resolve();
    if (!this.#started) this.#start();
    return new Promise((resolve) => {
      // A ref'd timer: the caller awaits this, so the process must stay up until a worker is.
      const check = () => (this.readyWorkers > 0 || !this.usable ? resolve() : void setTimeout(check, 5));
      check();
    });
  }

  /** Stop the workers; queued and running jobs fail with HashingWorkerError. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    for (const job of this.#queue.splice(0)) job.reject(new HashingWorkerError('the hashing pool was closed'));
    await Promise.all(
      slots.map((slot) => {
        slot.job?.reject(new HashingWorkerError('the hashing pool was closed'));
        slot.job = null;
        return slot.worker.terminate();
      }),
    );
  }

  #start(): void {
    this.#started = true;
    for (let i = 0; i < this.size; i++) this.#spawn();
  }

  #spawn(): void {
    let worker: NodeWorker;
    try {
      worker = new this.#threads.Worker(this.#url);
    } catch {
      this.#failedStarts++;
      return;
    }
    const slot: Slot = { worker, ready: false, job: null };
    this.#slots.push(slot);
    worker.on('message', (reply: WorkerReply) => this.#onMessage(slot, reply));
    worker.on('error', (error: unknown) => this.#onExit(slot, error));
    worker.on('exit', (code: number) => this.#onExit(slot, new Error(`exit code ${code}`)));
    worker.unref(); // after the listeners: adding a 'message' listener refs the worker's port again
  }

  #onMessage(slot: Slot, reply: WorkerReply): void {
    if (reply.ready) {
      slot.ready = true;
      this.#dispatch();
      return;
    }
    const job = slot.job;
    if (!job || reply.id !== this.#pending.get(slot.worker)) return;
    slot.job = null;
    this.#pending.delete(slot.worker);
    slot.worker.unref();
    if (reply.error) job.reject(rebuildError(reply.error));
    else job.resolve(reply.value);
    this.#dispatch();
  }

  #onExit(slot: Slot, cause: unknown): void {
    const at = this.#slots.indexOf(slot);
    if (at < 0) return; // 'error' then 'exit': handled once
    this.#slots.splice(at, 1);
    this.#pending.delete(slot.worker);
    void slot.worker.terminate().catch(() => undefined);
    if (this.#closed) return;
    if (!slot.ready) {
      // Never came up: no job was given to it. Without any ready worker, queued jobs would wait forever.
      this.#failedStarts++;
      if (!this.usable) for (const job of this.#queue.splice(0)) job.reject(new HashingWorkerError('no worker could start', { cause }));
      return;
    }
    if (slot.job) slot.job.reject(new HashingWorkerError('the worker stopped while hashing', { cause }));
    slot.job = null;
    this.#spawn();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = this.#queue.shift()!;
      const id = ++this.#nextId;
      slot.job = job;
      this.#pending.set(slot.worker, id);
      slot.worker.ref(); // a worker with a job keeps the process alive until it answers
      try {
        slot.worker.postMessage({ id, kind: job.kind, args: job.args });
      } catch (error) {
        slot.job = null;
        this.#pending.delete(slot.worker);
        slot.worker.unref();
        job.reject(error);
      }
    }
  }
}

let configured: HashingPoolOptions = {};
let pool: HashingPool | null | undefined;

/**
 * Configure the process's hashing pool: `{ size }` workers (default: the core count, at most 4)
 * or `false` for none (every hash on the calling thread, in slices that yield to the event loop).
 * Takes effect for the next hash; a running pool is stopped when the configuration changes.
 * @example
 *   configureHashingPool({ size: 2 });   // two worker threads
 *   configureHashingPool(false);         // no workers
 */
export function configureHashingPool(options: HashingPoolOptions): void {
  if (options !== false) {
    if (typeof options !== 'object' || options === null) throw new TypeError('hashingPool must be { size } or false');
    const { size } = options;
    if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= MAX_SIZE)) {
      throw new RangeError(`hashingPool.size must be an integer in 1..${MAX_SIZE}`);
    }
  }
  const next = options === false ? false : { ...options };
  if (next === configured || (next && configured && next.size === configured.size)) return; // unchanged
  const old = pool;
  configured = next;
  pool = undefined;
  void old?.close();
}

function processPool(): HashingPool | null {
  if (pool !== undefined) return pool;
  pool = null;
  if (configured === false) return null;
  const threads = nodeBuiltin<WorkerThreads>('node:worker_threads');
  const url = defaultWorkerUrl();
  if (!threads || typeof threads.Worker !== 'function' || !url) return null;
  pool = new HashingPool(threads, url, configured.size ?? defaultSize());
  return pool;
}

/**
 * Run a job on the process's pool; null when the caller should run it itself (no pool here,
 * pool turned off, or still starting).
 */
export function runOnHashingPool<T>(kind: HashingJobKind, args: unknown[]): Promise<T> | null {
  return processPool()?.run<T>(kind, args) ?? null;
}

/**
 * How many password checks can usefully run at once on this process's pool: its size where worker
 * threads are available and the pool is on, else 1 (hashing then runs sliced on the calling thread).
 * Creating the pool object starts no worker.
 *
 * @example
 *   createLimiter({ concurrency: hashingParallelism(), ... });
 */
export function hashingParallelism(): number {
  const current = processPool();
  return current?.usable ? current.size : 1;
}

/**
 * Start the process's hashing workers now (a server may call this at start-up), resolving once
 * one is ready or the pool turned out not to be available.
 * @example
 *   await warmHashingPool();
 */
export function warmHashingPool(): Promise<void> {
  return processPool()?.warm() ?? Promise.resolve();
}
