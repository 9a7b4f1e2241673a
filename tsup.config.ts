import { type Options, defineConfig } from 'tsup';

// Public entries: index (the library), node (the Node adapter, gatehouse/node); cli is the bin.
const entries = { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'src/cli.ts' };
const typedEntries = { index: entries.index, node: entries.node };

const shared: Options = {
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  // Runtime dependencies stay external; node: builtins are only reached at run time.
  external: ['jose', /^@noble\/hashes/],
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
