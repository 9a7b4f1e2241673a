import { type Options, defineConfig } from 'tsup';

// Public entries: index (the library), passwords (CryptContext and the scheme objects, gatehouse/passwords),
// node (the Node adapter, gatehouse/node), http (the fetch handler and its building blocks, gatehouse/http),
// sqlite, postgres and mysql
// (the SQL user stores, gatehouse/sqlite, gatehouse/postgres and gatehouse/mysql), throttle and redis (the shared
// counter stores of the login throttle, gatehouse/throttle and gatehouse/redis), tokens (JWT access
// tokens alone, gatehouse/tokens); cli is the bin.
const typedEntries = {
  index: 'src/index.ts',
  passwords: 'src/passwords/index.ts',
  node: 'src/node/index.ts',
  http: 'src/http/index.ts',
  sqlite: 'src/users/sql/sqlite.ts',
  postgres: 'src/users/sql/postgres.ts',
  mysql: 'src/users/sql/mysql.ts',
  throttle: 'src/throttle/index.ts',
  redis: 'src/throttle/redis.ts',
  tokens: 'src/tokens/index.ts',
};
// hash-worker: the hashing pool's worker, found beside the pool's code at run time (the ESM build
// has it at dist/passwords/pool/hash-worker.js next to the pool, the CommonJS one at dist/hash-worker.cjs).
const entries = { ...typedEntries, cli: 'src/cli/index.ts', 'hash-worker': 'src/passwords/pool/hash-worker.ts' };

const shared: Options = {
  sourcemap: true,
  // import.meta.url in the CommonJS build too (the pool locates dist/hash-worker.cjs with it).
  shims: true,
  target: 'es2022',
  platform: 'neutral',
  // Runtime dependencies stay external; node: builtins are only reached at run time. The database
  // drivers (optional peers) are imported only by gatehouse/sqlite and gatehouse/postgres, when asked.
  external: ['jose', /^@noble\/hashes/, 'better-sqlite3', 'pg', /^mysql2/],
};

export default defineConfig([
  {
    // ESM, one file per source module (dist/<path under src>.js): with `sideEffects: false` an app's
    // bundler drops every module it does not use (a tokens-only import carries no password or HTTP
    // code; bench/bundle-size.mjs). A single bundled file would keep whatever its top-level calls reach.
    ...shared,
    entry: ['src/**/*.ts'],
    bundle: false,
    format: ['esm'],
    dts: { entry: typedEntries },
  },
  {
    // CommonJS, one bundle per entry (require() has no tree shaking to help).
    ...shared,
    entry: entries,
    format: ['cjs'],
    dts: { entry: typedEntries },
  },
]);
