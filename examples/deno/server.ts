/**
 * gatehouse on Deno.serve (Deno 2 reads the package from node_modules next to package.json; in your
 * own app, `deno add npm:gatehouse`):
 *   npm run build && deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/deno/server.ts
 *   curl -d 'username=johndoe&password=secret' http://127.0.0.1:8000/token
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/profile
 */
import { CryptContext, createAuthHandler } from 'gatehouse';
import { TUTORIAL_SECRET_KEY, fakeUsersDb, greeting } from '../shared/seed.ts';

const gatehouse = createAuthHandler({
  users: fakeUsersDb,
  key: Deno.env.get('SECRET_KEY') ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
});

Deno.serve(
  {
    hostname: '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 8000),
    onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
  },
  async (request) => {
    if (new URL(request.url).pathname === '/profile' && request.method === 'GET') {
      // The user, or the ready 401 (with WWW-Authenticate: Bearer).
      const { user, response } = await gatehouse.auth.requireUser(request);
      return response ?? Response.json(greeting(user, 'deno'));
    }
    return gatehouse(request); // POST /token, /docs, /openapi.json
  },
);
