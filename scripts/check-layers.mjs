/**
 * The house's layering, checked: every import between files of src/ runs from a higher layer to a
 * lower one (or stays inside its wing), and no runtime import cycle exists.
 *
 *   internal/ + errors.ts -> platform/ -> passwords/ | tokens/ -> users/ -> throttle/ -> http/ -> node/ -> cli/
 *
 * (src/index.ts, the root entry, sits on top.) passwords/ and tokens/ are one storey: neither imports
 * the other. Reported, each with the importing file and the specifier:
 * - upward: a file imports from a higher layer (type-only imports included: a type from above is
 *   a dependency on above all the same);
 * - sideways: a file imports a wing of its own storey;
 * - cycle: files that import each other at run time, directly or around a ring. `import type` and
 *   `export type` (and imports whose every name is `type`) are erased by TypeScript, so they do not
 *   count here: a type-only ring does not run.
 * No dependency: specifiers are read with a regular expression (static import/export ... from,
 * side-effect imports and import() with a literal), relative ones resolved to their .ts file.
 *   node scripts/check-layers.mjs            # exit 1 with the list when anything is wrong
 *   node scripts/check-layers.mjs --graph    # also print every import it read
 *   node scripts/check-layers.mjs --src DIR  # check DIR instead of src/
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// --src DIR checks another tree laid out the same way (the test feeds it a broken one).
const srcFlag = process.argv.indexOf('--src');
const SRC = srcFlag > 0 ? resolvePath(process.argv[srcFlag + 1]) : join(ROOT, 'src');

/** Wings by their folder (or file) under src/, bottom to top; one number is one storey. */
const LAYERS = [
  ['internal', 0],
  ['errors.ts', 0],
  ['platform', 1],
  ['passwords', 2],
  ['tokens', 2],
  ['users', 3],
  ['throttle', 4],
  ['http', 5],
  ['node', 6],
  ['cli', 7],
  ['index.ts', 8],
];
/** internal/ and errors.ts are one floor: they may use each other. */
const SAME_FLOOR = new Set(['internal', 'errors.ts']);

function wingOf(file) {
  const first = relative(SRC, file).split(sep)[0];
  const layer = LAYERS.find(([name]) => name === first);
  if (!layer) return null;
  return { wing: first, rank: layer[1] };
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

// import/export ... from '...' (possibly over several lines), import '...', import('...').
const STATIC = /(^|[\n;])\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g;
const BARE = /(^|[\n;])\s*import\s*['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** True when every imported name is marked `type` (`import { type A, type B } from`): erased too. */
function allNamesTyped(clause) {
  const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1].split(',').map((s) => s.trim()).filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function importsOf(file) {
  const text = stripComments(readFileSync(file, 'utf8'));
  const found = [];
  for (const m of text.matchAll(STATIC)) found.push({ spec: m[5], typeOnly: Boolean(m[3]) || allNamesTyped(m[4]) });
  for (const m of text.matchAll(BARE)) found.push({ spec: m[2], typeOnly: false });
  for (const m of text.matchAll(DYNAMIC)) found.push({ spec: m[1], typeOnly: false });
  return found.filter(({ spec }) => spec.startsWith('.'));
}

function resolve(from, spec) {
  const base = join(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const files = walk(SRC);
const problems = [];
const runtimeEdges = new Map(files.map((f) => [f, []]));
const show = (f) => relative(dirname(SRC), f).split(sep).join('/');
const graph = process.argv.includes('--graph');

for (const file of files) {
  const from = wingOf(file);
  if (!from) problems.push(`unplaced: ${show(file)} is in no layer (add its folder to LAYERS in scripts/check-layers.mjs)`);
  for (const { spec, typeOnly } of importsOf(file)) {
    const target = resolve(file, spec);
    if (!target) {
      problems.push(`unresolved: ${show(file)} imports '${spec}'`);
      continue;
    }
    if (!target.startsWith(SRC + sep)) continue;
    if (!typeOnly) runtimeEdges.get(file).push(target);
    const to = wingOf(target);
    if (graph) console.log(`${show(file)} -> ${show(target)}${typeOnly ? ' (type)' : ''}`);
    if (!from || !to || from.wing === to.wing) continue;
    if (SAME_FLOOR.has(from.wing) && SAME_FLOOR.has(to.wing)) continue;
    if (to.rank > from.rank) problems.push(`upward: ${show(file)} (${from.wing}) imports '${spec}' (${to.wing})`);
    else if (to.rank === from.rank) problems.push(`sideways: ${show(file)} (${from.wing}) imports '${spec}' (${to.wing})`);
  }
}

// Runtime cycles: Tarjan's strongly connected components over the runtime edges.
let index = 0;
const stack = [];
const state = new Map();
function strongConnect(v) {
  state.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of runtimeEdges.get(v) ?? []) {
    if (!state.has(w)) {
      strongConnect(w);
      state.get(v).low = Math.min(state.get(v).low, state.get(w).low);
    } else if (state.get(w).onStack) {
      state.get(v).low = Math.min(state.get(v).low, state.get(w).index);
    }
  }
  if (state.get(v).low === state.get(v).index) {
    const ring = [];
    let w;
    do {
      w = stack.pop();
      state.get(w).onStack = false;
      ring.push(w);
    } while (w !== v);
    const selfLoop = (runtimeEdges.get(v) ?? []).includes(v);
    if (ring.length > 1 || selfLoop) problems.push(`cycle: ${ring.reverse().map(show).join(' <-> ')}`);
  }
}
for (const file of files) if (!state.has(file)) strongConnect(file);

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} problem(s); the order is internal+errors -> platform -> passwords|tokens -> users -> throttle -> http -> node -> cli`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, no upward or sideways import, no runtime cycle`);
