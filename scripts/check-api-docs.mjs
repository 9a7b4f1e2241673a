/**
 * Builds the API reference (typedoc, typedoc.json: docs/api/) and holds the line on doc comments:
 * typedoc's notDocumented validation lists every public export without one; the build fails when
 * an export is missing from scripts/undocumented-exports.txt (a new export must come documented)
 * or when a listed one has since been documented (take it off the list, so the list only shrinks).
 * Any other typedoc warning or error fails too.
 *   npm run docs:api
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIST = join(ROOT, 'scripts/undocumented-exports.txt');
const update = process.argv.includes('--print-list');

// Validation warnings are collected here rather than treated as errors (typedoc.json), then judged.
const run = spawnSync(join(ROOT, 'node_modules/.bin/typedoc'), ['--treatValidationWarningsAsErrors', 'false'], {
  cwd: ROOT,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
});
const output = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
const undocumented = new Set();
const other = [];
for (const line of output.split('\n')) {
  const match = /^\[warning\] (\S+) \(\w+\), defined in .* does not have any documentation$/.exec(line);
  if (match) undocumented.add(match[1]);
  else if (/^\[(warning|error)\]/.test(line) && !/^\[warning\] Found \d+ errors and \d+ warnings$/.test(line)) other.push(line);
}

if (update) {
  console.log([...undocumented].sort().join('\n'));
  process.exit(0);
}

const listed = new Set(readFileSync(LIST, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#')));
const added = [...undocumented].filter((name) => !listed.has(name)).sort();
const fixed = [...listed].filter((name) => !undocumented.has(name)).sort();
const problems = [
  ...other,
  ...(run.status !== 0 && other.length === 0 ? [`typedoc exited with ${run.status}`] : []),
  ...added.map((name) => `no doc comment: ${name}`),
  ...fixed.map((name) => `documented now, remove from scripts/undocumented-exports.txt: ${name}`),
];
if (problems.length > 0) {
  console.error(problems.map((line) => `  ${line}`).join('\n'));
  console.error(`docs:api: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`docs:api: docs/api built; ${undocumented.size} exports still listed as undocumented`);
