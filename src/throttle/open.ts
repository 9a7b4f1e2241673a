/** A counter store from a URL, for configuration files and `gatehouse serve --throttle-store`. */
import { ConfigurationError } from '../errors.js';
import { createMemoryCounterStore } from './memory.js';
import { createMysqlCounterStore } from './mysql.js';
import { createPostgresCounterStore } from './postgres.js';
import { createRedisCounterStore } from './redis.js';
import { createSqliteCounterStore } from './sqlite.js';
import type { CounterStore } from './store.js';

/**
 * `memory`, `redis://` / `rediss://` (node-redis or ioredis), `postgres://` / `postgresql://` (pg),
 * `mysql://` / `mariadb://` (mysql2) or
 * `sqlite:PATH` (better-sqlite3 or node:sqlite). The driver is imported on first use; close() releases it.
 *
 * @example
 * const store = openCounterStore(process.env.THROTTLE_STORE ?? 'memory');
 */
export function openCounterStore(url: string): CounterStore {
  if (typeof url !== 'string') throw new ConfigurationError('a counter store URL must be a string');
  if (url === 'memory') return createMemoryCounterStore();
  if (/^rediss?:\/\//i.test(url)) return createRedisCounterStore(url);
  if (/^postgres(?:ql)?:\/\//i.test(url)) return createPostgresCounterStore(url);
  if (/^(?:mysql|mariadb):\/\//i.test(url)) return createMysqlCounterStore(url);
  if (/^sqlite:/i.test(url)) return createSqliteCounterStore(url);
  throw new ConfigurationError('a counter store URL is memory, redis://..., postgres://..., mysql://... (or mariadb://...) or sqlite:PATH');
}
