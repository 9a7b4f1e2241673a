/**
 * The smoke checks as a Cloudflare Worker, bundled by esbuild ('gatehouse' resolves to the built
 * dist/index.js) and served by workerd with nodejs_compat off (see workerd.capnp).
 *   GET /__smoke  runs smoke.mjs and answers its JSON
 *   anything else goes to the tutorial app, created at module scope as a Worker would:
 *                 johndoe / "secret" with the FastAPI seed's cost-12 bcrypt hash.
 */
import * as gatehouse from 'gatehouse';
import hashes from './fixtures/hashes.json' with { type: 'json' };
import tokens from './fixtures/tokens.json' with { type: 'json' };
import pbkdf2AboveCap from './fixtures/pbkdf2-above-cap.json' with { type: 'json' };
import argon2 from './fixtures/argon2.json' with { type: 'json' };
import { runSmoke } from './smoke.mjs';

const SEED_HASH = hashes.vectors.find((v) => v.system === 'fastapi-tutorial').hash;

function describeError(error) {
  return { error: error?.name ?? typeof error, code: error?.code ?? null, message: String(error?.message ?? error) };
}

let app = null;
let appError = null;
try {
  if (typeof gatehouse.createAuthHandler === 'function') {
    app = gatehouse.createAuthHandler({
      users: {
        johndoe: {
          username: 'johndoe',
          full_name: 'John Doe',
          email: 'johndoe@example.com',
          hashed_password: SEED_HASH,
          disabled: false,
        },
      },
      key: tokens.secret,
      // bcrypt only: the default policy's scrypt (128 MiB) does not belong in a 128 MiB isolate.
      context: new gatehouse.CryptContext({ schemes: ['bcrypt'] }),
      docs: false,
    });
  } else {
    appError = { pending: 'createAuthHandler is not exported by the package' };
  }
} catch (error) {
  appError = describeError(error);
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/__smoke') {
      const result = await runSmoke(gatehouse, { hashes, tokens, pbkdf2AboveCap, argon2 });
      return Response.json({ runtime: 'workerd', version: navigator.userAgent, appError, ...result });
    }
    if (!app) return Response.json({ appError }, { status: 500 });
    return app(request);
  },
};
