/**
 * Swagger UI in a real browser (headless Chromium): open /docs, Authorize as johndoe/secret through
 * the OAuth2 password dialog, execute GET /users/me/ and see johndoe. Skipped only when
 * /usr/bin/chromium is absent (CI installs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { serve, type RunningServer } from '../../../src/node/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { KEY } from '../../helpers/http.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/chromium.js';

const CHROMIUM = CHROMIUM_PATH;
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser.test.ts: skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

describe.skipIf(!available)('Swagger UI at /docs in Chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let scoped: RunningServer;

  beforeAll(async () => {
    const users = JSON.parse(readFileSync(new URL('../../fixtures/http-users.json', import.meta.url), 'utf8'));
    const context = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto' });
    server = await serve(createAuthHandler({ users, key: KEY, context }), { port: 0 });
    scoped = await serve(createAuthHandler({ users, key: KEY, context, scopes: true }), { port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close(100);
    await scoped?.close(100);
  });

  /** Open /docs, log in through the Authorize dialog (ticking every scope), close the dialog. */
  async function authorize(page: Page, base: string, tickScopes: boolean) {
    await page.goto(`${base}/docs`);
    await page.locator('.auth-wrapper .authorize').click({ timeout: 20_000 });
    await page.locator('#oauth_username').fill('johndoe');
    await page.locator('#oauth_password').fill('secret');
    if (tickScopes) {
      // The checkboxes are drawn by their labels.
      const labels = page.locator('.modal-ux .scopes .checkbox label');
      await labels.first().waitFor();
      for (const label of await labels.all()) await label.click();
    }
    const tokenResponse = page.waitForResponse((r) => r.url() === `${base}/token`);
    await page.locator('.auth-btn-wrapper .authorize').click();
    const token = await tokenResponse;
    expect(token.status()).toBe(200);
    await page.locator('.auth-btn-wrapper button:has-text("Logout")').waitFor();
    await page.locator('.auth-btn-wrapper .btn-done').click();
    return token;
  }

  /** Expand an operation, Try it out, Execute: the network response and the shown body and status. */
  async function execute(page: Page, base: string, operationId: string, path: string) {
    const operation = page.locator(`#operations-default-${operationId}`);
    await operation.locator('.opblock-summary').click();
    await operation.locator('.try-out__btn').click();
    const response = page.waitForResponse((r) => r.url() === `${base}${path}`);
    await operation.locator('.execute').click();
    return {
      response: await response,
      shown: operation.locator('.live-responses-table tbody td.response-col_description'),
      status: operation.locator('.live-responses-table tbody td.response-col_status'),
    };
  }

  it('authorizes with the password flow and calls GET /users/me/', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
    // The page runs under its own Content-Security-Policy: nothing it needs may be blocked.
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        ((window as unknown as { cspViolations: string[] }).cspViolations ??= []).push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const docs = page.waitForResponse((r) => r.url() === `${server.url}/docs`);
    // Everything the page loads comes from our server: no CDN.
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url)) problems.push(`external request: ${request.url()}`);
    });

    await authorize(page, server.url, false);
    expect((await docs).headers()['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self' 'sha256-/);
    expect((await docs).headers()['x-frame-options']).toBe('DENY');
    const { response: me, shown, status } = await execute(page, server.url, 'read_users_me_users_me__get', '/users/me/');
    expect(me.status()).toBe(200);
    expect(me.request().headers().authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    await expect.poll(() => shown.innerText(), { timeout: 10_000 }).toContain('"username": "johndoe"');
    expect(await status.innerText()).toContain('200');
    expect(await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? [])).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);

  it('with scopes: ticks them, gets them in the token and reads the items', async () => {
    const page = await browser.newPage();
    const login = await authorize(page, scoped.url, true);
    expect(login.request().postData()).toMatch(/(^|&)scope=(me(\+|%20)items|items(\+|%20)me)(&|$)/);
    const { access_token } = (await login.json()) as { access_token: string };
    const claims = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString());
    expect(claims.scope.split(' ').sort()).toEqual(['items', 'me']);
    const { response, shown } = await execute(page, scoped.url, 'read_own_items_users_me_items__get', '/users/me/items/');
    expect(response.status()).toBe(200);
    await expect.poll(() => shown.innerText(), { timeout: 10_000 }).toContain('"owner": "johndoe"');
  }, 60_000);
});
