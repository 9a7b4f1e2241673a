/**
 * gatehouse as a Cloudflare Worker (no nodejs_compat needed), run locally by workerd:
 *   npm run build
 *   npx esbuild examples/cloudflare-worker/worker.ts --bundle --format=esm \
 *     --conditions=workerd,worker,browser --outfile=examples/cloudflare-worker/dist/worker.js
 *   npm run runtimes:install   (workerd comes with the test runtimes)
 *   cd examples/cloudflare-worker && ../../test/runtimes/node_modules/.bin/workerd serve config.capnp
 *   curl -d 'username=johndoe&password=secret' http://127.0.0.1:8000/token
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/profile
 * Workers cannot read node_modules at run time, so /docs gets swagger-ui-dist's files through an
 * asset loader over the ASSETS binding (a disk service in config.capnp; on Cloudflare, a static
 * assets binding of the same name).
 */
import { type AuthHandler, CryptContext, type DocsAssetLoader, createAuthHandler } from 'gatehouse';
import { TUTORIAL_SECRET_KEY, fakeUsersDb, greeting } from '../shared/seed.ts';

interface Env {
  /** Serves the files of swagger-ui-dist by name. */
  ASSETS: { fetch(request: Request): Promise<Response> };
  SECRET_KEY?: string;
}

/** swagger-ui-dist files through the ASSETS binding; null (a 404 at /docs/...) when one is missing. */
function assetsFrom(binding: Env['ASSETS']): DocsAssetLoader {
  return async (name) => {
    const response = await binding.fetch(new Request(`https://assets.invalid/${name}`));
    return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
  };
}

// Bindings arrive with the first request; the handler is built once, then reused by the isolate.
let gatehouse: AuthHandler | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    gatehouse ??= createAuthHandler({
      users: fakeUsersDb,
      key: env.SECRET_KEY || TUTORIAL_SECRET_KEY,
      // bcrypt only: the default policy's scrypt (128 MiB) does not belong in a 128 MiB isolate.
      context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
      docs: { assets: assetsFrom(env.ASSETS) },
    });
    if (new URL(request.url).pathname === '/profile' && request.method === 'GET') {
      const { user, response } = await gatehouse.auth.requireUser(request);
      return response ?? Response.json(greeting(user, 'cloudflare-worker'));
    }
    return gatehouse(request); // POST /token, /docs, /openapi.json
  },
};
