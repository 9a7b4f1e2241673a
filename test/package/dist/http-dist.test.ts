/**
 * The built package (dist/, from `npm run build`): both the ESM and the CommonJS builds find
 * swagger-ui-dist on their own (import.meta.url is empty in the CommonJS one) and serve /docs
 * files; gatehouse/node serves the handler. Skipped when there is no build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { KEY, makeUsers } from '../../helpers/http.js';

const dist = new URL('../../../dist/', import.meta.url);
const built = existsSync(new URL('index.js', dist)) && existsSync(new URL('node/index.js', dist));
if (!built) console.warn('http-dist.test.ts: skipped: no dist/ (run npm run build)');

type HandlerFactory = (options: Record<string, unknown>) => (request: Request) => Promise<Response>;

describe.skipIf(!built)('the built package', () => {
  const bundle = readFileSync(new URL('../../../node_modules/swagger-ui-dist/swagger-ui-bundle.js', import.meta.url));

  for (const format of ['esm', 'cjs'] as const) {
    it(`serves the Swagger UI files from the ${format} build`, async () => {
      const lib =
        format === 'esm'
          ? await import(new URL('index.js', dist).href)
          : createRequire(import.meta.url)(new URL('index.cjs', dist).pathname);
      const createAuthHandler = lib.createAuthHandler as HandlerFactory | undefined;
      expect(createAuthHandler, 'dist/index lacks createAuthHandler: src/index.ts must re-export ./http/index.js').toBeTypeOf('function');
      const handle = createAuthHandler!({ users: makeUsers(), key: KEY });
      const response = await handle(new Request('http://x/docs/swagger-ui-bundle.js'));
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(bundle)).toBe(true);
    });
  }

  it('serves a handler through gatehouse/node (ESM and CommonJS)', async () => {
    for (const node of [await import(new URL('node/index.js', dist).href), createRequire(import.meta.url)(new URL('node.cjs', dist).pathname)]) {
      const server = await node.serve(() => new Response('hi'), { port: 0 });
      try {
        expect(await (await fetch(server.url)).text()).toBe('hi');
      } finally {
        await server.close();
      }
    }
  });
});
