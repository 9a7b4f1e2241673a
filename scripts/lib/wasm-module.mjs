// Shared by the scripts that compile this repo's C sources to WebAssembly and commit the bytes,
// base64, in a generated .ts file (so that `npm ci && npm run build` never needs a C toolchain).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Compile one C file with clang for wasm32 (no libc); returns the module's bytes. */
export function compileWasm(source, flags) {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-wasm-'));
  try {
    const output = join(work, 'out.wasm');
    execFileSync(
      'clang',
      [
        '--target=wasm32',
        '-nostdlib',
        '-O3',
        '-ffile-prefix-map=' + root + '=.',
        '-Wall',
        '-Werror',
        '-Wl,--no-entry',
        '-Wl,--strip-all',
        ...flags,
        '-o',
        output,
        source,
      ],
      { stdio: 'inherit' },
    );
    return readFileSync(output);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The compiler's version line: another version may emit other (equally valid) bytes. */
export function compilerVersion() {
  return execFileSync('clang', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
}

/** `export const NAME =` and the bytes as base64, in lines of 96 characters. */
export function base64Constant(name, bytes) {
  const base64 = bytes.toString('base64');
  const lines = [];
  for (let i = 0; i < base64.length; i += 96) lines.push(`  '${base64.slice(i, i + 96)}'`);
  return `export const ${name} =\n${lines.join(' +\n')};\n`;
}

/** Write `module` to `target`, or with --check exit 1 when the committed file differs. */
export function writeOrCheck(target, module, rebuildCommand) {
  if (process.argv.includes('--check')) {
    const committed = readFileSync(target, 'utf8');
    if (committed !== module) {
      console.error(`${target} is not what its C source builds to: run ${rebuildCommand}`);
      process.exit(1);
    }
    console.log(`${target} is up to date`);
  } else {
    writeFileSync(target, module);
    console.log(`wrote ${target}`);
  }
}
