/**
 * The published package, checked as a consumer gets it: `npm pack`, then publint (package.json
 * against the packed files) and @arethetypeswrong/cli (types and formats per resolution mode) for
 * every entry of package.json's `exports` map (read from it, so new subpaths are covered too).
 *   npm run check:package      (after npm run build)
 *
 * attw runs with its node16 profile: TypeScript's legacy node10 resolution cannot see subpath
 * exports at all, and no Node that gatehouse supports (engines) resolves that way.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const IGNORED_RESOLUTIONS = new Set(['node10']);

/** The code entry points of the exports map ('.', './node', ...), not './package.json' or patterns. */
export function exportEntries(exportsMap) {
  if (typeof exportsMap === 'string') return ['.'];
  return Object.keys(exportsMap).filter((key) => key.startsWith('.') && !key.endsWith('.json') && !key.includes('*'));
}

const entries = exportEntries(pkg.exports);
const failures = [];
const work = mkdtempSync(join(tmpdir(), 'gatehouse-check-package-'));
try {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
  const tarball = join(work, packed[0].filename);

  const { messages } = await publint({ pkgDir: ROOT, level: 'suggestion', strict: true, pack: 'npm' });
  for (const message of messages) failures.push(`publint ${message.type}: ${formatMessage(message, pkg) ?? message.code}`);

  const attw = spawnJson('attw', [tarball, '--format', 'json', '--entrypoints', ...entries]);
  const checked = Object.keys(attw.analysis.entrypoints);
  for (const entry of entries) if (!checked.includes(entry)) failures.push(`attw did not check ${entry}`);
  const problems = Object.values(attw.problems ?? {}).flat();
  for (const problem of problems) {
    if (IGNORED_RESOLUTIONS.has(problem.resolutionKind)) continue;
    failures.push(`attw ${problem.kind}: ${problem.entrypoint ?? ''} (${problem.resolutionKind ?? 'all resolutions'})`);
  }
  console.log(`check-package: ${packed[0].filename}, ${packed[0].entryCount} files; entries ${entries.join(', ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function spawnJson(bin, args) {
  let output;
  try {
    output = execFileSync(join(ROOT, 'node_modules/.bin', bin), args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (error) {
    output = error.stdout; // attw exits non-zero when it finds problems; the JSON says which
  }
  return JSON.parse(output);
}

if (failures.length > 0) {
  console.error(failures.map((line) => `  ${line}`).join('\n'));
  console.error(`check-package: ${failures.length} problem(s)`);
  process.exitCode = 1;
} else {
  console.log('check-package: publint and attw clean for every entry');
}
