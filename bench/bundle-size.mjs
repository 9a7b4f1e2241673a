/**
 * What an app pays for gatehouse: esbuild bundles three imports from the built package (as an app's
 * bundler would, resolving `gatehouse` through package.json and honouring `sideEffects: false`),
 * minified, and reports raw and gzipped sizes:
 *   tokens        createAccessToken + verifyAccessToken
 *   hashPassword  hashPassword (the default context: its schemes' code, not HTTP or tokens)
 *   full          every export of the entry
 * and the bcrypt-only context against bcrypt's own code (issue 8: within 1.3x):
 *   bcryptContext  import { CryptContext, bcrypt } from 'gatehouse/passwords'; new CryptContext({ schemes: [bcrypt] })
 *   bcryptScheme   the bcrypt scheme object's module alone (the scheme, its KDF and WebAssembly core)
 *   npm run build && node bench/bundle-size.mjs
 * test/package/bundle-size/bundle-size.test.ts asserts on what each bundle contains.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const IMPORTS = {
  tokens: "export { createAccessToken, verifyAccessToken } from 'gatehouse';",
  hashPassword: "export { hashPassword } from 'gatehouse';",
  full: "export * from 'gatehouse';",
};

/** A bcrypt-only context, and bcrypt's own code (the scheme module of the built package alone). */
export const BCRYPT_IMPORTS = {
  bcryptContext:
    "import { CryptContext, bcrypt } from 'gatehouse/passwords'; export const context = new CryptContext({ schemes: [bcrypt] });",
  bcryptScheme: "export { bcrypt } from './dist/passwords/schemes/bcrypt.js';",
};

/** Bundle one import: the minified code, its gzipped size, and the modules that put code in it. */
export async function bundleImport(source) {
  const { build } = await import('esbuild');
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: 'app.js', loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const [output] = Object.values(result.metafile.outputs);
  return {
    code,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    // Modules esbuild kept code from (a module it only looked through has bytesInOutput 0).
    modules: Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  };
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('bundle (esbuild, minified)   raw         gzip -9     modules (gatehouse + dependencies)');
  for (const [name, source] of Object.entries(IMPORTS)) {
    const { bytes, gzipBytes, modules } = await bundleImport(source);
    const ours = modules.filter((path) => path.startsWith('dist/')).length;
    console.log(`${name.padEnd(28)} ${kib(bytes).padEnd(11)} ${kib(gzipBytes).padEnd(11)} ${ours} + ${modules.length - ours}`);
  }
  const sizes = {};
  for (const [name, source] of Object.entries(BCRYPT_IMPORTS)) {
    const { bytes, gzipBytes, modules } = await bundleImport(source);
    sizes[name] = { bytes, gzipBytes };
    const ours = modules.filter((path) => path.startsWith('dist/')).length;
    console.log(`${name.padEnd(28)} ${kib(bytes).padEnd(11)} ${kib(gzipBytes).padEnd(11)} ${ours} + ${modules.length - ours}`);
  }
  const { bcryptContext, bcryptScheme } = sizes;
  console.log(
    `=> bcrypt-only context / bcrypt's own code = ${(bcryptContext.bytes / bcryptScheme.bytes).toFixed(2)}x raw, ` +
      `${(bcryptContext.gzipBytes / bcryptScheme.gzipBytes).toFixed(2)}x gzip (target <= 1.3x)`,
  );
}
