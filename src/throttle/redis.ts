/**
 * Counters in Redis or Valkey, shared by every server on it. Each operation is one Lua script, so
 * INCR and PEXPIRE happen in one atomic step: no increment is lost, no counter is left without expiry.
 */
import { ConfigurationError } from '../errors.js';
import { isModuleNotFound } from '../users/sql/drivers.js';
import { type CounterStore, CounterStoreError, toInteger } from './store.js';

/**
 * node-redis (v4/v5: `sendCommand(args)`) or ioredis (`call(command, ...args)`).
 *
 * @example
 * import { createClient } from 'redis';
 * const store = createRedisCounterStore(await createClient({ url: 'redis://127.0.0.1:6379' }).connect());
 */
export type RedisClient =
  | {
      /** node-redis: one command as its arguments (`['EVAL', script, '1', key, ...]`). */
      sendCommand(args: string[]): Promise<unknown>;
      /** Closes the connection (node-redis v4). */
      quit?(): Promise<unknown>;
      /** Closes the connection (node-redis v5). */
      close?(): Promise<unknown>;
    }
  | {
      /** ioredis: one command and its arguments. */
      call(command: string, ...args: string[]): Promise<unknown>;
      /** Closes the connection. */
      quit?(): Promise<unknown>;
    };

// The TTL comes from Redis's clock; the count is returned with the time left.
const INCREMENT = `local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {n, redis.call('PTTL', KEYS[1])}`;
const READ = `local v = redis.call('GET', KEYS[1])
if not v then return {0, -2} end
return {tonumber(v), redis.call('PTTL', KEYS[1])}`;
// DECR keeps the TTL; a counter at 0 (or not ours) is left alone.
const DECREMENT = `local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v and v > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

type Send = (args: string[]) => Promise<unknown>;

function sender(client: RedisClient): Send {
  if (typeof (client as { call?: unknown }).call === 'function') {
    const ioredis = client as { call(command: string, ...args: string[]): Promise<unknown> };
    return ([command, ...args]) => ioredis.call(command!, ...args);
  }
  if (typeof (client as { sendCommand?: unknown }).sendCommand === 'function') {
    const redis = client as { sendCommand(args: string[]): Promise<unknown> };
    return (args) => redis.sendCommand(args);
  }
  throw new ConfigurationError('createRedisCounterStore needs a node-redis client (sendCommand) or an ioredis client (call)');
}

/** `redis` (node-redis) when installed, else `ioredis`: imported only when given a URL. */
async function connect(url: string): Promise<RedisClient> {
  try {
    const { createClient } = (await import(/* @vite-ignore */ 'redis' as string)) as {
      createClient(options: object): { on(event: string, listener: (error: unknown) => void): unknown; connect(): Promise<RedisClient> };
    };
    // Fail fast while disconnected (the throttle decides then), rather than queue commands.
    const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2000 } }) as ReturnType<typeof createClient> & { destroy(): void };
    client.on('error', () => {}); // reconnects by itself once connected; each command reports its own failure
    // node-redis retries a first connection forever: give up after a while, and try afresh on the next call.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no connection within 2 s')), 2000);
    });
    try {
      return await Promise.race([client.connect(), timeout]);
    } catch (error) {
      client.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  } catch (error) {
    if (!isModuleNotFound(error)) throw new CounterStoreError('cannot connect to Redis', { cause: error });
  }
  try {
    const module = (await import(/* @vite-ignore */ 'ioredis' as string)) as { default: new (url: string, options: object) => RedisClient & { on(e: string, l: () => void): unknown } };
    const client = new module.default(url, { enableOfflineQueue: false, lazyConnect: false, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    return client;
  } catch (error) {
    if (isModuleNotFound(error)) throw new ConfigurationError('a Redis counter store from a URL needs redis or ioredis (npm install redis)');
    throw new CounterStoreError('cannot connect to Redis', { cause: error });
  }
}

function pair(reply: unknown): [number, number] {
  if (!Array.isArray(reply) || reply.length !== 2) throw new CounterStoreError('Redis answered the counter script with something else');
  return [toInteger(reply[0], 'count'), toInteger(reply[1], 'TTL')];
}

/**
 * A counter store in Redis / Valkey: pass a connected node-redis or ioredis client, or a
 * `redis://` / `rediss://` URL to have `redis` (or `ioredis`) connect (closed by `close()`).
 *
 * @example
 * import { createClient } from 'redis';
 * import { createRedisCounterStore } from 'gatehouse/redis';
 * const store = createRedisCounterStore(await createClient({ url: 'redis://127.0.0.1:6379' }).connect());
 * const handler = createAuthHandler({ users, key, throttle: { store } });
 */
export function createRedisCounterStore(client: RedisClient | string): CounterStore {
  const ownsClient = typeof client === 'string';
  if (ownsClient && !/^rediss?:\/\//i.test(client)) throw new ConfigurationError('a Redis URL starts with redis:// or rediss://');
  if (!ownsClient && (client === null || typeof client !== 'object')) throw new ConfigurationError('createRedisCounterStore needs a Redis client or URL');
  let opened: Promise<{ send: Send; client: RedisClient }> | undefined = ownsClient
    ? undefined
    : Promise.resolve({ send: sender(client), client });
  const ready = () =>
    (opened ??= connect(client as string)
      .then((connected) => ({ send: sender(connected), client: connected }))
      .catch((error: unknown) => {
        opened = undefined; // try again on the next call
        throw error;
      }));

  return {
    async increment(key, ttlMs, now) {
      const { send } = await ready();
      const [count, ttl] = pair(await send(['EVAL', INCREMENT, '1', key, String(ttlMs)]));
      return { count, expiresAt: now + (ttl > 0 ? ttl : ttlMs) };
    },
    async get(key, now) {
      const { send } = await ready();
      const [count, ttl] = pair(await send(['EVAL', READ, '1', key]));
      if (count <= 0 || ttl === -2) return null;
      // A key without expiry (-1) was not written by us: treat it as expiring in a minute.
      return { count, expiresAt: now + (ttl > 0 ? ttl : 60_000) };
    },
    async reset(key) {
      const { send } = await ready();
      await send(['DEL', key]);
    },
    async decrement(key) {
      const { send } = await ready();
      await send(['EVAL', DECREMENT, '1', key]);
    },
    async close() {
      if (!ownsClient || !opened) return;
      const { client: connected } = await opened.catch(() => ({ client: null }));
      opened = undefined;
      const c = connected as { close?(): Promise<unknown>; quit?(): Promise<unknown> } | null;
      try {
        await (c?.close ? c.close() : c?.quit?.());
      } catch {
        // already closed
      }
    },
  };
}
