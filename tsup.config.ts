import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library; node: the Node adapter (gatehouse/node); cli: the `gatehouse` bin;
  // hash-worker: the hashing pool's worker, found beside the pool's code (dist/) at run time.
  entry: { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'src/cli.ts', 'hash-worker': 'src/platform/hash-worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url in the CommonJS build too (the pool locates dist/hash-worker.cjs with it).
  shims: true,
  target: 'es2022',
  platform: 'neutral',
  // Runtime dependencies stay external; node: builtins are only reached at run time.
  external: ['jose', /^@noble\/hashes/],
});
