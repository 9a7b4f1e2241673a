/**
 * CORS in a real browser (Debian's Chromium): the handler on 127.0.0.1 lists the origin of a page
 * on 127.0.0.2; that page logs in, reads /users/me/ with its bearer token (a preflighted request)
 * and reads a 401's body; a page on 127.0.0.3, not listed, gets a rejected fetch. Skipped only when
 * /usr/bin/chromium is absent (CI installs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { serve, type RunningServer } from '../../../src/node/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/chromium.js';
import { KEY } from '../../helpers/http.js';
import { BLANK_PAGE, type PageServer, servePages } from '../../helpers/pages.js';

const available = existsSync(CHROMIUM_PATH);
if (!available) console.warn(`cors.test.ts: skipped: ${CHROMIUM_PATH} not found (apt-get install -y chromium)`);

describe.skipIf(!available)('CORS in Chromium: a listed origin reads the answers, another is blocked', () => {
  let browser: Browser;
  let api: RunningServer;
  let listed: PageServer;
  let unlisted: PageServer;
  let token: string;
  const seen: string[] = [];

  beforeAll(async () => {
    listed = await servePages('127.0.0.2', { '/': BLANK_PAGE });
    unlisted = await servePages('127.0.0.3', { '/': BLANK_PAGE });
    const users = JSON.parse(readFileSync(new URL('../../fixtures/http-users.json', import.meta.url), 'utf8'));
    const context = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' });
    const handler = createAuthHandler({ users, key: KEY, context, cors: { origins: [listed.origin] } });
    token = await handler.auth.issueToken(users.johndoe);
    api = await serve(handler, { port: 0, host: '127.0.0.1' });
    api.server.on('request', (incoming) => seen.push(`${incoming.method} ${incoming.url} ${incoming.headers.origin ?? '-'}`));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close(100);
    await listed?.close();
    await unlisted?.close();
  });

  async function open(origin: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    return page;
  }

  it('a page on the listed origin logs in, reads /users/me/ with the bearer token, and reads a 401', async () => {
    const page = await open(listed.origin);
    const result = await page.evaluate(async (base) => {
      const login = await fetch(`${base}/token`, { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret' }) });
      const { access_token } = (await login.json()) as { access_token: string };
      const me = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${access_token}` } });
      const anonymous = await fetch(`${base}/users/me/`);
      return {
        login: login.status,
        me: me.status,
        user: await me.json(),
        anonymous: anonymous.status,
        detail: await anonymous.json(),
        challenge: anonymous.headers.get('www-authenticate'),
      };
    }, api.url);
    expect(result.login).toBe(200);
    expect(result.me).toBe(200);
    expect(result.user).toMatchObject({ username: 'johndoe' });
    expect(result.anonymous).toBe(401);
    expect(result.detail).toEqual({ detail: 'Not authenticated' });
    expect(result.challenge).toBe('Bearer'); // exposed by default
    // The Authorization header made the browser ask first.
    expect(seen).toContain(`OPTIONS /users/me/ ${listed.origin}`);
    expect(seen).toContain(`GET /users/me/ ${listed.origin}`);
    await page.close();
  }, 60_000);

  it('a page on an unlisted origin: the fetch rejects, and the preflighted GET is never sent', async () => {
    const page = await open(unlisted.origin);
    const result = await page.evaluate(
      async ({ base, bearer }) => {
        try {
          const response = await fetch(`${base}/users/me/`, { headers: { authorization: `Bearer ${bearer}` } });
          return { read: await response.text() };
        } catch (error) {
          return { rejected: `${(error as Error).name}: ${(error as Error).message}` };
        }
      },
      { base: api.url, bearer: token },
    );
    expect(result).toEqual({ rejected: 'TypeError: Failed to fetch' });
    expect(seen).toContain(`OPTIONS /users/me/ ${unlisted.origin}`);
    expect(seen).not.toContain(`GET /users/me/ ${unlisted.origin}`);
    // A simple request (no preflight) reaches the server, but its answer stays unreadable.
    const simple = await page.evaluate(async (base) => {
      try {
        await fetch(`${base}/users/me/`);
        return 'read';
      } catch {
        return 'rejected';
      }
    }, api.url);
    expect(simple).toBe('rejected');
    await page.close();
  }, 60_000);
});
