/**
 * gatehouse in Express 5 with cookie sessions (docs/browser.md), for browser apps:
 *   npm run build && ALLOW_HTTP_COOKIES=1 node --import tsx examples/express/sessions.ts
 *   curl -c jar -d 'username=johndoe&password=secret' http://127.0.0.1:8000/login
 *   curl -b jar http://127.0.0.1:8000/profile
 *   curl -b jar -X POST -H 'Origin: http://127.0.0.1:8000' http://127.0.0.1:8000/logout
 * POST /login sets the HttpOnly session cookie; /profile, /users/me/ and GET /sessions take it (or a
 * bearer token: POST /token still works). A cookie-authenticated POST must come from the app's own
 * origin (the origin rule: 403 otherwise), so POST /notes needs no CSRF token. ALLOW_HTTP_COOKIES=1
 * drops Secure and the __Host- prefix for http://127.0.0.1 development only: behind HTTPS leave it out
 * and set ORIGIN to the public origin when a proxy rewrites the host.
 */
import express from 'express';
import { CryptContext, createAuthHandler, type UserRecord } from 'gatehouse';
import { createNodeListener, requireUserMiddleware } from 'gatehouse/node';
import { TUTORIAL_SECRET_KEY, fakeUsersDb, greeting } from '../shared/seed.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: UserRecord;
    }
  }
}

const gatehouse = createAuthHandler({
  users: fakeUsersDb,
  key: process.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
  routes: { items: false }, // the tutorial's /users/me/items/ is not this app's
  origin: process.env.ORIGIN, // the public origin behind a proxy; else the request's own
  sessions: { cookie: { allowHttpCookies: process.env.ALLOW_HTTP_COOKIES === '1' } },
});
const requireUser = requireUserMiddleware(gatehouse);

const app = express();
app.get('/profile', requireUser, (req, res) => {
  res.json(greeting(req.user!, 'express'));
});
// An unsafe route of the app's own: with the cookie, requireUser applies the origin rule first.
app.post('/notes', requireUser, (req, res) => {
  res.status(201).json({ owner: req.user!.username });
});
// Everything else: POST /login, POST /logout, GET /sessions, DELETE /sessions/{id}, POST /token,
// /users/me/, /docs, /openapi.json (and gatehouse's JSON 404).
app.use(createNodeListener(gatehouse));

const server = app.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : ''}`);
});
