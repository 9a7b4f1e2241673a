/** Plumbing the HTTP benchmarks share: a token, servers in their own processes, autocannon runs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';

/** Start `node --import tsx bench/http-server.ts <kind>` and wait for its "READY <port>". */
export async function startServer(kind: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./http-server.ts', import.meta.url).pathname, kind], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    const match = /READY (\d+)/.exec(out);
    if (match) return { child, url: `http://127.0.0.1:${match[1]}` };
  }
  throw new Error(`${kind} server did not start`);
}

export async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null) await once(child, 'exit');
}

export function load(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

/** Microseconds of CPU (user + system) the server process has used so far. */
export async function cpuOf(child: ChildProcess): Promise<number> {
  child.send('cpu');
  const [usage] = (await once(child, 'message')) as [{ user: number; system: number }];
  return usage.user + usage.system;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

