/**
 * gatehouse on Bun.serve (its `routes` for the app's own pages, gatehouse as the fallback `fetch`):
 *   npm run build && bun run examples/bun/server.ts
 *   curl -d 'username=johndoe&password=secret' http://127.0.0.1:8000/token
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/profile
 */
import { CryptContext, createAuthHandler } from 'gatehouse';
import { TUTORIAL_SECRET_KEY, fakeUsersDb, greeting } from '../shared/seed.ts';

const gatehouse = createAuthHandler({
  users: fakeUsersDb,
  key: Bun.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
});

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(Bun.env.PORT ?? 8000),
  routes: {
    '/profile': {
      GET: async (request) => {
        // The user, or the ready 401 (with WWW-Authenticate: Bearer).
        const { user, response } = await gatehouse.auth.requireUser(request);
        return response ?? Response.json(greeting(user, 'bun'));
      },
    },
  },
  fetch: gatehouse, // POST /token, /docs, /openapi.json
});
console.log(`listening on ${server.url.href.replace(/\/$/, '')}`);
