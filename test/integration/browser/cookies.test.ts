/**
 * The Set-Cookie headers gatehouse writes, as Chromium takes them (pages on 127.0.0.2, plain HTTP):
 * the session cookie with allowHttpCookies is stored with its attributes and hidden from
 * document.cookie; clearCookie deletes it; of two cookies with one name, the one Chromium sends
 * first (the longer path) is the one readCookie returns. Skipped when /usr/bin/chromium is absent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCookie, serializeCookie } from '../../../src/http/cookies.js';
import { resolveSessionCookie } from '../../../src/http/session-cookie.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/chromium.js';

const available = existsSync(CHROMIUM_PATH);

describe.skipIf(!available)('Set-Cookie as Chromium takes it', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  const received: string[] = [];
  /** The Cookie header of the last request for `path` (Chromium also asks for /favicon.ico). */
  const cookieSentTo = (path: string) => received.filter((line) => line.startsWith(`${path} `)).at(-1)!.slice(path.length + 1);
  const session = resolveSessionCookie({ allowHttpCookies: true });

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      received.push(`${path} ${request.headers.cookie ?? ''}`);
      const setCookie =
        path === '/login'
          ? [session.set('AAAAAAAAAAAAAAAAAAAAAA.c2VjcmV0', 3600), serializeCookie('visible', 'yes', { path: '/', sameSite: 'Lax' })]
          : path === '/logout'
            ? [session.clear()]
            : path === '/app/shadow'
              ? [serializeCookie('dup', 'general', { path: '/' }), serializeCookie('dup', 'specific', { path: '/app' })]
              : [];
      response.writeHead(200, { 'content-type': 'text/html', 'set-cookie': setCookie }).end('<!doctype html><title>t</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    origin = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('stores the plain-HTTP session cookie HttpOnly and Lax, hides it from scripts, and clearCookie deletes it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/login`);
    const [stored] = (await context.cookies()).filter((cookie) => cookie.name === 'gatehouse-session');
    expect(stored).toMatchObject({ value: 'AAAAAAAAAAAAAAAAAAAAAA.c2VjcmV0', httpOnly: true, secure: false, sameSite: 'Lax', path: '/' });
    expect(stored!.expires - Date.now() / 1000).toBeGreaterThan(3500);
    expect(await page.evaluate(() => document.cookie)).toBe('visible=yes');
    await page.goto(`${origin}/page`);
    expect(readCookie(cookieSentTo('/page'), session.name)).toBe('AAAAAAAAAAAAAAAAAAAAAA.c2VjcmV0');
    await page.goto(`${origin}/logout`);
    expect((await context.cookies()).map((cookie) => cookie.name)).toEqual(['visible']);
    await context.close();
  }, 60_000);

  it('of two cookies named alike, Chromium sends the longer path first: readCookie returns it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/app/shadow`);
    await page.goto(`${origin}/app/next`);
    const header = cookieSentTo('/app/next');
    expect(header).toBe('dup=specific; dup=general');
    expect(readCookie(header, 'dup')).toBe('specific');
    await context.close();
  }, 60_000);
});
