/**
 * The packed package typechecks in every TypeScript setup: a file importing every entry of
 * package.json's `exports` ('gatehouse', 'gatehouse/tokens', ...) and using one typed export of
 * each passes `tsc` (the root's TypeScript, skipLibCheck off) in
 *   - a CommonJS project with `moduleResolution: node10` (TypeScript's default for CommonJS; it
 *     does not read `exports`, so package.json's `typesVersions` must map every subpath),
 *   - a CommonJS project on node16, an ESM project on nodenext, and a bundler project.
 * A `@ts-expect-error` on a wrongly typed call proves the types are the real ones, not `any`. The
 * CommonJS builds are then run, so `require('gatehouse/tokens')` loads at run time too.
 *
 * The package is `npm pack`ed and unpacked into the projects' node_modules as npm would; its two
 * dependencies (jose, @noble/hashes) and @types/node are the root's copies, linked (no registry).
 * Needs `npm run build` first.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** One typed use per entry; a new entry of `exports` without one here fails the first test. */
const USES: Record<string, { names: string[]; use: string }> = {
  '.': { names: ['hashPassword', 'GatehouseError'], use: 'const hashed: Promise<string> = hashPassword("secret");\nconst base: typeof GatehouseError = GatehouseError;' },
  './passwords': { names: ['CryptContext', 'bcrypt'], use: 'const context = new CryptContext({ schemes: [bcrypt] });\nconst schemes: readonly string[] = context.schemes;' },
  './tokens': { names: ['TokenError', 'TokenExpiredError'], use: 'const expired: typeof TokenError = TokenExpiredError;' },
  './http': { names: ['createAuthHandler'], use: 'type Handler = ReturnType<typeof createAuthHandler>;\nconst answer = (handler: Handler, request: Request): Promise<Response> => handler(request);' },
  './node': { names: ['createNodeListener'], use: 'const listener: (...args: any[]) => unknown = createNodeListener;' },
  './sqlite': { names: ['createSqliteUserStore'], use: 'const sqlite: typeof createSqliteUserStore = createSqliteUserStore;' },
  './postgres': { names: ['createPostgresUserStore'], use: 'const postgres: typeof createPostgresUserStore = createPostgresUserStore;' },
  './mysql': { names: ['createMysqlUserStore'], use: 'const mysql: typeof createMysqlUserStore = createMysqlUserStore;' },
  './throttle': { names: ['createMemoryCounterStore'], use: 'const counters = createMemoryCounterStore();' },
  './redis': { names: ['createRedisCounterStore'], use: '// @ts-expect-error: a number is neither a client nor a URL (real types, not any)\nconst wrong = () => createRedisCounterStore(42);' },
};

const entries = Object.keys(pkg.exports).filter((key) => key.startsWith('.') && !key.endsWith('.json'));
const specifier = (entry: string) => (entry === '.' ? 'gatehouse' : `gatehouse/${entry.slice(2)}`);

function consumer(): string {
  const lines: string[] = [];
  for (const entry of entries) lines.push(`import { ${USES[entry]!.names.join(', ')} } from '${specifier(entry)}';`);
  for (const entry of entries) lines.push(USES[entry]!.use);
  const loaded = entries.flatMap((entry) => USES[entry]!.names);
  lines.push(`console.log(JSON.stringify([${loaded.map((name) => `typeof ${name}`).join(', ')}]));`);
  lines.push('export {};');
  return `${lines.join('\n')}\n`;
}

interface Setup {
  name: string;
  type: 'commonjs' | 'module';
  compilerOptions: Record<string, unknown>;
  /** Emit and run the build with node (the CommonJS projects). */
  run: boolean;
}

const SETUPS: Setup[] = [
  { name: 'commonjs-node10', type: 'commonjs', compilerOptions: { module: 'commonjs', moduleResolution: 'node10' }, run: true },
  { name: 'commonjs-node16', type: 'commonjs', compilerOptions: { module: 'node16', moduleResolution: 'node16' }, run: true },
  { name: 'esm-nodenext', type: 'module', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, run: true },
  { name: 'bundler', type: 'module', compilerOptions: { module: 'esnext', moduleResolution: 'bundler', noEmit: true }, run: false },
];

const work = mkdtempSync(join(tmpdir(), 'gatehouse-ts-setups-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
  const modules = join(work, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  mkdirSync(join(modules, '@noble'), { recursive: true });
  execFileSync('tar', ['-xzf', join(work, filename), '-C', work]);
  renameSync(join(work, 'package'), join(modules, 'gatehouse'));
  for (const dep of ['jose', '@noble/hashes', '@types/node']) symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep), 'dir');
}, 120_000);

function tsc(dir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-p', dir], { cwd: dir, timeout: 180_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('the packed package typechecks in every TypeScript setup', () => {
  it('every entry of exports has a typed use in the consumer file', () => {
    expect(entries.length).toBeGreaterThan(5);
    for (const entry of entries) expect(USES, entry).toHaveProperty(entry);
  });

  it.each(SETUPS)('$name: tsc passes on a file importing every entry', async ({ name, type, compilerOptions, run }) => {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `app-${name}`, version: '1.0.0', private: true, type }));
    const options = { target: 'es2022', strict: true, skipLibCheck: false, types: ['node'], outDir: 'out', ...compilerOptions };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['index.ts'] }, null, 2));
    writeFileSync(join(dir, 'index.ts'), consumer());

    const result = await tsc(dir);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
    if (!run) return;
    const out = execFileSync(process.execPath, [join(dir, 'out/index.js')], { cwd: dir, encoding: 'utf8' });
    const kinds = JSON.parse(out) as string[];
    expect(kinds).toHaveLength(entries.flatMap((entry) => USES[entry]!.names).length);
    expect(kinds).not.toContain('undefined');
  }, 240_000);
});
