/**
 * gatehouse in Express 5:
 *   npm run build && node --import tsx examples/express/server.ts
 *   curl -d 'username=johndoe&password=secret' http://127.0.0.1:8000/token
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/profile
 * gatehouse's routes run through createNodeListener (Express hands it the untouched request: no body
 * parser before it); requireUserMiddleware sets `req.user`, or answers gatehouse's 401 (with
 * WWW-Authenticate) as its own routes do.
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
});
const requireUser = requireUserMiddleware(gatehouse);

const app = express();
app.get('/profile', requireUser, (req, res) => {
  res.json(greeting(req.user!, 'express'));
});
// Everything else: POST /token, /users/me/, /docs, /openapi.json (and gatehouse's JSON 404).
app.use(createNodeListener(gatehouse));

const server = app.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : ''}`);
});
