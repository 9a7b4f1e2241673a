/**
 * Cookie sessions in a real browser (Debian's Chromium, issue 22). The server on 127.0.0.1 serves
 * its own login page: it logs in with POST /login, stays logged in across a reload (GET /users/me/
 * with the cookie alone), never shows the session to document.cookie, and logs out. A page on
 * another port of 127.0.0.1 (same site, another origin: the Lax cookie IS sent) cannot end the
 * session: the origin rule answers 403. A page on 127.0.0.2 (another site) gets its fetch blocked
 * unless CORS lists it; listed, it reads the answer, but the Lax cookie is not sent cross-site.
 * Skipped only when /usr/bin/chromium is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { serve, type RunningServer } from '../../../src/node/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/chromium.js';
import { KEY } from '../../helpers/http.js';
import { BLANK_PAGE, type PageServer, servePages } from '../../helpers/pages.js';

const available = existsSync(CHROMIUM_PATH);
if (!available) console.warn(`sessions.test.ts: skipped: ${CHROMIUM_PATH} not found (apt-get install -y chromium)`);

const LOGIN_PAGE = `<!doctype html><meta charset="utf-8"><title>app</title>
<form id="login"><input name="username"><input name="password" type="password"><button>Log in</button></form>
<p id="who"></p>
<script>
  async function whoami() {
    const response = await fetch('/users/me/');
    document.getElementById('who').textContent = response.ok ? (await response.json()).username : 'anonymous';
  }
  document.getElementById('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const response = await fetch('/login', { method: 'POST', body: new URLSearchParams(new FormData(event.target)) });
    document.getElementById('who').textContent = response.ok ? 'logging in' : 'refused ' + response.status;
    if (response.ok) await whoami();
  });
  whoami();
</script>`;

describe.skipIf(!available)('cookie sessions in Chromium', () => {
  let browser: Browser;
  let api: RunningServer;
  let sameSite: PageServer;
  let listed: PageServer;
  let unlisted: PageServer;
  const answered: string[] = [];

  beforeAll(async () => {
    sameSite = await servePages('127.0.0.1', { '/': BLANK_PAGE });
    listed = await servePages('127.0.0.2', { '/': BLANK_PAGE });
    unlisted = await servePages('127.0.0.3', { '/': BLANK_PAGE });
    const users = JSON.parse(readFileSync(new URL('../../fixtures/http-users.json', import.meta.url), 'utf8'));
    const context = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' });
    const handler = createAuthHandler({
      users,
      key: KEY,
      context,
      sessions: { cookie: { allowHttpCookies: true } },
      cors: { origins: [listed.origin], credentials: true },
    });
    // The app: its login page, and the handler for everything else; every answer recorded.
    const app = async (request: Request): Promise<Response> => {
      const { pathname } = new URL(request.url);
      const response =
        pathname === '/app' ? new Response(LOGIN_PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } }) : await handler(request);
      answered.push(`${request.method} ${pathname} ${request.headers.get('origin') ?? '-'} ${request.headers.has('cookie') ? 'cookie' : 'none'} ${response.status}`);
      return response;
    };
    api = await serve(app, { port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close(100);
    await sameSite?.close();
    await listed?.close();
    await unlisted?.close();
  });

  it('the app page logs in, a reload stays logged in, document.cookie never shows the session, logout ends it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${api.url}/app`);
    await page.waitForFunction(() => document.getElementById('who')!.textContent === 'anonymous');
    await page.fill('input[name=username]', 'johndoe');
    await page.fill('input[name=password]', 'secret');
    await page.click('button');
    await page.waitForFunction(() => document.getElementById('who')!.textContent === 'johndoe');
    const [stored] = (await context.cookies()).filter((cookie) => cookie.name === 'gatehouse-session');
    expect(stored).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate(() => document.cookie)).toBe('');

    await page.reload();
    await page.waitForFunction(() => document.getElementById('who')!.textContent === 'johndoe');
    expect(answered.filter((line) => line.startsWith('GET /users/me/')).at(-1)).toMatch(/ cookie 200$/);

    const status = await page.evaluate(async () => (await fetch('/logout', { method: 'POST' })).status);
    expect(status).toBe(204);
    expect((await context.cookies()).filter((cookie) => cookie.name === 'gatehouse-session')).toEqual([]);
    await page.reload();
    await page.waitForFunction(() => document.getElementById('who')!.textContent === 'anonymous');
    await context.close();
  }, 60_000);

  it('a page of another origin on the same site sends the cookie but cannot end the session (403); another site is blocked by CORS unless listed', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${api.url}/app`);
    await page.evaluate(async () => {
      await fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'johndoe', password: 'secret' }) });
    });
    // Same site (127.0.0.1, another port): the Lax cookie goes with the POST, the origin rule refuses it.
    const attacker = await context.newPage();
    await attacker.goto(`${sameSite.origin}/`);
    await attacker.evaluate(async (base) => {
      await fetch(`${base}/logout`, { method: 'POST', credentials: 'include', mode: 'no-cors' });
      await fetch(`${base}/logout?everywhere`, { method: 'POST', credentials: 'include', mode: 'no-cors' });
    }, api.url);
    const refused = answered.filter((line) => line.startsWith('POST /logout') && line.includes(sameSite.origin));
    expect(refused).toEqual([`POST /logout ${sameSite.origin} cookie 403`, `POST /logout ${sameSite.origin} cookie 403`]);
    // Still logged in.
    expect(await page.evaluate(async () => (await fetch('/users/me/')).status)).toBe(200);

    // Another site, not listed: the browser blocks the answer.
    const other = await context.newPage();
    await other.goto(`${unlisted.origin}/`);
    const blocked = await other.evaluate(async (base) => {
      try {
        await fetch(`${base}/users/me/`, { credentials: 'include' });
        return 'read';
      } catch {
        return 'blocked';
      }
    }, api.url);
    expect(blocked).toBe('blocked');
    // Listed: the page reads the answer (the Lax cookie stays home on a cross-site fetch: 401).
    const friend = await context.newPage();
    await friend.goto(`${listed.origin}/`);
    const read = await friend.evaluate(async (base) => (await fetch(`${base}/users/me/`, { credentials: 'include' })).status, api.url);
    expect(read).toBe(401);
    // A cross-site POST carries no cookie: the session survives it too.
    await friend.evaluate(async (base) => void (await fetch(`${base}/logout`, { method: 'POST', credentials: 'include' })), api.url);
    expect(await page.evaluate(async () => (await fetch('/users/me/')).status)).toBe(200);
    await context.close();
  }, 60_000);
});
