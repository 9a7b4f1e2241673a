/**
 * The recipes in examples/<framework>/, each run for real against the built package (`gatehouse`
 * resolves through the package's own name to dist/): the server starts on a free 127.0.0.1 port,
 * then the test logs in as FastAPI's johndoe / "secret", calls the framework's own protected route
 * with and without the token, and loads /docs. The Node frameworks run on every Node of the
 * matrix (this one, and Node 22 and 24 of test/runtimes, which `npm test` installs); Deno, Bun and
 * workerd from their npm packages there. A missing runtime binary skips its test, saying so.
 *
 * Needs `npm run build` first.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_INDEX, ROOT, bundle, findBinary, startServer, startWorkerd, stopAll } from '../../integration/runtimes/harness.js';
import { NODE_VERSIONS } from '../../integration/runtimes/node-versions.js';

const TUTORIAL_SECRET_KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
const START_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 90_000;
const SWAGGER_CSS = readFileSync(join(ROOT, 'node_modules/swagger-ui-dist/swagger-ui.css'));

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

const form = (password: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ username: 'johndoe', password }),
});

async function expectUnauthorized(response: Response, detail: string): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  expect(await response.json()).toEqual({ detail });
}

/** Login, the protected route with a token, without one, with a forged one; then a wrong password. */
async function expectRecipe(call: Fetch, framework: string, paths = { token: '/token', profile: '/profile' }): Promise<void> {
  const login = await call(paths.token, form('secret'));
  expect(login.status).toBe(200);
  const { access_token: token, token_type: tokenType } = (await login.json()) as { access_token: string; token_type: string };
  expect(tokenType).toBe('bearer');
  // HS256 with the tutorial's key, recomputed by node:crypto.
  const [header = '', payload = '', signature] = token.split('.');
  expect(createHmac('sha256', TUTORIAL_SECRET_KEY).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
  expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({
    sub: 'johndoe',
    exp: expect.any(Number),
    stp: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/), // the user's token stamp, in every access token
  });

  const profile = await call(paths.profile, { headers: { authorization: `Bearer ${token}` } });
  expect(profile.status).toBe(200);
  expect(await profile.json()).toEqual({ message: 'Hello, johndoe', framework });

  await expectUnauthorized(await call(paths.profile), 'Not authenticated');
  await expectUnauthorized(
    await call(paths.profile, { headers: { authorization: `Bearer ${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}` } }),
    'Could not validate credentials',
  );
  await expectUnauthorized(await call(paths.token, form('wrong')), 'Incorrect username or password');
}

type SessionPaths = { login: string; me: string; notes: string; logout: string; profile?: string };

/**
 * The cookie-session recipe: POST /login sets the HttpOnly cookie; /users/me/ (and the app's own
 * route) answer with it; a cookie POST from a foreign Origin is refused 403 and from the app's own
 * origin passes; POST /logout from a foreign Origin is refused, from the own origin clears the cookie,
 * after which the old cookie is refused.
 */
async function expectSessionRecipe(call: Fetch, origin: string, framework: string, paths: SessionPaths): Promise<void> {
  const wrong = await call(paths.login, form('wrong'));
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('set-cookie')).toBeNull();

  const login = await call(paths.login, form('secret'));
  expect(login.status).toBe(200);
  expect(await login.json()).toMatchObject({ username: 'johndoe', email: 'johndoe@example.com' });
  const setCookie = login.headers.get('set-cookie') ?? '';
  // allowHttpCookies: no __Host- prefix, no Secure; HttpOnly and SameSite=Lax always.
  expect(setCookie).toMatch(/^gatehouse-session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/);
  const cookie = setCookie.slice(0, setCookie.indexOf(';'));

  const me = await call(paths.me, { headers: { cookie } });
  expect(me.status).toBe(200);
  expect(await me.json()).toEqual({ username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false });
  if (paths.profile) {
    const profile = await call(paths.profile, { headers: { cookie } });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toEqual({ message: 'Hello, johndoe', framework });
  }
  await expectUnauthorized(await call(paths.me), 'Not authenticated');

  const foreign = { cookie, origin: 'https://evil.example' };
  const refused = await call(paths.notes, { method: 'POST', headers: foreign });
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { detail: string }).detail).toContain('https://evil.example');
  const own = await call(paths.notes, { method: 'POST', headers: { cookie, origin } });
  expect(own.status).toBe(201);
  expect(await own.json()).toEqual({ owner: 'johndoe' });

  const foreignLogout = await call(paths.logout, { method: 'POST', headers: foreign });
  expect(foreignLogout.status).toBe(403);
  expect((await call(paths.me, { headers: { cookie } })).status).toBe(200); // still logged in

  const logout = await call(paths.logout, { method: 'POST', headers: { cookie, origin } });
  expect(logout.status).toBe(204);
  expect(logout.headers.get('set-cookie')).toMatch(/^gatehouse-session=; Path=\/; Max-Age=0; /);
  const after = await call(paths.me, { headers: { cookie } });
  expect(after.status).toBe(401);
  await after.body?.cancel();
}

/** gatehouse's /docs through the framework: Swagger UI's page, and its files byte for byte. */
async function expectDocs(call: Fetch): Promise<void> {
  const page = await call('/docs');
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<script src="/docs/swagger-ui-bundle.js" charset="utf-8"></script>');
  const css = await call('/docs/swagger-ui.css');
  expect(css.status).toBe(200);
  expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  expect(Buffer.from(await css.arrayBuffer()).equals(SWAGGER_CSS)).toBe(true);
}

const over = (base: string): Fetch => (path, init) => fetch(base + path, { ...init, signal: AbortSignal.timeout(30_000) });

function serverTest(title: string, binary: string | null, missing: string, start: (binary: string) => Promise<string>, framework: string) {
  if (!binary) {
    it.skip(`${title} (skipped: no ${missing})`, () => {});
    return;
  }
  it(title, async () => {
    const call = over(await start(binary));
    await expectRecipe(call, framework);
    await expectDocs(call);
  }, TEST_TIMEOUT_MS);
}

const env = { PORT: '0' };
const script = (name: string, file = 'server.ts') => join(ROOT, 'examples', name, file);

beforeAll(() => {
  if (!existsSync(DIST_INDEX)) throw new Error(`${DIST_INDEX} is missing: run \`npm run build\` first`);
});

afterAll(stopAll);

describe('recipes on Node (node --import tsx examples/<framework>/server.ts)', () => {
  for (const { label, binary } of NODE_VERSIONS) {
    for (const framework of ['hono', 'express', 'fastify', 'h3']) {
      serverTest(
        `${framework} on ${label}`,
        binary,
        `${label} binary`,
        (node) => startServer(node, ['--import', 'tsx', script(framework)], { env, timeoutMs: START_TIMEOUT_MS }),
        framework,
      );
    }
  }
});

describe('cookie-session recipes on Node (node --import tsx examples/<framework>/sessions.ts)', () => {
  for (const { label, binary } of NODE_VERSIONS) {
    for (const framework of ['hono', 'express']) {
      if (!binary) {
        it.skip(`${framework} sessions on ${label} (skipped: no ${label} binary)`, () => {});
        continue;
      }
      it(`${framework} sessions on ${label}`, async () => {
        const base = await startServer(binary, ['--import', 'tsx', script(framework, 'sessions.ts')], {
          env: { ...env, ALLOW_HTTP_COOKIES: '1' },
          timeoutMs: START_TIMEOUT_MS,
        });
        await expectSessionRecipe(over(base), new URL(base).origin, framework, { login: '/login', me: '/users/me/', notes: '/notes', logout: '/logout', profile: '/profile' });
        // Bearer tokens still work beside the cookie.
        await expectRecipe(over(base), framework);
      }, TEST_TIMEOUT_MS);
    }
  }
});

describe('recipes on Deno, Bun and workerd', () => {
  serverTest('Deno.serve', findBinary('deno'), 'deno binary', (deno) =>
    startServer(deno, ['run', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', '--no-lock', '--no-prompt', script('deno')], {
      env,
      timeoutMs: START_TIMEOUT_MS,
    }), 'deno');

  serverTest('Bun.serve', findBinary('bun'), 'bun binary', (bun) =>
    startServer(bun, ['run', script('bun')], { env, timeoutMs: START_TIMEOUT_MS }), 'bun');

  serverTest('Cloudflare Worker on workerd (config.capnp, ASSETS loader for /docs)', findBinary('workerd'), 'workerd binary', async (workerd) => {
    const dir = join(ROOT, 'examples/cloudflare-worker');
    // The bundle worker.ts documents, written where config.capnp embeds it from.
    await bundle(join(dir, 'worker.ts'), join(dir, 'dist/worker.js'), ['workerd', 'worker', 'browser']);
    const port = await startWorkerd(workerd, 'config.capnp', dir, START_TIMEOUT_MS, ['--socket-addr', 'http=127.0.0.1:0']);
    return `http://127.0.0.1:${port}`;
  }, 'cloudflare-worker');
});

describe('Next.js route handlers (app/api/*/route.ts called as plain functions)', () => {
  it('POST /api/token and GET /api/profile', async () => {
    const token = await import('../../../examples/nextjs-route-handlers/app/api/token/route.ts');
    const profile = await import('../../../examples/nextjs-route-handlers/app/api/profile/route.ts');
    const routes: Record<string, Record<string, (request: Request) => Promise<Response>>> = {
      '/api/token': token,
      '/api/profile': profile,
    };
    const call: Fetch = async (path, init) => {
      const request = new Request(`http://localhost:3000${path}`, init);
      const run = routes[path]?.[request.method];
      if (!run) throw new Error(`no ${request.method} export in the route for ${path}`);
      return run(request);
    };
    await expectRecipe(call, 'nextjs', { token: '/api/token', profile: '/api/profile' });
  }, TEST_TIMEOUT_MS);

  it('cookie sessions: POST /api/login, GET /api/me, POST /api/notes, POST /api/logout', async () => {
    process.env.ALLOW_HTTP_COOKIES = '1'; // read when lib/sessions.ts is first imported, just below
    const routes: Record<string, Record<string, unknown>> = {
      '/api/login': await import('../../../examples/nextjs-route-handlers/app/api/login/route.ts'),
      '/api/logout': await import('../../../examples/nextjs-route-handlers/app/api/logout/route.ts'),
      '/api/me': await import('../../../examples/nextjs-route-handlers/app/api/me/route.ts'),
      '/api/notes': await import('../../../examples/nextjs-route-handlers/app/api/notes/route.ts'),
      '/api/sessions': await import('../../../examples/nextjs-route-handlers/app/api/sessions/route.ts'),
    };
    delete process.env.ALLOW_HTTP_COOKIES;
    const call: Fetch = async (path, init) => {
      const request = new Request(`http://localhost:3000${path}`, init);
      const run = routes[path]?.[request.method];
      if (typeof run !== 'function') throw new Error(`no ${request.method} export in the route for ${path}`);
      return (run as (request: Request) => Promise<Response>)(request);
    };
    await expectSessionRecipe(call, 'http://localhost:3000', 'nextjs', { login: '/api/login', me: '/api/me', notes: '/api/notes', logout: '/api/logout' });
  }, TEST_TIMEOUT_MS);
});
