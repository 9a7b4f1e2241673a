import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library; node: the Node adapter (gatehouse/node); sqlite, postgres: the SQL user
  // stores (gatehouse/sqlite, gatehouse/postgres); cli: the `gatehouse` bin.
  entry: {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    sqlite: 'src/users/sqlite/index.ts',
    postgres: 'src/users/postgres/index.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // Runtime dependencies stay external; node: builtins are only reached at run time. The database
  // drivers (optional peers) are imported only by gatehouse/sqlite and gatehouse/postgres, when asked.
  external: ['jose', /^@noble\/hashes/, 'better-sqlite3', 'pg'],
});
