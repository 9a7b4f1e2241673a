/**
 * The published package, checked as a consumer gets it: `npm pack`, then publint (package.json
 * against the packed files) and @arethetypeswrong/cli (types and formats per resolution mode) for
 * every entry of package.json's `exports` map (read from it, so new subpaths are covered too).
 *   npm run check:package      (after npm run build)
 *
 * attw checks every profile: node10 (the default of a CommonJS TypeScript project, which does
 * not read `exports`: package.json's `typesVersions` maps each subpath to its declarations, as
 * `types` does for the root), node16 from CommonJS and from ESM, and bundler. Every entry must
 * resolve, typed, in all four. `typesVersions` must name, for each subpath, the same file as its
 * `exports` import types (plain `import` statements, which any TypeScript version reads; the
 * .d.cts files carry `resolution-mode` attributes, TypeScript 5.3+: scripts/cts-types.mjs).
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
/** attw's resolution profiles; each must be checked, and clean, for every entry. */
export const PROFILES = ['node10', 'node16-cjs', 'node16-esm', 'bundler'];

/** The code entry points of the exports map ('.', './node', ...), not './package.json' or patterns. */
export function exportEntries(exportsMap) {
  if (typeof exportsMap === 'string') return ['.'];
  return Object.keys(exportsMap).filter((key) => key.startsWith('.') && !key.endsWith('.json') && !key.includes('*'));
}

/**
 * What node10 resolution (which ignores `exports`) needs: `typesVersions` mapping each subpath of
 * `exports` to its declarations. Returns the mismatches.
 */
export function typesVersionsProblems(manifest) {
  const problems = [];
  const map = manifest.typesVersions?.['*'] ?? {};
  for (const entry of exportEntries(manifest.exports)) {
    if (entry === '.') continue;
    const want = manifest.exports[entry]?.import?.types;
    const got = map[entry.slice(2)];
    if (!Array.isArray(got) || got.length !== 1 || got[0] !== want) {
      problems.push(`typesVersions["*"]["${entry.slice(2)}"] should be ["${want}"] (the types of exports["${entry}"]), is ${JSON.stringify(got)}`);
    }
  }
  return problems;
}

const entries = exportEntries(pkg.exports);
const failures = [...typesVersionsProblems(pkg)];
const work = mkdtempSync(join(tmpdir(), 'gatehouse-check-package-'));
try {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
  const tarball = join(work, packed[0].filename);

  const { messages } = await publint({ pkgDir: ROOT, level: 'suggestion', strict: true, pack: 'npm' });
  for (const message of messages) failures.push(`publint ${message.type}: ${formatMessage(message, pkg) ?? message.code}`);

  const attw = spawnJson('attw', [tarball, '--format', 'json', '--entrypoints', ...entries]);
  const checked = Object.keys(attw.analysis.entrypoints);
  for (const entry of entries) {
    if (!checked.includes(entry)) failures.push(`attw did not check ${entry}`);
    const resolutions = attw.analysis.entrypoints[entry]?.resolutions ?? {};
    for (const profile of PROFILES) {
      const resolved = resolutions[profile]?.resolution;
      if (!resolved) failures.push(`attw: ${entry} does not resolve under ${profile}`);
      else if (!resolved.isTypeScript && !resolved.isJson) failures.push(`attw: ${entry} resolves untyped under ${profile} (${resolved.fileName})`);
    }
  }
  const problems = Object.values(attw.problems ?? {}).flat();
  for (const problem of problems) {
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
  console.log(`check-package: publint and attw clean for every entry in every profile (${PROFILES.join(', ')})`);
}
