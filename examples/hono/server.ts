/**
 * gatehouse in Hono (on Node through @hono/node-server):
 *   npm run build && node --import tsx examples/hono/server.ts
 *   curl -d 'username=johndoe&password=secret' http://127.0.0.1:8000/token
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/profile
 * gatehouse's routes (POST /token, /docs, /openapi.json) are the app's fallback; `requireUser` is a
 * Hono middleware that puts the user on the context. No hono/jwt: gatehouse checks the token.
 */
import { serve } from '@hono/node-server';
import { CryptContext, createAuthHandler, type UserRecord } from 'gatehouse';
import { Hono, type MiddlewareHandler } from 'hono';
import { TUTORIAL_SECRET_KEY, fakeUsersDb, greeting } from '../shared/seed.ts';

const gatehouse = createAuthHandler({
  users: fakeUsersDb,
  key: process.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
});

type Env = { Variables: { user: UserRecord } };

/** The bearer token's user on `c.get('user')`, or gatehouse's 401 (with WWW-Authenticate). */
const requireUser: MiddlewareHandler<Env> = async (c, next) => {
  const { user, response } = await gatehouse.auth.requireUser(c.req.raw);
  if (response) return response;
  c.set('user', user);
  await next();
};

const app = new Hono<Env>();
app.get('/profile', requireUser, (c) => c.json(greeting(c.get('user'), 'hono')));
app.all('*', (c) => gatehouse(c.req.raw));

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 8000) }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
