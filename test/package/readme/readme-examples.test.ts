/**
 * The README's examples, run as a reader would run them, against the built package.
 *
 * Convention: every ```sh, ```ts and ```js block of README.md runs, in order, in one temporary
 * project, unless its info string says `no-run` (```sh no-run: installs from the registry, the
 * repository's own npm commands). In that project `gatehouse` resolves to this repository (its
 * package.json exports: dist/), the other packages to the repository's node_modules, and
 * `npx gatehouse` to the built CLI (dist/cli/index.js).
 *   - sh blocks run with bash -e; what they export (SECRET_KEY) is the environment of the later blocks.
 *   - a ts/js block that serves (`export default { fetch }`, `.listen(`, `serve(`) is started on a
 *     free port (PORT): `export default { fetch }` under Bun (the runtime that serves such a module as
 *     it is), the others under `node --import tsx`. The test then logs in as the user the sh block
 *     added, calls GET /users/me/ and the example's own /hello with the token, /hello without one,
 *     and stops the server.
 *   - any other ts/js block runs to completion under `node --import tsx` and must exit 0.
 * Also: every relative link in README.md, BENCHMARKS.md and docs/*.md names a file that exists.
 *
 * Needs `npm run build` first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_RUNTIMES, runtimeBin } from '../../helpers/runtimes.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CLI = join(ROOT, 'dist/cli/index.js');
// Bun comes with the runtime matrix (test/runtimes, installed by npm test).
const BUN = runtimeBin('bun');
const TSX = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
// The quickstart's user (its sh block adds it; the test checks the README still says so).
const USERNAME = 'alice';
const PASSWORD = 'correct horse';

interface Block {
  lang: string;
  run: boolean;
  code: string;
  line: number;
}

/** Fenced code blocks: language, whether to run, the code, the line of the opening fence. */
export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const words = open[2]!.trim().split(/\s+/);
    blocks.push({ lang: open[1]!, run: !words.includes('no-run'), code: `${body.join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}

const runnable = codeBlocks(README).filter((block) => block.run && ['sh', 'ts', 'js'].includes(block.lang));
const serves = (code: string) => /export default \{/.test(code) || /\.listen\(/.test(code) || /\bserve\(/.test(code);

let project: string;
let env: Record<string, string> = {};
const children = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Start an example server; resolves once it answers HTTP on its port. */
async function start(command: string, args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: project, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited (${child.exitCode}):\n${output}`);
    try {
      await fetch(`http://127.0.0.1:${port}/users/me/`, { signal: AbortSignal.timeout(2000) });
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${command} ${args.join(' ')}: not answering on port ${port} within 30 s:\n${output}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    child.once('exit', () => resolveStop());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }).finally(() => children.delete(child));
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  project = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-example', private: true, type: 'module' }));
  // node_modules: gatehouse -> this repository, every other package -> the repository's copy.
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  symlinkSync(ROOT, join(modules, 'gatehouse'), 'dir');
  symlinkSync(CLI, join(modules, '.bin/gatehouse'));
  env = { ...(process.env as Record<string, string>), npm_config_yes: 'false', npm_config_offline: 'true' };
  delete env.SECRET_KEY;
  delete env.NODE_OPTIONS;
});

afterAll(async () => {
  await Promise.all([...children].map(stop));
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('README.md examples', () => {
  it('has examples to run: the quickstart sh block and a block per framework', () => {
    expect(runnable.filter((block) => block.lang === 'sh').length).toBeGreaterThanOrEqual(1);
    expect(runnable.filter((block) => block.lang === 'ts' && serves(block.code)).length).toBeGreaterThanOrEqual(3);
    expect(README).toContain(`echo -n '${PASSWORD}' | npx gatehouse user add ${USERNAME}`);
    // no-run stays rare: the registry install and the repository's own commands.
    expect(codeBlocks(README).filter((block) => !block.run).length).toBeLessThanOrEqual(2);
  });

  for (const [index, block] of runnable.entries()) {
    const title = `line ${block.line}: ${block.lang} ${block.lang === 'sh' ? block.code.split('\n')[0] : serves(block.code) ? '(a server)' : '(a script)'}`;
    it(title, async (ctx) => {
      if (block.lang === 'sh') {
        const envFile = join(project, `.env-${index}.json`);
        const script = `set -e\n${block.code}\nnode -e 'process.stdout.write(JSON.stringify(process.env))' > ${JSON.stringify(envFile)}\n`;
        const result = spawnSync('bash', ['-c', script], { cwd: project, env, encoding: 'utf8', timeout: 120_000 });
        expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
        env = JSON.parse(readFileSync(envFile, 'utf8'));
        return;
      }
      const file = join(project, `example-${index}.${block.lang}`);
      writeFileSync(file, block.code);
      if (!serves(block.code)) {
        const result = spawnSync(process.execPath, ['--import', TSX, file], { cwd: project, env, encoding: 'utf8', timeout: 60_000 });
        expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
        return;
      }
      const onBun = /export default \{/.test(block.code);
      if (onBun && BUN === null) {
        if (process.env.CI) throw new Error(`bun is not installed: ${INSTALL_RUNTIMES}`);
        return ctx.skip();
      }
      const port = await freePort();
      const child = onBun
        ? await start(BUN!, [file], port)
        : await start(process.execPath, ['--import', TSX, file], port);
      try {
        const base = `http://127.0.0.1:${port}`;
        const login = await fetch(`${base}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: USERNAME, password: PASSWORD }),
        });
        expect(login.status).toBe(200);
        const { access_token: token, token_type: tokenType } = (await login.json()) as { access_token: string; token_type: string };
        expect(tokenType).toBe('bearer');
        const auth = { headers: { authorization: `Bearer ${token}` } };

        const me = await fetch(`${base}/users/me/`, auth);
        expect(me.status).toBe(200);
        expect(await me.json()).toMatchObject({ username: USERNAME, disabled: false });

        const hello = await fetch(`${base}/hello`, auth);
        expect(hello.status).toBe(200);
        expect(await hello.json()).toEqual({ hello: USERNAME });

        const anonymous = await fetch(`${base}/hello`);
        expect(anonymous.status).toBe(401);
        expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
        expect(await anonymous.json()).toEqual({ detail: 'Not authenticated' });

        const wrong = await fetch(`${base}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: USERNAME, password: 'wrong' }),
        });
        expect(wrong.status).toBe(401);
      } finally {
        await stop(child);
      }
    }, 90_000);
  }
});

describe('links in README.md, BENCHMARKS.md and docs/*.md', () => {
  const files = ['README.md', 'BENCHMARKS.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  for (const file of files) {
    it(file, () => {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
        const path = decodeURIComponent(target!.split('#')[0]!);
        if (!existsSync(resolve(dirname(join(ROOT, file)), path))) broken.push(target!);
      }
      expect(broken).toEqual([]);
    });
  }
});
