/**
 * Protecting your own routes with gatehouse's building blocks, in any fetch-style server
 * (Node via gatehouse/node here; the same function runs on Deno.serve, Bun.serve or Workers):
 *   node --import tsx examples/own-routes.ts
 *   curl -d 'username=johndoe&password=secret&scope=notes' http://127.0.0.1:8001/login
 *   curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8001/notes
 */
import { CryptContext, createAuth, jsonResponse } from '../src/index.js'; // 'gatehouse' in an app
import { serve } from '../src/node/index.js'; // 'gatehouse/node'

const auth = createAuth({
  users: {
    johndoe: {
      username: 'johndoe',
      hashed_password: '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW',
    },
  },
  key: process.env.SECRET_KEY ?? '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7',
  context: new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' }),
  scopes: { notes: 'Read your notes.' },
  // Who gets a scope is the app's decision (a scope beyond the tutorial's me/items needs this).
  grantScopes: (_user, requested) => requested.filter((scope) => scope === 'notes'), // every user reads their notes
});

async function app(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === '/login' && request.method === 'POST') return auth.login(request);
  if (pathname === '/notes' && request.method === 'GET') {
    // The user, or the ready 401/400 answer (with the right WWW-Authenticate challenge).
    const { user, response } = await auth.requireUser(request, { scopes: ['notes'] });
    if (response) return response;
    return jsonResponse([{ owner: user.username, text: 'buy milk' }]);
  }
  return jsonResponse({ detail: 'Not Found' }, { status: 404 });
}

const server = await serve(app, { port: 8001 });
console.log(`Listening on ${server.url}`);
process.once('SIGINT', () => void server.close());
