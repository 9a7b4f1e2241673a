/**
 * gatehouse/throttle: the counter stores that share login-throttle counts between servers (SQLite,
 * PostgreSQL, Redis), kept out of the core entry. None imports a driver unless given a URL.
 */
export { createSqliteCounterStore } from './http/throttle/sqlite.js';
export type { D1Database, SqliteCounterStoreOptions, SqliteDatabase } from './http/throttle/sqlite.js';
export { createPostgresCounterStore } from './http/throttle/postgres.js';
export type { PostgresCounterStoreOptions, PostgresQueryable } from './http/throttle/postgres.js';
export { createRedisCounterStore } from './http/throttle/redis.js';
export type { RedisClient } from './http/throttle/redis.js';
export { openCounterStore } from './http/throttle/open.js';
export { CounterStoreError, createMemoryCounterStore } from './http/throttle/index.js';
export type { Counter, CounterStore } from './http/throttle/index.js';
