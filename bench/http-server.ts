/**
 * One server of the HTTP benchmarks, in its own process (the load generator runs in another):
 *   node --import tsx bench/http-server.ts <gatehouse|noauth|noauth-async|noauth-plain|hono-jwt|hono-noauth>
 *   ... <sqlite|postgres|postgres-cache|mariadb|mariadb-cache>: gatehouse with users in $BENCH_SQLITE_PATH /
 *       $BENCH_PG_URL / $BENCH_MYSQL_URL
 *   ... <dist-bcrypt|dist-argon2|rs-bcrypt|rs-argon2> (bench/logins.bench.ts; dist-*: npm run build first)
 *   ... <dist-plain|dist-gatehouse>: noauth-plain and gatehouse on the built package (bench/http-wrk.bench.ts)
 * Prints "READY <port>" once listening.
 */
import { serve as honoServe } from '@hono/node-server';
import { Hono } from 'hono';
import { jwt } from 'hono/jwt';
import { createAuthHandler, jsonResponse } from '../src/http/index.js';
import { serve } from '../src/node/index.js';
import { CryptContext } from '../src/passwords/registry.js';
import { createPostgresUserStore } from '../src/users/sql/postgres.js';
import { createMysqlUserStore } from '../src/users/sql/mysql.js';
import { createSqliteUserStore } from '../src/users/sql/sqlite.js';
import { ARGON2_SEED, KEY, PUBLIC, SEED } from './http-common.js';
import { startNativeLoginServer } from './native-login-server.js';

async function start(kind: string): Promise<number> {
  switch (kind) {
    case 'gatehouse': {
      // The FastAPI seed's policy: bcrypt, cost 12.
      const context = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto', settings: { bcrypt: { rounds: 12 } } });
      const handler = createAuthHandler({ users: SEED, key: KEY, context });
      return port((await serve(handler, { port: 0 })).url);
    }
    case 'dist-gatehouse': // 'gatehouse' on the built package (bench/http-wrk.bench.ts)
    case 'dist-bcrypt':
    case 'dist-argon2': {
      // The built package (npm run build first, imported by its own name): its hashing pool finds
      // its worker file in dist/ (worker threads cannot load the TypeScript sources). bcrypt 12 as
      // the FastAPI seed, or FastAPI's current tutorial: pwdlib's argon2id (m=65536, t=3, p=4).
      const dist = await import('gatehouse');
      const distNode = await import('gatehouse/node');
      const argon2 = kind === 'dist-argon2';
      const context = new dist.CryptContext(
        argon2
          ? { schemes: ['argon2'], settings: { argon2: { memoryCost: 65536, timeCost: 3, parallelism: 4 } } }
          : { schemes: ['bcrypt'], settings: { bcrypt: { rounds: 12 } } },
      );
      const handler = dist.createAuthHandler({ users: argon2 ? ARGON2_SEED : SEED, key: KEY, context });
      return port((await distNode.serve(handler, { port: 0 })).url);
    }
    case 'dist-plain': {
      // noauth-plain on the built package: the peers run compiled JavaScript too (tsx's transform
      // of the sources wraps every closure made per request in a naming helper, ~2% here).
      const distNode = await import('gatehouse/node');
      const body = JSON.stringify(PUBLIC);
      const headers = { 'content-type': 'application/json' };
      return port((await distNode.serve(() => new Response(body, { headers }), { port: 0 })).url);
    }
    case 'rs-bcrypt':
      return startNativeLoginServer(SEED);
    case 'rs-argon2':
      return startNativeLoginServer(ARGON2_SEED);
    case 'noauth':
      // Same adapter, same response helper, no authentication: the cost of the auth alone shows.
      return port((await serve(() => jsonResponse(PUBLIC), { port: 0 })).url);
    case 'noauth-async':
      // The same as an async function (a handler that awaits anything at all answers this way).
      return port((await serve(async () => jsonResponse(PUBLIC), { port: 0 })).url);
    case 'noauth-plain': {
      // Same adapter, a handler as a user would write it (a plain Response).
      const body = JSON.stringify(PUBLIC);
      const headers = { 'content-type': 'application/json' };
      return port((await serve(() => new Response(body, { headers }), { port: 0 })).url);
    }
    case 'hono-plain': {
      // noauth-plain's handler on @hono/node-server (which swaps in its own global Response).
      const body = JSON.stringify(PUBLIC);
      const headers = { 'content-type': 'application/json' };
      const server = honoServe({ fetch: () => new Response(body, { headers }), port: 0, hostname: '127.0.0.1' });
      await new Promise((resolve) => server.once('listening', resolve));
      return (server.address() as { port: number }).port;
    }
    case 'hono-jwt':
    case 'hono-noauth': {
      const app = new Hono();
      if (kind === 'hono-jwt') app.use('/users/me/*', jwt({ secret: KEY, alg: 'HS256' }));
      app.get('/users/me/', (c) => {
        if (kind === 'hono-jwt') {
          const user = SEED[(c.get('jwtPayload') as { sub: string }).sub as 'johndoe'];
          if (!user) return c.json({ detail: 'Could not validate credentials' }, 401);
          const { username, email, full_name, disabled } = user;
          return c.json({ username, email, full_name, disabled });
        }
        return c.json(PUBLIC);
      });
      const server = honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise((resolve) => server.once('listening', resolve));
      return (server.address() as { port: number }).port;
    }
    case 'sqlite':
    case 'postgres':
    case 'postgres-cache':
    case 'mariadb':
    case 'mariadb-cache': {
      // The same handler, with johndoe read from the database on every request (or from the cache).
      const context = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto', settings: { bcrypt: { rounds: 12 } } });
      const cache = kind.endsWith('-cache') ? { cache: { ttl: 1000 } } : {};
      const users =
        kind === 'sqlite'
          ? createSqliteUserStore(process.env.BENCH_SQLITE_PATH!)
          : kind.startsWith('mariadb')
            ? createMysqlUserStore(process.env.BENCH_MYSQL_URL!, cache)
            : createPostgresUserStore(process.env.BENCH_PG_URL!, cache);
      await users.check();
      const handler = createAuthHandler({ users, key: KEY, context });
      return port((await serve(handler, { port: 0 })).url);
    }
    default:
      throw new Error(`unknown server kind ${kind}`);
  }
}

const port = (url: string) => Number(new URL(url).port);

start(process.argv[2] ?? '').then(
  (p) => console.log(`READY ${p}`),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

// Exit normally on SIGTERM, so that --cpu-prof (profiling a run) writes its profile.
process.on('SIGTERM', () => process.exit(0));
// The CPU time this server has used, asked for by the load generator around a run.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.(process.cpuUsage());
});
