/**
 * The `gatehouse` bin, spawned as a user runs it: the built dist/cli/index.js (CI builds before testing),
 * or src/cli/index.ts through tsx when there is no build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;
export const built = join(root, 'dist/cli/index.js');
export const command = existsSync(built) ? [built] : ['--import', 'tsx', join(root, 'src/cli/index.ts')];

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function start(args: string[], env: Record<string, string | undefined> = {}, cwd = root): ChildProcess {
  const childEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  return spawn(process.execPath, [...command, ...args], { cwd, env: childEnv, stdio: 'pipe' });
}

export function run(args: string[], stdin = '', env: Record<string, string | undefined> = {}, cwd = root): Promise<Run> {
  const child = start(args, env, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Start `gatehouse serve`, resolve with its URL once it prints it. */
export function startServer(args: string[], env: Record<string, string | undefined> = {}, cwd = root) {
  const child = start(['serve', '--port', '0', ...args], env, cwd);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match) resolve(match[0]);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr, stdout: () => out };
}

export async function login(url: string, username: string, password: string, scope?: string) {
  const form = new URLSearchParams({ username, password });
  if (scope) form.set('scope', scope);
  const response = await fetch(`${url}/token`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as { access_token: string } };
}

