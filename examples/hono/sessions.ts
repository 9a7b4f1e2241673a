/**
 * gatehouse in Hono (on Node through @hono/node-server) with cookie sessions (docs/browser.md):
 *   npm run build && ALLOW_HTTP_COOKIES=1 node --import tsx examples/hono/sessions.ts
 *   curl -c jar -d 'username=johndoe&password=secret' http://127.0.0.1:8000/login
 *   curl -b jar http://127.0.0.1:8000/profile
 *   curl -b jar -X POST -H 'Origin: http://127.0.0.1:8000' http://127.0.0.1:8000/logout
 * POST /login sets the HttpOnly session cookie; `requireUser` takes it (or a bearer token), applies
 * the origin rule to unsafe methods (403 from a foreign Origin) and sends the renewed cookie when
 * gatehouse renews the session. ALLOW_HTTP_COOKIES=1 is for http://127.0.0.1 development only.
 */
import { serve } from '@hono/node-server';
import { CryptContext, createAuthHandler, type UserRecord } from 'gatehouse';
import { Hono, type MiddlewareHandler } from 'hono';
import { TUTORIAL_SECRET_KEY, fakeUsersDb, greeting } from '../shared/seed.ts';

const gatehouse = createAuthHandler({
  users: fakeUsersDb,
  key: process.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
  origin: process.env.ORIGIN, // the public origin behind a proxy; else the request's own
  sessions: { cookie: { allowHttpCookies: process.env.ALLOW_HTTP_COOKIES === '1' } },
});

type Env = { Variables: { user: UserRecord } };

/** The session's (or bearer token's) user on `c.get('user')`, or gatehouse's 401/403. */
const requireUser: MiddlewareHandler<Env> = async (c, next) => {
  const { user, response, setCookie } = await gatehouse.auth.requireUser(c.req.raw);
  if (response) return response;
  c.set('user', user);
  await next();
  // A renewed session (at most once per updateAge) goes back to the browser with the answer.
  if (setCookie) c.res.headers.append('set-cookie', setCookie);
};

const app = new Hono<Env>();
app.get('/profile', requireUser, (c) => c.json(greeting(c.get('user'), 'hono')));
// An unsafe route of the app's own: with the cookie, requireUser applies the origin rule first.
app.post('/notes', requireUser, (c) => c.json({ owner: c.get('user').username }, 201));
// POST /login, POST /logout, GET /sessions, DELETE /sessions/{id}, POST /token, /users/me/, /docs.
app.all('*', (c) => gatehouse(c.req.raw));

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 8000) }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
