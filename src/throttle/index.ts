/**
 * gatehouse/throttle: the counter stores that share login-throttle counts between servers (SQLite,
 * PostgreSQL, Redis), kept out of the core entry. None imports a driver unless given a URL.
 */
export { createSqliteCounterStore } from './sqlite.js';
export type { D1Database, SqliteCounterStoreOptions, SqliteDatabase } from './sqlite.js';
export { createPostgresCounterStore } from './postgres.js';
export type { PostgresCounterStoreOptions, PostgresQueryable } from './postgres.js';
export { createMysqlCounterStore } from './mysql.js';
export type { MysqlCounterStoreOptions } from './mysql.js';
export type { MysqlPooledConnection, MysqlQueryable } from '../users/sql/mysql-driver.js';
export { createRedisCounterStore } from './redis.js';
export type { RedisClient } from './redis.js';
export { openCounterStore } from './open.js';
export { CounterStoreError } from './store.js';
export { createMemoryCounterStore } from './memory.js';
export type { Counter, CounterStore } from './store.js';
