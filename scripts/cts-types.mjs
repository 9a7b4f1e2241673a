/**
 * After tsup: the CommonJS declarations (dist/*.d.cts) import types from jose, which is an ES
 * module only (Node >= 20.19 require()s it, TypeScript's node16 mode does not: TS1479/TS1541 in a
 * CommonJS project with skipLibCheck off). Each such import becomes a type-only import with
 * `resolution-mode: import` (TypeScript 5.3+), which every module mode accepts.
 *   node scripts/cts-types.mjs      (the last step of npm run build)
 * A dependency counts as ESM-only when its package.json has "type": "module" and its `exports`
 * offer no "require" condition. Any other statement naming such a package (a re-export, a
 * default import) fails the build, saying which file.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const require = createRequire(join(ROOT, 'package.json'));

/** Whether a bare specifier's package can only be imported (no CommonJS entry). */
export function esmOnly(manifest) {
  if (manifest.type !== 'module') return false;
  const hasRequire = (value) =>
    value !== null && typeof value === 'object' && Object.entries(value).some(([key, inner]) => key === 'require' || hasRequire(inner));
  return !hasRequire(manifest.exports ?? {});
}

/** The package.json of a bare specifier's package, found from gatehouse's own node_modules. */
function manifestOf(name) {
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (manifest.name === name) return manifest;
    } catch {}
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cts-types: no package.json for ${name}`);
    dir = parent;
  }
}

const NAMED_IMPORT = /^import (?:type )?\{([^}]*)\} from '([^'.][^']*)';$/gm;
const ANY_FROM = /^(?:import|export)\b[^;]*?from '([^'.][^']*)'[^;]*;$/gm;

/** The text of a .d.cts with its imports of ESM-only packages made `resolution-mode: import` type imports. */
export function rewrite(text, isEsmOnly, file = 'a .d.cts') {
  const out = text.replace(NAMED_IMPORT, (line, names, specifier) =>
    isEsmOnly(specifier) ? `import type {${names}} from '${specifier}' with { 'resolution-mode': 'import' };` : line,
  );
  for (const [line, specifier] of out.matchAll(ANY_FROM)) {
    if (isEsmOnly(specifier) && !line.includes("'resolution-mode': 'import'")) {
      throw new Error(`cts-types: ${file}: cannot rewrite \`${line}\` (an ESM-only package; only named type imports are handled)`);
    }
  }
  return out;
}

const cache = new Map();
const isEsmOnly = (specifier) => {
  if (specifier.startsWith('node:')) return false;
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  if (!cache.has(name)) cache.set(name, esmOnly(manifestOf(name)));
  return cache.get(name);
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let changed = 0;
  for (const name of readdirSync(DIST).filter((file) => file.endsWith('.d.cts'))) {
    const path = join(DIST, name);
    const text = readFileSync(path, 'utf8');
    const next = rewrite(text, isEsmOnly, name);
    if (next !== text) {
      writeFileSync(path, next);
      changed++;
    }
  }
  console.log(`cts-types: ${changed} CommonJS declaration file(s) import ESM-only packages with resolution-mode: import`);
}
