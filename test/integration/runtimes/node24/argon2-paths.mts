// Run by test/integration/runtimes/argon2-node24.test.ts under a Node 24 binary (node:crypto has argon2 there):
// every vector through node:crypto's path and the WebAssembly path; prints one JSON line.
import { fromHex, toHex, utf8 } from '../../../../src/passwords/encodings.js';
import { argon2Derive, type Argon2Params } from '../../../../src/passwords/kdf/argon2.js';
import { parseArgon2 } from '../../../../src/passwords/schemes/argon2.js';
import { hashingPlatform } from '../../../../src/platform/runtime.js';
import vectors from '../../../fixtures/argon2-kdf.json' with { type: 'json' };
import legacy from '../../../fixtures/legacy-argon2.json' with { type: 'json' };

const out: Record<string, unknown> = { version: process.version, nodeArgon2: hashingPlatform().argon2 !== null };
const rfc = vectors.rfc9106;
const rfcTags: Record<string, { node: string; wasm: string }> = {};
for (const type of ['argon2d', 'argon2i', 'argon2id'] as const) {
  const params: Argon2Params = {
    type, version: 0x13, m: rfc.m, t: rfc.t, p: rfc.p, dkLen: rfc.dkLen, secret: fromHex(rfc.secret_hex)!, ad: fromHex(rfc.ad_hex)!,
  };
  const pw = fromHex(rfc.password_hex)!;
  const salt = fromHex(rfc.salt_hex)!;
  rfcTags[type] = {
    node: toHex(await argon2Derive(pw, salt, params, { path: 'node' })),
    wasm: toHex(await argon2Derive(pw, salt, params, { path: 'wasm-simd' })),
  };
}
out.rfc = rfcTags;
const hashes = [vectors.fastapi_tutorial, ...vectors.reference_test_c, ...legacy.vectors.filter((v) => v.hash.startsWith('$argon2'))];
out.hashes = [];
for (const { password, hash } of hashes) {
  const h = parseArgon2(hash);
  const params: Argon2Params = { type: h.type, version: h.version, m: h.m, t: h.t, p: h.p, dkLen: h.hash.length };
  const auto = toHex(await argon2Derive(utf8(password), h.salt, params));
  const node = h.version === 0x13 ? toHex(await argon2Derive(utf8(password), h.salt, params, { path: 'node' })) : null;
  (out.hashes as unknown[]).push({ hash, expected: toHex(h.hash), auto, node });
}
console.log(JSON.stringify(out));
