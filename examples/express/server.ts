/**
 * gatehouse in Express 5:
 *   npm run build && node --import tsx examples/express/server.ts
 *   curl -d 'username=johndoe&password=secret' http://127.0.0.1:8000/token
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/profile
 * gatehouse's routes run through createNodeListener (Express hands it the untouched request: no body
 * parser before it); `requireUser` is an Express middleware that sets `req.user`.
 */
import express, { type RequestHandler } from 'express';
import { CryptContext, createAuthHandler, type UserRecord } from 'gatehouse';
import { createNodeListener } from 'gatehouse/node';
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
});

/** Sets `req.user` from the bearer token, or answers gatehouse's 401 (with WWW-Authenticate). */
const requireUser: RequestHandler = async (req, res, next) => {
  const authorization = req.get('authorization');
  const request = new Request(new URL(req.originalUrl, 'http://localhost'), {
    headers: authorization ? { authorization } : {},
  });
  const { user, response } = await gatehouse.auth.requireUser(request);
  if (response) {
    res.status(response.status).set(Object.fromEntries(response.headers)).send(await response.text());
    return;
  }
  req.user = user;
  next();
};

const app = express();
app.get('/profile', requireUser, (req, res) => {
  res.json(greeting(req.user!, 'express'));
});
// Everything else: POST /token, /docs, /openapi.json (and gatehouse's JSON 404).
app.use(createNodeListener(gatehouse));

const server = app.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : ''}`);
});
