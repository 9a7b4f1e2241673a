/**
 * The layering check (scripts/check-layers.mjs, `npm run check:layers`, run by CI): the tree passes
 * it, and a tree with an upward import, a sideways one and a runtime cycle is refused with each named.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-layers.mjs', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'gatehouse-layers-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function check(...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
}

function tree(files: Record<string, string>): string {
  const src = mkdtempSync(join(temp, 'src-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

describe('check-layers', () => {
  it('passes on src/', () => {
    const result = check();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/no upward or sideways import, no runtime cycle/);
  });

  it('names an upward import, a sideways one and a runtime cycle, and exits 1', () => {
    const src = tree({
      'errors.ts': 'export class E extends Error {}\n',
      'internal/bytes.ts': "import { x } from '../platform/runtime.js';\nexport const y = x;\n",
      'platform/runtime.ts': "export const x = 1;\n",
      'passwords/a.ts': "import { t } from '../tokens/t.js';\nexport const a = t;\n",
      'tokens/t.ts': 'export const t = 1;\n',
      'http/one.ts': "import { two } from './two.js';\nexport const one = () => two;\n",
      'http/two.ts': "import { one } from './one.js';\nexport const two = () => one;\n",
      // type-only rings are erased by TypeScript: not a cycle
      'users/p.ts': "import type { Q } from './q.js';\nexport type P = { q?: Q };\n",
      'users/q.ts': "import { type P } from './p.js';\nexport type Q = { p?: P };\n",
    });
    const result = check('--src', src);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("upward: src-");
    expect(result.stderr).toMatch(/upward: \S+\/internal\/bytes\.ts \(internal\) imports '\.\.\/platform\/runtime\.js' \(platform\)/);
    expect(result.stderr).toMatch(/sideways: \S+\/passwords\/a\.ts \(passwords\) imports '\.\.\/tokens\/t\.js' \(tokens\)/);
    expect(result.stderr).toMatch(/cycle: \S+\/http\/one\.ts <-> \S+\/http\/two\.ts/);
    expect(result.stderr).not.toMatch(/users\/p\.ts <->/);
    expect(result.stderr).toMatch(/^check-layers: 3 problem\(s\)/);
  });
});
