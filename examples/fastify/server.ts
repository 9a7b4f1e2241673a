/**
 * gatehouse in Fastify 5:
 *   npm run build && node --import tsx examples/fastify/server.ts
 *   curl -d 'username=johndoe&password=secret' http://127.0.0.1:8000/token
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/profile
 * A plugin hands gatehouse's routes the raw request (its body left unparsed) through
 * createNodeListener; `requireUser` is a preHandler hook that sets `request.user`.
 */
import Fastify, { type FastifyPluginAsync, type preHandlerAsyncHookHandler } from 'fastify';
import { CryptContext, createAuthHandler, type UserRecord } from 'gatehouse';
import { createNodeListener } from 'gatehouse/node';
import { TUTORIAL_SECRET_KEY, fakeUsersDb, greeting } from '../shared/seed.ts';

declare module 'fastify' {
  interface FastifyRequest {
    user?: UserRecord;
  }
}

const gatehouse = createAuthHandler({
  users: fakeUsersDb,
  key: process.env.SECRET_KEY ?? TUTORIAL_SECRET_KEY,
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
});

/** POST /token, /openapi.json and /docs, answered by gatehouse from the untouched request. */
const gatehouseRoutes: FastifyPluginAsync = async (scope) => {
  const listener = createNodeListener(gatehouse);
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, _payload, done) => done(null)); // gatehouse reads the body
  for (const url of ['/token', '/openapi.json', '/docs', '/docs/*']) {
    scope.all(url, (request, reply) => {
      reply.hijack();
      listener(request.raw, reply.raw);
    });
  }
};

/** Sets `request.user` from the bearer token, or answers gatehouse's 401 (with WWW-Authenticate). */
const requireUser: preHandlerAsyncHookHandler = async (request, reply) => {
  const authorization = request.headers.authorization;
  const { user, response } = await gatehouse.auth.requireUser(
    new Request(new URL(request.url, 'http://localhost'), { headers: authorization ? { authorization } : {} }),
  );
  if (response) return reply.code(response.status).headers(Object.fromEntries(response.headers)).send(await response.text());
  request.user = user;
};

const app = Fastify();
await app.register(gatehouseRoutes);
app.get('/profile', { preHandler: requireUser }, async (request) => greeting(request.user!, 'fastify'));

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8000) });
console.log(`listening on ${address}`);
