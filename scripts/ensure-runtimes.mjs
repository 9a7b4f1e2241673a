/**
 * The runtime matrix the tests run gatehouse on (Bun, Deno, workerd + miniflare, Node 22 and 24:
 * about 830 MB) is its own package, test/runtimes, so that `npm install` for the demo stays small.
 * This installs it when it is missing or older than its lockfile, and does nothing otherwise:
 *   node scripts/ensure-runtimes.mjs [DIR]   (npm run runtimes:install; npm test runs it; DIR: test/runtimes)
 * It runs `npm ci` in test/runtimes, then stamps node_modules with a digest of package.json and
 * package-lock.json there. Outside CI an install that fails (no registry) is reported and the
 * runtime tests skip, naming what is missing; in CI (CI=true) it fails.
 * GATEHOUSE_RUNTIMES=skip leaves the matrix out (its tests skip).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNTIMES_DIR = fileURLToPath(new URL('../test/runtimes', import.meta.url));
const STAMP = 'node_modules/.gatehouse-runtimes';

/** The digest of what should be installed in `dir`: its package.json and lockfile. */
export function wanted(dir = RUNTIMES_DIR) {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(join(dir, file)));
  return hash.digest('hex');
}

/** Whether `dir`/node_modules holds what its lockfile says (per the stamp of the last install). */
export function upToDate(dir = RUNTIMES_DIR) {
  const stamp = join(dir, STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === wanted(dir);
}

/**
 * `npm ci` in `dir` unless it is up to date. Returns 'up to date' or 'installed'; throws (naming
 * npm's status) when the install fails.
 */
export function ensureRuntimes(dir = RUNTIMES_DIR, { stdio = 'inherit' } = {}) {
  if (upToDate(dir)) return 'up to date';
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio, encoding: 'utf8' });
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `npm ci exited with ${result.status ?? result.signal}`;
    throw new Error(`could not install ${dir} (${why})${typeof result.stderr === 'string' ? `\n${result.stderr}` : ''}`);
  }
  writeFileSync(join(dir, STAMP), `${wanted(dir)}\n`);
  return 'installed';
}

function main(dir = RUNTIMES_DIR) {
  if (process.env.GATEHOUSE_RUNTIMES === 'skip') {
    console.log('runtimes: GATEHOUSE_RUNTIMES=skip: the runtime matrix is left out (its tests skip)');
    return;
  }
  if (upToDate(dir)) return;
  console.log(`runtimes: installing the runtime matrix into ${join(dir, 'node_modules')} (npm ci there: Bun, Deno, workerd, miniflare, Node 22 and 24)`);
  try {
    ensureRuntimes(dir);
  } catch (error) {
    if (process.env.CI === 'true') {
      console.error(`runtimes: ${error.message}`);
      process.exit(1);
    }
    console.warn(`runtimes: ${error.message}; the tests on Bun, Deno, workerd, D1 and Node 22/24 will skip`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv[2]);
