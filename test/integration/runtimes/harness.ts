/**
 * Plumbing for test/integration/runtimes/runtimes.test.ts: find runtime binaries, run child processes with a deadline,
 * bundle an entry with esbuild against the built package, start workerd, serve files to a browser.
 * Every process and server started here is registered and stopped by `stopAll()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIMES_MODULES } from '../../helpers/runtimes.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const RUNTIMES_DIR = join(ROOT, 'test/integration/runtimes');
/** The built package under test (GATEHOUSE_DIST points elsewhere, e.g. at another build). */
export const DIST_INDEX = process.env.GATEHOUSE_DIST ?? join(ROOT, 'dist/index.js');

const children = new Set<ChildProcess>();
const servers = new Set<Server>();
const closers = new Set<() => Promise<void>>();

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The runtime matrix's copy (test/runtimes/node_modules/.bin, see test/helpers/runtimes.ts), else
 * the project's (node_modules/.bin), else `extraCandidates`, else the first on PATH, else null.
 */
export function findBinary(name: string, extraCandidates: string[] = []): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [
    join(RUNTIMES_MODULES, '.bin', name),
    join(ROOT, 'node_modules/.bin', name),
    ...extraCandidates,
    ...dirs.map((dir) => join(dir, name)),
  ];
  return candidates.find((path) => existsSync(path) && isExecutable(path)) ?? null;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion; killed (SIGKILL) and rejected once `timeoutMs` passes. */
export function run(command: string, args: string[], options: { cwd?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} ran over ${options.timeoutMs} ms\nstderr: ${stderr}`));
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The last line of a child's stdout, parsed as JSON (a clear error with stderr when it is not). */
export function lastJsonLine(result: RunResult): any {
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`no JSON result (exit ${result.code}, signal ${result.signal})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** A static `node:` import or require left in a bundle (dynamic process.getBuiltinModule is fine). */
export function staticNodeImports(code: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](node:[^"']+)["']/g;
  return [...code.matchAll(pattern)].map((match) => match[1]!);
}

/**
 * Bundle `entry` for a non-Node runtime: platform browser, so a static `node:` import anywhere in
 * the package fails the build; `gatehouse` resolves to the built package under test.
 */
export async function bundle(entry: string, outfile: string, conditions: string[]): Promise<string> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions,
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'gatehouse-dist',
        setup(build) {
          build.onResolve({ filter: /^gatehouse$/ }, () => ({ path: DIST_INDEX }));
        },
      },
    ],
  });
  return readFile(outfile, 'utf8');
}

/** Start `workerd serve <config> --control-fd=3 [...extraArgs]` and wait for the port it reports. */
export function startWorkerd(binary: string, config: string, cwd: string, timeoutMs: number, extraArgs: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', config, '--control-fd=3', ...extraArgs], { cwd, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stderr = '';
    let control = '';
    child.stdout!.resume();
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const fail = (message: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}\nworkerd stderr: ${stderr}`));
    };
    const timer = setTimeout(() => fail(`workerd did not report a listening port within ${timeoutMs} ms`), timeoutMs);
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: string) => {
      control += chunk;
      for (const line of control.split('\n')) {
        try {
          const event = JSON.parse(line) as { event?: string; socket?: string; port?: number };
          if (event.event === 'listen' && event.socket === 'http' && typeof event.port === 'number') {
            clearTimeout(timer);
            resolve(event.port);
            return;
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    });
    child.on('error', (error) => fail(`workerd did not start: ${error.message}`));
    child.on('exit', (code, signal) => {
      children.delete(child);
      fail(`workerd exited (code ${code}, signal ${signal})`);
    });
  });
}

/**
 * Start a server process that prints `listening on http://127.0.0.1:<port>` once it accepts
 * connections (the recipes in examples/ do); resolves with that URL. Stopped by `stopAll()`.
 */
export function startServer(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    const fail = (message: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: ${message}\nstdout: ${stdout}\nstderr: ${stderr}`));
    };
    const timer = setTimeout(() => fail(`no "listening on" line within ${options.timeoutMs} ms`), options.timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => fail(`did not start: ${error.message}`));
    child.on('exit', (code, signal) => {
      children.delete(child);
      fail(`exited (code ${code}, signal ${signal})`);
    });
  });
}

/** Serve fixed files on 127.0.0.1 (a free port); resolves with the base URL. */
export function serveFiles(
  files: Record<string, { type: string; body: string; headers?: Record<string, string> }>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer((request, response) => {
      const file = files[new URL(request.url ?? '/', 'http://localhost').pathname];
      if (!file) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { ...file.headers, 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
    });
    servers.add(server);
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** Register something to close in stopAll (a browser, ...). */
export function onStop(close: () => Promise<void>): void {
  closers.add(close);
}

/** Stop every child process, server and registered resource this harness started. */
export async function stopAll(): Promise<void> {
  for (const close of closers) await close().catch(() => {});
  closers.clear();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  await Promise.all(
    [...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  servers.clear();
}
