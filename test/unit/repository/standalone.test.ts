/**
 * The repository stands alone: a clone with nothing beside it runs its tests, benches, examples
 * and scripts. No code reads a file outside the clone (`../shared/...`, an absolute `/work/...`);
 * the data it needs lives in test/fixtures. The one exception: scripts/conformance.sh (and .ci/run,
 * which calls it) prefers the FastAPI kit of ../shared when it sits beside the clone, and falls
 * back to the in-repo copy in test/fixtures/conformance.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', 'docs']);
const CODE = /\.(?:[cm]?[jt]s|tsx|sh|json|capnp)$|^run$/;
/** May name ../shared: they prefer the kit beside the clone and fall back to the in-repo copy. */
const ALLOWED = new Set(['scripts/conformance.sh', '.ci/run', 'test/unit/repository/standalone.test.ts']);
/** A fixture's provenance ("source": "/work/shared/vectors/hashes.json ...") is not a read. */
const PROVENANCE = /^\s*"(?:source|description|generated_by|note)":/;
/** An absolute path into the machine this was built on. */
const ABSOLUTE = /\/work\/(?:shared|main)\b/;
/** A relative path to a `shared` directory: fine when it lands on one inside the clone (examples/shared). */
const RELATIVE = /(?:\.\.\/)+shared\/[\w./-]*/g;

/** The places on `line` of `file` that point outside the clone (or at nothing in it). */
function outside(file: string, line: string): string[] {
  if (file.endsWith('.json') && PROVENANCE.test(line)) return [];
  const found = ABSOLUTE.test(line) ? [line.match(ABSOLUTE)![0]] : [];
  for (const [path] of line.matchAll(RELATIVE)) {
    const target = resolve(ROOT, dirname(file), path);
    if (relative(ROOT, target).startsWith('..') || !existsSync(target)) found.push(path);
  }
  return found;
}

function codeFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) codeFiles(path, out);
    } else if (CODE.test(entry.name)) out.push(relative(ROOT, path));
  }
  return out;
}

describe('the repository stands alone', () => {
  it('no test, script, bench or example reads a file outside the clone', () => {
    const files = codeFiles(ROOT);
    expect(files).toContain('test/integration/cli/cli-users.test.ts');
    const reaching: string[] = [];
    for (const file of files) {
      if (ALLOWED.has(file)) continue;
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          for (const path of outside(file, line)) reaching.push(`${file}:${index + 1}: ${path}`);
        });
    }
    expect(reaching).toEqual([]);
  });

  it('the FastAPI conformance kit has an in-repo copy, which scripts/conformance.sh falls back to', () => {
    const kit = join(ROOT, 'test/fixtures/conformance');
    expect(readdirSync(kit).sort()).toEqual(expect.arrayContaining(['cases.json', 'fastapi-transcript.json', 'run.mjs', 'users.json']));
    const users = JSON.parse(readFileSync(join(kit, 'users.json'), 'utf8'));
    expect(Object.keys(users).sort()).toEqual(['alice', 'johndoe']);
    const cases = JSON.parse(readFileSync(join(kit, 'cases.json'), 'utf8'));
    const transcript = JSON.parse(readFileSync(join(kit, 'fastapi-transcript.json'), 'utf8'));
    expect(Object.keys(transcript).length).toBeGreaterThan(0);
    expect(cases).toBeTruthy();
    const script = readFileSync(join(ROOT, 'scripts/conformance.sh'), 'utf8');
    expect(script).toMatch(/kit=test\/fixtures\/conformance/);
  });
});
