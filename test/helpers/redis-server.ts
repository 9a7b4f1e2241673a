/**
 * A throwaway Redis for tests: Debian's redis-server on a free 127.0.0.1 port, no persistence,
 * stopped by stop(). REDIS_URL points the tests at an existing server instead.
 */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort, waitFor } from './services.js';

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

function ping(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host }, () => socket.write('PING\r\n'));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts redis-server (or uses REDIS_URL); rejects when neither is possible. */
export async function startRedis(): Promise<TestRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  failed.catch(() => {});
  await Promise.race([waitFor(() => ping(port, '127.0.0.1'), 10_000, 'redis-server'), failed]);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
