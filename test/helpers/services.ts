/** Shared by the service helpers: free ports, waiting, and the CI rule (skip outside CI, fail in it). */
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `ready` until it resolves true or `timeoutMs` passes. */
export async function waitFor(ready: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The answer for a service a test cannot start: in CI (CI=true) the test must fail, elsewhere it
 * skips with the reason printed.
 */
export function unavailable(file: string, service: string, reason: string): { skip: true; reason: string } {
  const message = `${file}: ${service} unavailable (${reason})`;
  if (process.env.CI === 'true') throw new Error(`${message}: CI must run these tests`);
  console.warn(`${message}: skipping`);
  return { skip: true, reason: message };
}
