/**
 * The `gatehouse` bin, spawned as a user runs it: the built dist/cli/index.js (CI builds before testing),
 * or src/cli/index.ts through tsx when there is no build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { scryptSync } from 'node:crypto';
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


/**
 * Whether `hash` is an scrypt hash of `password` in the library default context's form
 * ($scrypt$ln=17,r=8,p=1$SALT$KEY), recomputed by node:crypto: an implementation apart from gatehouse's.
 */
export function scryptMatches(password: string, hash: string): boolean {
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/.]+)\$([A-Za-z0-9+/.]+)$/.exec(hash);
  if (!match) return false;
  const [, ln, r, p, salt, key] = match;
  const expected = scryptSync(password, Buffer.from(salt!, 'base64'), 32, { N: 2 ** Number(ln), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 });
  return expected.toString('base64').replace(/=+$/, '') === key;
}
