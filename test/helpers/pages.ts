/**
 * Static pages for the browser tests, each served from its own origin (another 127.x address: the
 * whole 127.0.0.0/8 is loopback on Linux), so that a page is cross-origin to the server under test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A page server: its origin (`http://127.0.0.2:PORT`) and how to stop it. */
export interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serve `pages` (path → HTML) on `host` at a free port; any other path is a 404. Each page is sent
 * with `Cache-Control: no-store` and nothing else a test did not ask for.
 */
export async function servePages(host: string, pages: Readonly<Record<string, string>>): Promise<PageServer> {
  const server = createServer((request, response) => {
    const page = pages[new URL(request.url ?? '/', 'http://x').pathname];
    if (page === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A blank page, for tests that run their script with page.evaluate. */
export const BLANK_PAGE = '<!doctype html><meta charset="utf-8"><title>page</title><p>page</p>';
