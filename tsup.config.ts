import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library; node: the Node adapter (gatehouse/node); cli: the `gatehouse` bin;
  // throttle, redis: the shared counter stores of the login throttle (gatehouse/throttle, gatehouse/redis).
  entry: { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'src/cli.ts', throttle: 'src/throttle.ts', redis: 'src/redis.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // Runtime dependencies stay external; node: builtins are only reached at run time.
  // Database drivers are optional peers, imported at run time only when a store is given a URL.
  external: ['jose', /^@noble\/hashes/, 'better-sqlite3', 'pg', 'redis', 'ioredis'],
});
