/** What the HTTP benchmarks share on the load side: a server process per kind, autocannon runs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';

/** Start `node --import tsx bench/http-server.ts <kind>` and wait for its "READY <port>". */
export async function startServer(kind: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./http-server.ts', import.meta.url).pathname, kind], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
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
