/**
 * Builds the API reference (typedoc, typedoc.json: HTML in docs/api/, git-ignored; every entry of
 * package.json exports)
 * and holds the line on doc comments: fails on any typedoc warning or error (notDocumented lists a
 * public export or member without a doc comment) and on any export whose doc comment has no
 * `@example`.
 *   npm run docs:api
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-typedoc-'));
const jsonPath = join(scratch, 'api.json');

// Warnings are collected rather than treated as errors (typedoc.json) so that all are listed at once.
const run = spawnSync(join(ROOT, 'node_modules/.bin/typedoc'), ['--treatValidationWarningsAsErrors', 'false', '--out', join(ROOT, 'docs/api'), '--json', jsonPath], {
  cwd: ROOT,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
});
const output = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
const problems = output
  .split('\n')
  .filter((line) => /^\[(warning|error)\]/.test(line) && !/^\[warning\] Found \d+ errors and \d+ warnings$/.test(line));
if (run.status !== 0 && problems.length === 0) problems.push(`typedoc exited with ${run.status}`);

// Every top-level export (functions carry their comment on the signature; re-exports of a name
// documented in another entry are references and are checked there).
if (run.status === 0) {
  const project = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const hasExample = (comment) => Boolean(comment?.blockTags?.some((tag) => tag.tag === '@example'));
  for (const entry of project.children ?? []) {
    for (const reflection of entry.children ?? []) {
      if (reflection.variant === 'reference') continue;
      const documented = hasExample(reflection.comment) || (reflection.signatures ?? []).some((signature) => hasExample(signature.comment));
      if (!documented) problems.push(`no @example: ${entry.name}.${reflection.name}`);
    }
  }
}
rmSync(scratch, { recursive: true, force: true });

if (problems.length > 0) {
  console.error(problems.map((line) => `  ${line}`).join('\n'));
  console.error(`docs:api: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('docs:api: docs/api built; every export has a doc comment with an @example');
