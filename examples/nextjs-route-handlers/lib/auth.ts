/**
 * The gatehouse instance the route handlers share (in a Next.js app: lib/auth.ts). Route handlers
 * are fetch-style functions, so they use gatehouse's building blocks directly: `auth.login` is the
 * whole token endpoint and `auth.requireUser` the bearer check, wherever the route is mounted.
 */
import { CryptContext, createAuth } from 'gatehouse';
import { TUTORIAL_SECRET_KEY, fakeUsersDb } from '../../shared/seed.ts';

export const auth = createAuth({
  users: fakeUsersDb,
  key: process.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
});
