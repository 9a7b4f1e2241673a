/**
 * What `npm install gatehouse` gives an app: the packed tarball installed into an empty project
 * (jose and @noble/hashes come from the registry). Its runtime dependencies are jose and
 * @noble/hashes only: no swagger-ui-dist (an optional peer) and no @scarf/scarf; the app still
 * works, and /docs explains how to enable Swagger UI. Needs `npm run build` first. Skips, saying
 * so, when the npm registry cannot be reached, except in CI (CI=true), where that fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../integration/runtimes/harness.js';

const registryUp = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 20_000 }).status === 0;
if (!registryUp && process.env.CI === 'true') throw new Error('package-install.test.ts: the npm registry is unreachable in CI');
if (!registryUp) console.warn('package-install.test.ts: skipped: the npm registry is unreachable (npm ping failed)');

const work = mkdtempSync(join(tmpdir(), 'gatehouse-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!registryUp)('npm install of the packed package', () => {
  it('installs jose and @noble/hashes only, and works without swagger-ui-dist', async () => {
    expect(existsSync(join(ROOT, 'dist/index.js')), 'run `npm run build` first').toBe(true);
    const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', join(work, filename)], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/EBADENGINE|install-scripts|deprecated/);

    const tree = JSON.parse(execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: app, encoding: 'utf8' }));
    type Tree = Record<string, { version?: string; dependencies?: Tree }>;
    // npm ls shows an optional peer that is not installed as an empty entry (no version).
    const installed = (deps: Tree = {}) => Object.entries(deps).filter(([, dep]) => dep.version);
    expect(installed(tree.dependencies.gatehouse.dependencies).map(([name]) => name).sort()).toEqual(['@noble/hashes', 'jose']);
    const names = new Set<string>();
    const walk = (deps?: Tree) => {
      for (const [name, dep] of installed(deps)) {
        names.add(name);
        walk(dep.dependencies);
      }
    };
    walk(tree.dependencies);
    expect([...names].sort()).toEqual(['@noble/hashes', 'gatehouse', 'jose']);
    for (const absent of ['swagger-ui-dist', '@scarf/scarf']) expect(existsSync(join(app, 'node_modules', absent))).toBe(false);

    // The installed package in use: a hash verifies, and /docs is the page that says what to install.
    writeFileSync(
      join(app, 'check.mjs'),
      `import { createAuthHandler, hashPassword, verifyPassword } from 'gatehouse';
import { serve } from 'gatehouse/node';
const hash = await hashPassword('secret');
const handler = createAuthHandler({ users: { johndoe: { username: 'johndoe', hashed_password: hash } }, key: 'k'.repeat(32) });
const server = await serve(handler, { port: 0 });
const docs = await fetch(server.url + '/docs');
const login = await fetch(server.url + '/token', { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret' }) });
await server.close();
console.log(JSON.stringify({ verified: await verifyPassword('secret', hash), docs: docs.status, page: await docs.text(), login: login.status }));
`,
    );
    const result = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: app, encoding: 'utf8' }));
    expect(result).toMatchObject({ verified: true, docs: 200, login: 200 });
    expect(result.page).toContain('<h1>Swagger UI is not installed</h1>');
    expect(result.page).toContain('npm install swagger-ui-dist');
  }, 180_000);
});
