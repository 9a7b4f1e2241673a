/**
 * The cookie-session gatehouse the session route handlers share (in a Next.js app: lib/sessions.ts;
 * docs/browser.md). The handler answers its own routes wherever they are mounted, so each route file
 * is one line (`export const POST = gatehouse`); `paths` says where Next.js mounts them under app/api/.
 * `gatehouse.auth.requireUser` takes the session cookie (or a bearer token) in the app's own routes.
 * ALLOW_HTTP_COOKIES=1 drops Secure and the __Host- prefix for `next dev` on http://localhost only.
 */
import { CryptContext, createAuthHandler } from 'gatehouse';
import { TUTORIAL_SECRET_KEY, fakeUsersDb } from '../../shared/seed.ts';

export const gatehouse = createAuthHandler({
  users: fakeUsersDb,
  key: process.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
  paths: { login: '/api/login', logout: '/api/logout', sessions: '/api/sessions', me: '/api/me', token: '/api/token' },
  routes: { items: false },
  docs: false, // no /docs under app/api/ here
  sessions: { cookie: { allowHttpCookies: process.env.ALLOW_HTTP_COOKIES === '1' } },
});
