/**
 * argon2 on @node-rs/argon2 (the optional peer, a devDependency here): the known answers through
 * the native path, with its derivation counter showing that it answered, and the same answers with
 * the module hidden (the WebAssembly core); parameters it does not take fall back; the caps refuse
 * before native code; the libuv slots bound it; hashes it makes verify with argon2-cffi (Debian's
 * python3-argon2) and argon2-cffi's verify through it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { HashCostLimitError } from '../../../src/errors.js';
import { B64_STANDARD, encodeBase64, fromHex, toHex, utf8 } from '../../../src/passwords/encodings.js';
import { argon2Derive, argon2NativeStatus, type Argon2Params } from '../../../src/passwords/kdf/argon2.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { parseArgon2 } from '../../../src/passwords/schemes/argon2.js';
import { createNodeHashing } from '../../../src/platform/node-hashing.js';
import { nodeRsArgon2, nodeRsArgon2Derivations, setNodeRsArgon2ForTesting, type NodeRsArgon2 } from '../../../src/platform/node-rs-argon2.js';
import type { NativeArgon2Job } from '../../../src/platform/platform.js';
import { nodeCrypto } from '../../../src/platform/runtime.js';
import { random as seededRandom } from '../../helpers/random.js';
import all from '../../fixtures/hashes-all-systems.json' with { type: 'json' };
import vectors from '../../fixtures/argon2-kdf.json' with { type: 'json' };
import legacy from '../../fixtures/legacy-argon2.json' with { type: 'json' };

afterEach(() => setNodeRsArgon2ForTesting(undefined));

/** PHC string (or Django's `argon2$...`) -> the parameters and the expected tag. */
function fromPhc(hash: string): { salt: Uint8Array; params: Argon2Params; tag: Uint8Array } {
  const h = parseArgon2(hash.replace(/^argon2(?=\$argon2)/, ''));
  return { salt: h.salt, params: { type: h.type, version: h.version, m: h.m, t: h.t, p: h.p, dkLen: h.hash.length }, tag: h.hash };
}

const KNOWN = [
  ...vectors.reference_test_c.map((v) => ({ source: 'reference test.c', ...v })),
  ...legacy.vectors.filter((v) => v.hash.startsWith('$argon2')).map((v) => ({ source: v.system, password: v.password, hash: v.hash })),
  ...all.vectors.filter((v) => v.hash.includes('$argon2')).map((v) => ({ source: v.system, password: v.password, hash: v.hash })),
  { source: 'FastAPI tutorial', ...vectors.fastapi_tutorial },
];

/** Run `body` and return how many derivations @node-rs/argon2 answered meanwhile. */
async function nativeDuring(body: () => Promise<unknown>): Promise<number> {
  const before = nodeRsArgon2Derivations();
  await body();
  return nodeRsArgon2Derivations() - before;
}

it('@node-rs/argon2 is installed here and found (Node, a devDependency)', () => {
  expect(nodeRsArgon2()).not.toBeNull();
  expect(argon2NativeStatus().available).toBe(true);
  // 3 + 18 + 24 + 1: the fixtures the suites below walk
  expect(KNOWN.length).toBe(vectors.reference_test_c.length + 18 + 24 + 1);
});

describe.each(['native', 'wasm'] as const)('known answers on the %s path', (which) => {
  const hide = () => {
    if (which === 'wasm') setNodeRsArgon2ForTesting(null);
  };

  it.each(KNOWN)('$source: $hash', async ({ password, hash }) => {
    hide();
    const { salt, params, tag } = fromPhc(hash);
    let got: Uint8Array = new Uint8Array();
    const native = await nativeDuring(async () => (got = await argon2Derive(utf8(password), salt, params)));
    expect(toHex(got)).toBe(toHex(tag));
    expect(native).toBe(which === 'native' ? 1 : 0);
  });

  it('RFC 9106 vectors (with associated data, which @node-rs/argon2 does not take: the WebAssembly core answers)', async () => {
    hide();
    const rfc = vectors.rfc9106;
    for (const [type, tag] of Object.entries(rfc.tags)) {
      const params = { type: type as Argon2Params['type'], version: 0x13 as const, m: rfc.m, t: rfc.t, p: rfc.p, dkLen: rfc.dkLen };
      const input = { ...params, secret: fromHex(rfc.secret_hex)!, ad: fromHex(rfc.ad_hex)! };
      let got: Uint8Array = new Uint8Array();
      expect(await nativeDuring(async () => (got = await argon2Derive(fromHex(rfc.password_hex)!, fromHex(rfc.salt_hex)!, input)))).toBe(0);
      expect(toHex(got)).toBe(tag);
      await expect(argon2Derive(fromHex(rfc.password_hex)!, fromHex(rfc.salt_hex)!, input, { path: 'node-rs' })).rejects.toThrow(/node-rs/);
    }
  });

  it('through a CryptContext: every argon2 fixture verifies, a wrong password does not', async () => {
    hide();
    const context = new CryptContext({ schemes: ['argon2', 'django_argon2'] });
    const sample = KNOWN;
    const native = await nativeDuring(async () => {
      for (const { password, hash } of sample) {
        expect(await context.verify(password, hash)).toBe(true);
        expect(await context.verify(`${password}!`, hash)).toBe(false);
      }
    });
    expect(native).toBe(which === 'native' ? 2 * sample.length : 0);
    expect(argon2NativeStatus().available).toBe(which === 'native');
  });
});

describe('@node-rs/argon2 against @noble/hashes on random parameters (secrets, argon2d/i, version 0x10)', () => {
  const random = seededRandom(23);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const cases = Array.from({ length: 18 }, (_, i) => {
    const p = 1 + Math.floor(random() * 5);
    return {
      i,
      type: (['argon2d', 'argon2i', 'argon2id'] as const)[i % 3]!,
      version: i % 4 === 3 ? (0x10 as const) : (0x13 as const),
      p,
      m: 8 * p + Math.floor(random() * 300),
      t: 1 + Math.floor(random() * 3),
      dkLen: [4, 16, 32, 64, 65, 1024][i % 6]!,
      password: bytes(Math.floor(random() * 80)),
      salt: bytes(8 + Math.floor(random() * 1016 * (i % 5 === 4 ? 1 : 0.05))),
      secret: i % 3 === 0 ? bytes(1 + Math.floor(random() * 64)) : undefined,
    };
  });
  it.each(cases)('#$i $type v=$version m=$m t=$t p=$p dkLen=$dkLen', async ({ password, salt, ...params }) => {
    const expected = toHex(await argon2Derive(password, salt, params, { path: 'noble' }));
    let got: Uint8Array = new Uint8Array();
    expect(await nativeDuring(async () => (got = await argon2Derive(password, salt, params, { path: 'node-rs' })))).toBe(1);
    expect(toHex(got)).toBe(expected);
  });

  it('more than 255 lanes: not taken natively, answered by the WebAssembly core', async () => {
    const params: Argon2Params = { type: 'argon2id', version: 0x13, m: 8 * 256, t: 1, p: 256, dkLen: 32 };
    const salt = utf8('somesaltsomesalt');
    let got: Uint8Array = new Uint8Array();
    expect(await nativeDuring(async () => (got = await argon2Derive(utf8('pw'), salt, params)))).toBe(0);
    expect(toHex(got)).toBe(toHex(await argon2Derive(utf8('pw'), salt, params, { path: 'noble' })));
  });
});

describe('the native path with a fake module (faults, bounds, slots)', () => {
  const job = (over: Partial<NativeArgon2Job> = {}): NativeArgon2Job => ({
    typeCode: 2,
    version: 0x13,
    m: 64,
    t: 1,
    p: 1,
    dkLen: 32,
    password: utf8('pw'),
    salt: utf8('somesaltsomesalt'),
    secret: new Uint8Array(),
    ad: new Uint8Array(),
    ...over,
  });

  it('declines associated data, more than 1 GiB or 255 lanes without calling the module', () => {
    let calls = 0;
    const fake: NodeRsArgon2 = { hashRaw: async () => (calls++, new Uint8Array(32)) };
    const hashing = createNodeHashing(nodeCrypto()!, 3, () => fake);
    expect(hashing.nativeArgon2(job({ ad: utf8('x') }))).toBeNull();
    expect(hashing.nativeArgon2(job({ m: (1 << 20) + 8 }))).toBeNull();
    expect(hashing.nativeArgon2(job({ p: 256, m: 8 * 256 }))).toBeNull();
    expect(calls).toBe(0);
    expect(createNodeHashing(nodeCrypto()!, 3, () => null).nativeArgon2(job())).toBeNull();
  });

  it('holds a libuv slot while it runs: at most the bound at once', async () => {
    let running = 0;
    let most = 0;
    const fake: NodeRsArgon2 = {
      hashRaw: async (_password, options) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
        return new Uint8Array(options.outputLen);
      },
    };
    const hashing = createNodeHashing(nodeCrypto()!, 2, () => fake);
    await Promise.all(Array.from({ length: 7 }, () => hashing.nativeArgon2(job())));
    expect(most).toBe(2);
  });

  it('a module that fails or answers wrongly: the WebAssembly core answers, with the right bytes', async () => {
    const { salt, params, tag } = fromPhc(vectors.reference_test_c[0]!.hash);
    const password = utf8(vectors.reference_test_c[0]!.password);
    for (const fake of [
      { hashRaw: async () => Promise.reject(new Error('boom')) },
      { hashRaw: () => { throw new Error('sync boom'); } },
      { hashRaw: async () => new Uint8Array(3) },
    ] as NodeRsArgon2[]) {
      setNodeRsArgon2ForTesting(fake);
      // A fresh platform is not needed: node-hashing asks the loader on each job.
      expect(toHex(await argon2Derive(password, salt, params))).toBe(toHex(tag));
    }
  });

  it('the scheme caps refuse a costly stored hash before any native call', async () => {
    let calls = 0;
    setNodeRsArgon2ForTesting({ hashRaw: async () => (calls++, new Uint8Array(32)) });
    const context = new CryptContext({ schemes: ['argon2'], settings: { argon2: { maxMemoryKiB: 65536 } } });
    const salt = encodeBase64(utf8('somesaltsomesalt'), B64_STANDARD);
    const costly = `$argon2id$v=19$m=4194304,t=1,p=1$${salt}$${encodeBase64(new Uint8Array(32), B64_STANDARD)}`;
    await expect(context.verify('pw', costly)).rejects.toBeInstanceOf(HashCostLimitError);
    expect(calls).toBe(0);
  });
});

const python = '/usr/bin/python3';
const cffi = existsSync(python) && spawnSync(python, ['-c', 'import argon2.low_level'], { stdio: 'ignore' }).status === 0;

/** argon2-cffi (libargon2) in Debian's python3: verify each hash, and make hashes for each case. */
function argon2Cffi(input: { verify: { hash: string; password: string }[]; make: { type: string; version: number; m: number; t: number; p: number; password: string }[] }) {
  const script = `
import json, os, sys
from argon2 import low_level as l
from argon2.exceptions import VerificationError
data = json.load(sys.stdin)
def ok(h, pw, t):
    try:
        return l.verify_secret(h.encode(), pw.encode(), t)
    except VerificationError:
        return False
types = {"argon2id": l.Type.ID, "argon2i": l.Type.I, "argon2d": l.Type.D}
verified = [[ok(v["hash"], v["password"], types[v["hash"].split("$")[1]]), ok(v["hash"], v["password"] + "!", types[v["hash"].split("$")[1]])] for v in data["verify"]]
made = [l.hash_secret(c["password"].encode(), os.urandom(16), c["t"], c["m"], c["p"], 32, types[c["type"]], c["version"]).decode() for c in data["make"]]
print(json.dumps({"verified": verified, "made": made}))
`;
  const result = spawnSync(python, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as { verified: [boolean, boolean][]; made: string[] };
}

describe.runIf(cffi || process.env.CI === 'true')('argon2-cffi and the native path, both ways', () => {
  const PASSWORDS = ['secret', '', 'pässwörd ✓ 🔐', 'x'.repeat(100)];

  it('hashes @node-rs/argon2 makes (argon2id, argon2i, argon2d) verify with argon2-cffi', async () => {
    const made: { hash: string; password: string }[] = [];
    const native = await nativeDuring(async () => {
      for (const type of ['argon2id', 'argon2i', 'argon2d'] as const) {
        const context = new CryptContext({ schemes: ['argon2'], settings: { argon2: { type, memoryCost: 4096, timeCost: 2, parallelism: 2 } } });
        for (const password of PASSWORDS) made.push({ hash: await context.hash(password), password });
      }
    });
    expect(native).toBe(made.length);
    const { verified } = argon2Cffi({ verify: made, make: [] });
    expect(verified).toEqual(made.map(() => [true, false]));
  });

  it("argon2-cffi's hashes (also version 16) verify through @node-rs/argon2", async () => {
    const make = (['argon2id', 'argon2i', 'argon2d'] as const).flatMap((type, i) =>
      PASSWORDS.map((password, j) => ({ type, version: (i + j) % 3 === 2 ? 16 : 19, m: 1024 * (1 + j), t: 1 + i, p: 1 + j, password })),
    );
    const { made } = argon2Cffi({ verify: [], make });
    expect(made.some((h) => h.includes('$v=16$'))).toBe(true);
    const context = new CryptContext({ schemes: ['argon2'] });
    const native = await nativeDuring(async () => {
      for (const [i, hash] of made.entries()) {
        expect(await context.verify(make[i]!.password, hash)).toBe(true);
        expect(await context.verify(`${make[i]!.password}!`, hash)).toBe(false);
      }
    });
    expect(native).toBe(2 * made.length);
  });
});
