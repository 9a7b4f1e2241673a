/**
 * gatehouse in h3 v2 (web-standard: `event.req` is a Request), served on Node by h3's `serve`:
 *   npm run build && node --import tsx examples/h3/server.ts
 *   curl -d 'username=johndoe&password=secret' http://127.0.0.1:8000/token
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/profile
 * `requireUser` is route middleware that puts the user on `event.context`; gatehouse's own routes
 * (POST /token, /docs, /openapi.json) are the app's fallback.
 */
import { CryptContext, createAuthHandler, type UserRecord } from 'gatehouse';
import { H3, type Middleware, serve } from 'h3';
import { TUTORIAL_SECRET_KEY, fakeUsersDb, greeting } from '../shared/seed.ts';

const gatehouse = createAuthHandler({
  users: fakeUsersDb,
  key: process.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
});

/** The bearer token's user on `event.context.user`, or gatehouse's 401 (with WWW-Authenticate). */
const requireUser: Middleware = async (event) => {
  const { user, response } = await gatehouse.auth.requireUser(event.req);
  if (response) return response;
  event.context.user = user;
};

const app = new H3();
app.get('/profile', (event) => greeting(event.context.user as UserRecord, 'h3'), { middleware: [requireUser] });
app.all('/**', (event) => gatehouse(event.req));

const server = serve(app, { hostname: '127.0.0.1', port: Number(process.env.PORT ?? 8000), silent: true });
await server.ready();
console.log(`listening on ${server.url!.replace(/\/$/, '')}`);
