/**
 * What `npm pack` ships besides the code: the MIT LICENSE named by package.json's `license`, the
 * README, package.json; and nothing of the repository's tests, sources or fixtures.
 * Needs `npm run build` first (dist/ is packed).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('the packed package', () => {
  it('ships LICENSE (MIT, as package.json says), README.md and package.json, and no tests or sources', () => {
    expect(existsSync(join(ROOT, 'dist/index.js')), 'run `npm run build` first').toBe(true);
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8' }));
    const paths: string[] = packed.files.map((file: { path: string }) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts']));
    expect(paths.filter((path) => !path.startsWith('dist/')).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(pkg.files).toContain('LICENSE');

    expect(pkg.license).toBe('MIT');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license.split('\n')[0]).toBe('MIT License');
    expect(license).toContain('Copyright (c) 2026 gatehouse contributors');
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  }, 60_000);

  it('typesVersions maps every subpath of exports to its declarations, for TypeScript setups that ignore exports', () => {
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== '.' && !key.endsWith('.json'));
    const map = pkg.typesVersions['*'];
    expect(Object.keys(map).sort()).toEqual(subpaths.map((key) => key.slice(2)).sort());
    for (const key of subpaths) expect(map[key.slice(2)], key).toEqual([pkg.exports[key].import.types]);
  });
});
