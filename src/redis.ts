/** gatehouse/redis: the Redis / Valkey counter store of the login throttle (node-redis or ioredis). */
export { createRedisCounterStore } from './http/throttle/redis.js';
export type { RedisClient } from './http/throttle/redis.js';
