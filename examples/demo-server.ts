/**
 * FastAPI's "OAuth2 with Password (and hashing), Bearer with JWT tokens" tutorial app, on Node:
 *   npm run demo          then open http://127.0.0.1:8000/docs and Authorize as johndoe / secret
 * (`gatehouse serve` is the same app with options; this file shows the API it is built from.)
 */
import { CryptContext, createAuthHandler } from '../src/index.js'; // 'gatehouse' in an app
import { serve } from '../src/node/index.js'; // 'gatehouse/node'
import { TUTORIAL_SECRET_KEY, fakeUsersDb } from './shared/seed.ts'; // the seed's fake_users_db: johndoe / "secret"

const handler = createAuthHandler({
  users: fakeUsersDb,
  // The tutorial signs with the UTF-8 bytes of a hex string; `gatehouse secret` makes one.
  key: process.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  // The seed's CryptContext(schemes=["bcrypt"], deprecated="auto").
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
  tokenTtl: '30m',
});

const server = await serve(handler, { port: Number(process.env.PORT ?? 8000) });
console.log(`Listening on ${server.url}; Swagger UI at ${server.url}/docs`);
process.once('SIGINT', () => void server.close());
