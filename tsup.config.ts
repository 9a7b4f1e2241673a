import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library; node: the Node adapter (gatehouse/node); cli: the `gatehouse` bin.
  entry: { index: 'src/index.ts', node: 'src/node/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // Runtime dependencies stay external; node: builtins are only reached at run time.
  external: ['jose', /^@noble\/hashes/],
});
