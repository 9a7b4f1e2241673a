import { type Options, defineConfig } from 'tsup';

// Public entries: index (the library), node (the Node adapter, gatehouse/node), sqlite and postgres
// (the SQL user stores, gatehouse/sqlite and gatehouse/postgres); cli is the bin.
const typedEntries = {
  index: 'src/index.ts',
  node: 'src/node/index.ts',
  sqlite: 'src/users/sqlite/index.ts',
  postgres: 'src/users/postgres/index.ts',
};
const entries = { ...typedEntries, cli: 'src/cli.ts' };

const shared: Options = {
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  // Runtime dependencies stay external; node: builtins are only reached at run time. The database
  // drivers (optional peers) are imported only by gatehouse/sqlite and gatehouse/postgres, when asked.
  external: ['jose', /^@noble\/hashes/, 'better-sqlite3', 'pg'],
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
