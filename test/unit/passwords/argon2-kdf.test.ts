/**
 * The Argon2 KDF (src/passwords/kdf/argon2.ts) on every path this runtime has: the WebAssembly
 * core's SIMD128 and scalar builds and @noble/hashes, each against RFC 9106's vectors, the
 * reference implementation's, hashes made by passlib/argon2-cffi, PHP and FastAPI's tutorial, and
 * against each other on random parameters. node:crypto's path (Node >= 24.7) is checked by
 * test/integration/runtimes/argon2-node24.test.ts under a Node 24 binary.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { B64_STANDARD, decodeBase64, fromHex, toHex, utf8 } from '../../../src/passwords/encodings.js';
import { argon2WasmBuild, dropSpares, spareMemoriesForTesting } from '../../../src/passwords/kdf/argon2-core.js';
import { argon2Derive, type Argon2Params, type Argon2Path } from '../../../src/passwords/kdf/argon2.js';
import { parseArgon2 } from '../../../src/passwords/schemes/argon2.js';
import { random as seededRandom } from '../../helpers/random.js';
import vectors from '../../fixtures/argon2-kdf.json' with { type: 'json' };
import legacy from '../../fixtures/legacy-argon2.json' with { type: 'json' };

const PATHS: Argon2Path[] = ['wasm-simd', 'wasm-scalar', 'noble'];

/** PHC string -> the parameters and the expected tag. */
function fromPhc(hash: string): { salt: Uint8Array; params: Argon2Params; tag: Uint8Array } {
  const h = parseArgon2(hash);
  return { salt: h.salt, params: { type: h.type, version: h.version, m: h.m, t: h.t, p: h.p, dkLen: h.hash.length }, tag: h.hash };
}

it('this runtime validates SIMD128 and runs the SIMD build', async () => {
  expect(await argon2WasmBuild()).toBe('simd');
});

describe.each(PATHS)('argon2 on %s', (path) => {
  const rfc = vectors.rfc9106;
  it.each(Object.entries(rfc.tags))('RFC 9106 %s with secret and associated data', async (type, tag) => {
    const params = { type: type as Argon2Params['type'], version: 0x13 as const, m: rfc.m, t: rfc.t, p: rfc.p, dkLen: rfc.dkLen };
    const secret = fromHex(rfc.secret_hex)!;
    const ad = fromHex(rfc.ad_hex)!;
    expect(toHex(await argon2Derive(fromHex(rfc.password_hex)!, fromHex(rfc.salt_hex)!, { ...params, secret, ad }, { path }))).toBe(tag);
  });

  it.each(vectors.reference_test_c)("the reference implementation's $hash", async ({ password, hash }) => {
    const { salt, params, tag } = fromPhc(hash);
    expect(toHex(await argon2Derive(utf8(password), salt, params, { path }))).toBe(toHex(tag));
  });

  it.each(legacy.vectors.filter((v) => v.hash.startsWith('$argon2')))('$system: $hash', async ({ password, hash }) => {
    const { salt, params, tag } = fromPhc(hash);
    expect(toHex(await argon2Derive(utf8(password), salt, params, { path }))).toBe(toHex(tag));
  });

  it("FastAPI's tutorial hash (m=65536, t=3, p=4) for \"secret\"", async () => {
    const { salt, params, tag } = fromPhc(vectors.fastapi_tutorial.hash);
    expect(toHex(await argon2Derive(utf8(vectors.fastapi_tutorial.password), salt, params, { path }))).toBe(toHex(tag));
  });
});

describe('the WebAssembly builds against @noble/hashes on random parameters', () => {
  const random = seededRandom(9106);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const cases = Array.from({ length: 24 }, (_, i) => {
    const p = 1 + Math.floor(random() * 4);
    return {
      i,
      type: (['argon2d', 'argon2i', 'argon2id'] as const)[i % 3]!,
      version: i % 4 === 3 ? (0x10 as const) : (0x13 as const),
      p,
      // Up to 600 KiB: segments past 128 blocks, so argon2i/id make several address blocks.
      m: 8 * p + Math.floor(random() * (i % 2 ? 600 : 64)),
      t: 1 + Math.floor(random() * 3),
      // Past 64 bytes the tag comes from H''s chain of BLAKE2b calls.
      dkLen: [4, 16, 32, 64, 65, 100, 128, 1024][i % 8]!,
      password: bytes(Math.floor(random() * 80)),
      salt: bytes(8 + Math.floor(random() * 40)),
      secret: i % 5 === 0 ? bytes(1 + Math.floor(random() * 32)) : undefined,
      ad: i % 6 === 0 ? bytes(1 + Math.floor(random() * 32)) : undefined,
    };
  });
  // The core fills data-dependent segments four lanes at a time: more lanes than that make a
  // last, smaller group (p = 5 and 9: one lane over; 6: two).
  const wide = [5, 6, 8, 9].map((p, i) => ({
    i: cases.length + i,
    type: (['argon2d', 'argon2id', 'argon2i', 'argon2id'] as const)[i]!,
    version: 0x13 as const,
    p,
    m: 8 * p * 4 + Math.floor(random() * 300),
    t: 2,
    dkLen: 32,
    password: bytes(12),
    salt: bytes(16),
    secret: undefined,
    ad: undefined,
  }));
  it.each([...cases, ...wide])('#$i $type v=$version m=$m t=$t p=$p dkLen=$dkLen', async ({ password, salt, ...params }) => {
    const expected = toHex(await argon2Derive(password, salt, params, { path: 'noble' }));
    expect(toHex(await argon2Derive(password, salt, params, { path: 'wasm-simd' }))).toBe(expected);
    expect(toHex(await argon2Derive(password, salt, params, { path: 'wasm-scalar' }))).toBe(expected);
  });
});

describe('the WebAssembly core and the event loop', () => {
  // 16384 blocks: the core yields at least every 4096 blocks whatever the clock says, so this
  // counts turns, not milliseconds.
  const params: Argon2Params = { type: 'argon2id', version: 0x13, m: 8192, t: 2, p: 4, dkLen: 32 };
  const salt = utf8('somesaltsomesalt');
  async function turnsDuring(options: { path: Argon2Path; inWorker?: boolean }): Promise<number> {
    let turns = 0;
    let running = true;
    const spin = () => {
      if (!running) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    try {
      await argon2Derive(utf8('secret'), salt, params, options);
    } finally {
      running = false;
    }
    return turns;
  }

  it('on this thread a derivation lets other work run between its pieces; in a worker it never stops', async () => {
    await argon2Derive(utf8('secret'), salt, params, { path: 'wasm-simd' }); // compiled and a spare kept
    expect(await turnsDuring({ path: 'wasm-simd' })).toBeGreaterThanOrEqual(3);
    expect(await turnsDuring({ path: 'wasm-simd', inWorker: true })).toBe(0);
  });
});

describe('spare WebAssembly instances (memory kept between derivations, wiped, dropped when idle)', () => {
  afterEach(() => {
    vi.useRealTimers();
    dropSpares();
  });
  const job = (m: number) => ({ type: 'argon2id' as const, version: 0x13 as const, m, t: 1, p: 1, dkLen: 32 });
  const salt = utf8('somesaltsomesalt');

  it('a derivation leaves one spare whose blocks are all zero, and the next one reuses it', async () => {
    dropSpares();
    const first = toHex(await argon2Derive(utf8('secret'), salt, job(2048), { path: 'wasm-simd' }));
    const kept = spareMemoriesForTesting();
    expect(kept).toHaveLength(1);
    const { memory, base } = kept[0]!;
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(base + 2048 * 1024);
    expect(new Uint8Array(memory.buffer, base).every((b) => b === 0)).toBe(true);
    // A smaller job on the bigger memory, then the first again: the same answers as from scratch.
    const small = toHex(await argon2Derive(utf8('secret'), salt, job(64), { path: 'wasm-simd' }));
    expect(spareMemoriesForTesting()[0]!.memory).toBe(memory);
    dropSpares();
    expect(toHex(await argon2Derive(utf8('secret'), salt, job(64), { path: 'wasm-simd' }))).toBe(small);
    expect(toHex(await argon2Derive(utf8('secret'), salt, job(2048), { path: 'wasm-simd' }))).toBe(first);
    expect(toHex(await argon2Derive(utf8('secret'), salt, job(2048), { path: 'noble' }))).toBe(first);
  });

  it('derivations running at once on one thread each get their own instance; at most two are kept', async () => {
    dropSpares();
    const passwords = ['a', 'b', 'c', 'd'].map(utf8);
    const together = await Promise.all(passwords.map((pw) => argon2Derive(pw, salt, job(1024), { path: 'wasm-simd' })));
    expect(spareMemoriesForTesting()).toHaveLength(2);
    for (const [i, pw] of passwords.entries()) {
      expect(toHex(together[i]!)).toBe(toHex(await argon2Derive(pw, salt, job(1024), { path: 'noble' })));
    }
  });

  it('a derivation takes the smallest spare that holds it, else the largest', async () => {
    dropSpares();
    const sizes = () => spareMemoriesForTesting().map(({ memory }) => memory.buffer.byteLength).sort((a, b) => a - b);
    // Two at once: a 2 MiB one, and a small one with many passes that is given back last.
    await Promise.all([
      argon2Derive(utf8('a'), salt, job(2048), { path: 'wasm-simd' }),
      argon2Derive(utf8('b'), salt, { ...job(64), t: 200 }, { path: 'wasm-simd' }),
    ]);
    const [small, big] = sizes();
    expect(big).toBeGreaterThan(small!);
    // A 1 MiB job takes the big one (the last given back would have to grow); a small job the small one.
    await argon2Derive(utf8('c'), salt, job(1024), { path: 'wasm-simd' });
    expect(sizes()).toEqual([small, big]);
    await argon2Derive(utf8('d'), salt, job(64), { path: 'wasm-simd' });
    await argon2Derive(utf8('e'), salt, job(2048), { path: 'wasm-simd' });
    expect(sizes()).toEqual([small, big]);
    // Larger than both: the largest is grown, and the small one stays.
    await argon2Derive(utf8('f'), salt, job(3072), { path: 'wasm-simd' });
    const [stillSmall, grown] = sizes();
    expect(stillSmall).toBe(small);
    expect(grown).toBeGreaterThan(big!);
  });

  it('spares are dropped after 5 s without a derivation', async () => {
    dropSpares();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await argon2Derive(utf8('secret'), salt, job(64), { path: 'wasm-simd' });
    vi.advanceTimersByTime(4000);
    await argon2Derive(utf8('secret'), salt, job(64), { path: 'wasm-simd' }); // rearms the timer
    vi.advanceTimersByTime(4000);
    expect(spareMemoriesForTesting()).toHaveLength(1);
    vi.advanceTimersByTime(1001);
    expect(spareMemoriesForTesting()).toHaveLength(0);
  });
});

describe('argon2Derive input checks', () => {
  const salt = decodeBase64('c29tZXNhbHQ', B64_STANDARD)!;
  const ok: Argon2Params = { type: 'argon2id', version: 0x13, m: 64, t: 1, p: 1, dkLen: 32 };
  it.each([
    [{ m: 7 }, RangeError],
    [{ p: 0 }, RangeError],
    [{ t: 0 }, RangeError],
    [{ dkLen: 3 }, RangeError],
    [{ dkLen: 1025 }, RangeError],
    [{ version: 0x11 }, RangeError],
    [{ type: 'argon2x' }, RangeError],
  ] as const)('%o', async (change, kind) => {
    await expect(argon2Derive(utf8('x'), salt, { ...ok, ...(change as object) } as Argon2Params)).rejects.toBeInstanceOf(kind);
  });
  it('a short salt or a non-byte password', async () => {
    await expect(argon2Derive(utf8('x'), salt.subarray(0, 7), ok)).rejects.toBeInstanceOf(RangeError);
    await expect(argon2Derive('x' as never, salt, ok)).rejects.toBeInstanceOf(TypeError);
  });
});
