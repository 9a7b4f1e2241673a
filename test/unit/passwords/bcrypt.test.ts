import nativeBcrypt from 'bcrypt';
import bcryptjs from 'bcryptjs';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  HashCostLimitError,
  MalformedHashError,
  PasswordPolicyError,
  UnknownHashError,
  UnsupportedHashError,
} from '../../../src/errors.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { B64_BCRYPT, decodeBase64, encodeBase64, fromHex, toHex, utf8 } from '../../../src/passwords/encodings.js';
import { bcryptCore, bcryptDigest, resetBcryptCoreForTesting } from '../../../src/passwords/kdf/bcrypt.js';
import { cycleWords, encryptBlock, expandKey, newState, piState } from '../../../src/passwords/kdf/blowfish.js';
import { bcrypt, type BcryptSettings } from '../../../src/passwords/schemes/bcrypt.js';
import openwall from '../../fixtures/bcrypt-openwall.json' with { type: 'json' };
import shared from '../../fixtures/bcrypt-vectors.json' with { type: 'json' };

const defaults: BcryptSettings = { ...bcrypt.defaults };
const fast: BcryptSettings = { ...defaults, rounds: 4 };
const HASH_FORMAT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{22}[./A-Za-z0-9]{31}$/;

const verify = (password: string | Uint8Array, hash: string, settings: BcryptSettings = defaults) =>
  bcrypt.verify(typeof password === 'string' ? utf8(password) : password, hash, settings);
const hash = (password: string | Uint8Array, settings: BcryptSettings = fast) =>
  bcrypt.hash!(typeof password === 'string' ? utf8(password) : password, settings);

/** A different password: first byte changed (appending would not do past 72 bytes). */
function wrong(password: Uint8Array): Uint8Array {
  if (password.length === 0) return utf8('x');
  const out = password.slice();
  out[0] = out[0]! ^ 1;
  return out;
}

describe('Blowfish core', () => {
  it('starts from the hex digits of pi', () => {
    const pi = piState();
    expect(pi.length).toBe(1042);
    // P[0], P[1], P[17], S0[0], S3[255] as published with Blowfish
    expect([pi[0], pi[1], pi[17], pi[18], pi[1041]].map((w) => (w! >>> 0).toString(16))).toEqual([
      '243f6a88',
      '85a308d3',
      '8979fb1b',
      'd1310ba6',
      '3ac372e6',
    ]);
  });

  // Eric Young's Blowfish ECB vectors. ExpandKey with an all-zero salt is Blowfish's own key schedule.
  it.each([
    ['0000000000000000', '0000000000000000', '4ef997456198dd78'],
    ['ffffffffffffffff', 'ffffffffffffffff', '51866fd5b85ecb8a'],
    ['3000000000000000', '1000000000000001', '7d856f9a613063f2'],
    ['0123456789abcdef', '1111111111111111', '61f9c3802281b096'],
  ])('encrypts like Blowfish: key %s, block %s', (key, plain, cipher) => {
    const state = newState();
    expandKey(state, cycleWords(fromHex(key)!), new Int32Array(4));
    const block = fromHex(plain)!;
    const lr = Int32Array.of(new DataView(block.buffer).getInt32(0), new DataView(block.buffer).getInt32(4));
    encryptBlock(state.P, state.S, lr);
    const out = new DataView(new ArrayBuffer(8));
    out.setInt32(0, lr[0]!);
    out.setInt32(4, lr[1]!);
    expect(toHex(new Uint8Array(out.buffer))).toBe(cipher);
  });

  it('rejects bad arguments to the KDF', async () => {
    const salt = new Uint8Array(16);
    await expect(bcryptDigest(new Uint8Array(0), salt, 4)).rejects.toThrow(TypeError);
    await expect(bcryptDigest(new Uint8Array(1), new Uint8Array(15), 4)).rejects.toThrow(TypeError);
    await expect(bcryptDigest(new Uint8Array(1), salt, 3)).rejects.toThrow(RangeError);
    await expect(bcryptDigest(new Uint8Array(1), salt, 32)).rejects.toThrow(RangeError);
  });

  it('yields to the event loop while it works', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await bcryptDigest(utf8('password\0'), new Uint8Array(16), 9); // 512 rounds: several slices
    running = false;
    expect(ticks).toBeGreaterThan(2);
  });
});

describe('WebAssembly and TypeScript cores', () => {
  // The committed module records the compiler that built it; only the same one must reproduce it.
  const sameCompiler = (() => {
    try {
      const version = execFileSync('clang', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
      return readFileSync('src/passwords/kdf/bcrypt-wasm.ts', 'utf8').includes(`built with: ${version}\n`);
    } catch {
      return false;
    }
  })();

  it('uses WebAssembly on Node', async () => {
    expect(await bcryptCore()).toBe('wasm');
  });

  it('give identical output', async () => {
    const inputs: Array<[Uint8Array, Uint8Array, number]> = [
      [utf8('U*U\0'), decodeBase64('CCCCCCCCCCCCCCCCCCCCC.', B64_BCRYPT)!, 5],
      [utf8('\0'), new Uint8Array(16), 4],
      [utf8('0'.repeat(72)), new Uint8Array(16).fill(0xff), 6],
    ];
    for (let i = 0; i < 5; i++) {
      const key = crypto.getRandomValues(new Uint8Array(1 + i * 17));
      inputs.push([key, crypto.getRandomValues(new Uint8Array(16)), 4 + (i % 3)]);
    }
    for (const [key, salt, cost] of inputs) {
      const wasm = await bcryptDigest(key, salt, cost, { core: 'wasm' });
      const js = await bcryptDigest(key, salt, cost, { core: 'js' });
      expect(toHex(wasm)).toBe(toHex(js));
    }
    // and the first one is the known answer E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW
    const [key, salt, cost] = inputs[0]!;
    expect(encodeBase64((await bcryptDigest(key, salt, cost)).subarray(0, 23), B64_BCRYPT)).toBe(
      'E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    );
  });

  async function withWebAssembly(replacement: unknown, check: () => Promise<void>) {
    vi.stubGlobal('WebAssembly', replacement);
    resetBcryptCoreForTesting();
    try {
      await check();
    } finally {
      vi.unstubAllGlobals();
      resetBcryptCoreForTesting();
    }
  }

  const fallbackWorks = async () => {
    expect(await bcryptCore()).toBe('js');
    expect(await verify('U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(true);
    expect(await verify('U*U', await hash('U*U'))).toBe(true);
    await expect(bcryptDigest(utf8('\0'), new Uint8Array(16), 4, { core: 'wasm' })).rejects.toThrow(/WebAssembly/);
  };

  it('falls back to TypeScript where there is no WebAssembly', async () => {
    await withWebAssembly(undefined, fallbackWorks);
    expect(await bcryptCore()).toBe('wasm');
  });

  it('falls back to TypeScript where compiling WebAssembly is forbidden (Cloudflare Workers)', async () => {
    const forbidden = {
      Memory: WebAssembly.Memory,
      instantiate: () => Promise.reject(new WebAssembly.CompileError('Wasm code generation disallowed by embedder')),
    };
    await withWebAssembly(forbidden, fallbackWorks);
  });

  it.skipIf(!sameCompiler)('ships the bytes that wasm/eksblowfish.c builds to', () => {
    expect(() => execFileSync(process.execPath, ['scripts/build-bcrypt-wasm.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('known answers', () => {
  describe.each(openwall.vectors)('$hash ($source)', ({ hash: stored, passwordHex, expect: expected }) => {
    const password = fromHex(passwordHex)!;
    if (expected === 'unsupported') {
      it('is recognised and refused', async () => {
        expect(bcrypt.identify(stored)).toBe(true);
        await expect(bcrypt.verify(password, stored, defaults)).rejects.toThrow(UnsupportedHashError);
      });
    } else {
      it(expected === 'match' ? 'verifies its password, not another' : 'does not verify', async () => {
        expect(await bcrypt.verify(password, stored, defaults)).toBe(expected === 'match');
        expect(await bcrypt.verify(wrong(password), stored, defaults)).toBe(false);
      });
    }
  });

  it.each(shared.vectors)('verifies $system $hash', async ({ password, hash: stored }) => {
    expect(bcrypt.identify(stored)).toBe(true);
    expect(await verify(password, stored)).toBe(true);
    expect(await verify(wrong(utf8(password)), stored)).toBe(false);
    expect(await verify(password + '!', stored)).toBe(utf8(password).length >= 72);
  });

  it('reads long $2a$ passwords both ways, long $2b$/$2y$ passwords only correctly', async () => {
    // OpenBSD <= 5.4 stored strlen+1 in 8 bits: 255 bytes wrapped to a zero-length key.
    const password = utf8('0123456789'.repeat(26).slice(0, 255));
    const salt = '$2a$04$R1lJ2gkNaoPGdafE.H.16.';
    const buggy = 'nVyh2niHsGJhayOHLMiXlI45o8/DU.6';
    const correct = '1MKHPvmKwryeulRe225LKProWYwt9Oi';
    expect(await bcrypt.verify(password, salt + buggy, defaults)).toBe(true);
    expect(await bcrypt.verify(password, salt + correct, defaults)).toBe(true);
    expect(await bcrypt.verify(password, salt.replace('2a', '2b') + correct, defaults)).toBe(true);
    expect(await bcrypt.verify(password, salt.replace('2a', '2b') + buggy, defaults)).toBe(false);
    // the wrapped reading is "the first byte, repeated": any 255-byte password starting with "0"
    const zeros = utf8('0'.repeat(72));
    expect(await bcrypt.verify(zeros, salt.replace('2a', '2b') + buggy, defaults)).toBe(true);
    // 255 bytes wrap to a zero-length key (OpenBSD then reads byte 0 forever), 256 to a one-byte
    // key: either way "0" followed by anything reads as "0" repeated
    expect(await bcrypt.verify(utf8('0' + 'x'.repeat(254)), salt + buggy, defaults)).toBe(true);
    expect(await bcrypt.verify(utf8('0' + 'x'.repeat(255)), salt + buggy, defaults)).toBe(true);
    expect(await bcrypt.verify(utf8('0' + 'x'.repeat(256)), salt + buggy, defaults)).toBe(false); // "0x" repeated
    expect(await bcrypt.verify(utf8('1' + 'x'.repeat(255)), salt + buggy, defaults)).toBe(false);
    // 330 bytes wrap to 75, which reads the same first 72 bytes as no wrap at all
    const long = utf8('0123456789'.repeat(33));
    const longHash = nativeBcrypt.hashSync(new TextDecoder().decode(long), salt);
    expect(longHash).toBe(bcryptjs.hashSync(new TextDecoder().decode(long), salt));
    expect(await bcrypt.verify(long, longHash, defaults)).toBe(true);
    // ...which native bcrypt (OpenBSD code) computes for $2a$, and bcryptjs does not
    const text = new TextDecoder().decode(password);
    expect(nativeBcrypt.hashSync(text, salt)).toBe(salt + buggy);
    expect(bcryptjs.hashSync(text, salt)).toBe(salt + correct);
  });

  it('verifies the seed hash at cost 12', async () => {
    const seed = '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW';
    expect(await verify('secret', seed)).toBe(true);
    expect(await verify('Secret', seed)).toBe(false);
  });
});

describe('hash', () => {
  it('makes $2b$ hashes with the configured cost and a fresh canonical salt', async () => {
    const a = await hash('correct horse battery staple');
    const b = await hash('correct horse battery staple');
    for (const h of [a, b]) {
      expect(h).toMatch(HASH_FORMAT);
      expect(h.startsWith('$2b$04$')).toBe(true);
      // 16 salt bytes in 22 characters: the last one carries 2 bits, the other 4 are zero
      expect('.Oeu').toContain(h[28]);
      expect(await verify('correct horse battery staple', h)).toBe(true);
      expect(await verify('correct horse battery stapl', h)).toBe(false);
    }
    expect(a.slice(7, 29)).not.toBe(b.slice(7, 29));
  });

  it.each(['2a', '2b', '2y'] as const)('uses ident %s', async (ident) => {
    const h = await hash('pässwörd', { ...fast, ident, rounds: 5 });
    expect(h.startsWith(`$${ident}$05$`)).toBe(true);
    expect(await verify('pässwörd', h)).toBe(true);
  });

  it('keeps concurrent hashes apart (they interleave their slices)', async () => {
    const passwords = ['alpha', 'bravo', 'charlie', 'delta'];
    const hashes = await Promise.all(passwords.map((p) => hash(p, { ...fast, rounds: 8 })));
    for (const [i, h] of hashes.entries()) {
      expect(nativeBcrypt.compareSync(passwords[i]!, h)).toBe(true);
      expect(nativeBcrypt.compareSync(passwords[(i + 1) % 4]!, h)).toBe(false);
    }
  });

  it('hashes the empty password and 72-byte passwords', async () => {
    expect(await verify('', await hash(''))).toBe(true);
    const max = 'é'.repeat(36); // 72 bytes
    const h = await hash(max);
    expect(await verify(max, h)).toBe(true);
    expect(await verify(max.slice(0, 35) + 'e', h)).toBe(false);
  });

  it('refuses NUL bytes', async () => {
    await expect(hash('abc\0def')).rejects.toThrow(PasswordPolicyError);
    await expect(hash(new Uint8Array([0]))).rejects.toThrow(PasswordPolicyError);
  });

  it('refuses passwords over 72 bytes unless truncation is asked for', async () => {
    const long = 'a'.repeat(72) + 'tail';
    const error = await hash(long).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordPolicyError);
    expect((error as Error).message).not.toContain('aaaa');
    const h = await hash(long, { ...fast, truncate: true });
    expect(await verify(long, h)).toBe(true);
    expect(await verify('a'.repeat(72), h)).toBe(true);
    expect(await verify('a'.repeat(71), h)).toBe(false);
  });

  it('refuses bad settings', async () => {
    for (const bad of [
      { rounds: 3 },
      { rounds: 32 },
      { rounds: 10.5 },
      { rounds: '10' },
      { ident: '2x' },
      { ident: '2' },
      { rounds: 21 }, // above maxRounds: could not be verified
      { maxRounds: 40 },
      { truncate: 'yes' },
    ]) {
      await expect(hash('pw', { ...fast, ...bad } as unknown as BcryptSettings)).rejects.toThrow(ConfigurationError);
    }
  });
});

describe('cross-checks with other implementations', () => {
  const passwords = ['secret', '', 'táБℓə', '🔐 key', 'x'.repeat(72), 'U*U*U'];

  it('our hashes verify with native bcrypt and bcryptjs', async () => {
    for (const password of passwords) {
      for (const ident of ['2a', '2b'] as const) {
        const h = await hash(password, { ...fast, ident });
        expect(nativeBcrypt.compareSync(password, h)).toBe(true);
        expect(bcryptjs.compareSync(password, h)).toBe(true);
        expect(bcryptjs.compareSync(password + '1', h)).toBe(password.length >= 72);
      }
      // native bcrypt does not read $2y$; bcryptjs does
      const y = await hash(password, { ...fast, ident: '2y' });
      expect(bcryptjs.compareSync(password, y)).toBe(true);
    }
  });

  it('their hashes verify with us, byte for byte the same output', async () => {
    for (const password of passwords) {
      const fromNative = nativeBcrypt.hashSync(password, 4);
      const fromJs = bcryptjs.hashSync(password, 4);
      expect(await verify(password, fromNative)).toBe(true);
      expect(await verify(password, fromJs)).toBe(true);
      expect(await verify(password + '1', fromJs)).toBe(password.length >= 72);
      // recompute under the same salt through the KDF: identical digests
      const salt = fromNative.slice(0, 29);
      expect(bcryptjs.hashSync(password, salt)).toBe(fromNative);
    }
  });
});

describe('verify: hostile and odd hashes', () => {
  const good = '$2b$04$5BJqKfqMQvV7nS.yUguNcueVirQqDBGaLXSqj.rs.pZPlNR0UX/HK'; // "test"

  it('verifies the reference hash under every readable ident', async () => {
    for (const ident of ['2a', '2b', '2y']) expect(await verify('test', good.replace('2b', ident))).toBe(true);
  });

  it.each([
    ['too short', good.slice(0, -1)],
    ['too long', good + 'A'],
    ['no digest', good.slice(0, 29)],
    ['bad character', good.slice(0, -1) + '+'],
    ['bad salt character', good.slice(0, 10) + '=' + good.slice(11)],
    ['cost 03', good.replace('$04$', '$03$')],
    ['cost 00', good.replace('$04$', '$00$')],
    ['cost 32', good.replace('$04$', '$32$')],
    ['cost 99', good.replace('$04$', '$99$')],
    ['trailing newline', good + '\n'],
  ])('%s: MalformedHashError', async (_label, stored) => {
    await expect(verify('test', stored)).rejects.toThrow(MalformedHashError);
    expect(() => bcrypt.needsUpdate(stored, defaults, 'exact')).toThrow(MalformedHashError);
  });

  it('refuses a cost above maxRounds before doing any work', async () => {
    const huge = good.replace('$04$', '$31$'); // 2^31 rounds: would never finish
    const started = performance.now();
    await expect(verify('test', huge)).rejects.toThrow(HashCostLimitError);
    await expect(verify('test', good.replace('$04$', '$21$'))).rejects.toThrow(HashCostLimitError);
    await expect(verify('test', good.replace('$04$', '$05$'), { ...defaults, maxRounds: 4 })).rejects.toThrow(
      HashCostLimitError,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses $2x$ with a message that says why', async () => {
    const error = await verify('test', good.replace('2b', '2x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedHashError);
    expect((error as Error).message).toMatch(/crypt_blowfish.*8-bit/);
  });

  it('returns false, never throws, for passwords with a NUL byte', async () => {
    // C implementations stop at the NUL and would say yes; we never do.
    expect(await verify('test\0', good)).toBe(false);
    expect(await verify('test\0more', good)).toBe(false);
    expect(await verify(new Uint8Array([0]), good)).toBe(false);
  });

  it('compares only the first 72 bytes of a longer password', async () => {
    const h = await hash('b'.repeat(72));
    expect(await verify('b'.repeat(72) + 'anything', h)).toBe(true);
    expect(await verify('b'.repeat(4000), h)).toBe(true);
  });

  it('verifies a hash whose salt or digest has stray padding bits, and flags it for update', async () => {
    // U*U with its salt's last character "." (0b000000) written as "/" (0b000001): the low
    // 4 bits are padding. passlib repairs and verifies; OpenBSD and node's libraries refuse.
    const canonical = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    const saltPadded = '$2a$05$CCCCCCCCCCCCCCCCCCCCC/E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    const digestPadded = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeX'; // W=48, X=49
    const settings = { ...defaults, ident: '2a', rounds: 5 } as const;
    for (const stored of [canonical, saltPadded, digestPadded]) expect(await verify('U*U', stored)).toBe(true);
    expect(await verify('U*U', canonical.slice(0, 28) + 'O' + canonical.slice(29))).toBe(false); // a data bit (O = 0b010000)
    expect(bcrypt.needsUpdate(canonical, settings, 'exact')).toBe(false);
    expect(bcrypt.needsUpdate(saltPadded, settings, 'exact')).toBe(true);
    expect(bcrypt.needsUpdate(digestPadded, settings, 'minimum')).toBe(true);
  });
});

describe('identify', () => {
  it.each([
    '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW',
    '$2y$05$BtNF7S0TVfUHvL3Qeuk0.eX9sp4ryjAWXu057NPNbOMFRaL/Y44tK',
    '$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e',
    '$2b$04$short', // ours, though malformed: verify says so
  ])('claims %s', (h) => expect(bcrypt.identify(h)).toBe(true));

  it.each([
    '$bcrypt-sha256$v=2,t=2b,r=5$wzsy07WY57bNvkB5gHHFVO$Xt9FssRnO2CJEqj28wwLiCVM8SaMbR.',
    '$wp$2y$05$sjYWAKqt0AQgJZ5Ru96dH.eGXPZ9n7hua4a/zA3WGm8aBSrNxFjVi',
    'bcrypt$$2b$05$6DxVKu5uXgGfVrOCxnjy6.PrdeF8Fqf9HstNIDpNm8YpOdvNlfPMK',
    'bcrypt_sha256$$2b$05$X1b7mwwE0BiIUT467b8T.OAHG.3zQuRJ7meMCvfmO/Q85WoJzi4K.',
    '$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    '$2c$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    '$2b$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    '$2B$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    ' $2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    '$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA',
    '',
  ])('leaves %s alone', (h) => expect(bcrypt.identify(h)).toBe(false));

  it('is false for non-strings', () => {
    expect(bcrypt.identify(undefined as unknown as string)).toBe(false);
    expect(bcrypt.identify(42 as unknown as string)).toBe(false);
  });
});

describe('needsUpdate', () => {
  const at = (ident: string, cost: string) => `$${ident}$${cost}$5BJqKfqMQvV7nS.yUguNcueVirQqDBGaLXSqj.rs.pZPlNR0UX/HK`;
  const settings: BcryptSettings = { ...defaults, rounds: 12, ident: '2b' };

  it("'exact': any other cost or ident", () => {
    expect(bcrypt.needsUpdate(at('2b', '12'), settings, 'exact')).toBe(false);
    expect(bcrypt.needsUpdate(at('2b', '11'), settings, 'exact')).toBe(true);
    expect(bcrypt.needsUpdate(at('2b', '13'), settings, 'exact')).toBe(true);
    expect(bcrypt.needsUpdate(at('2a', '12'), settings, 'exact')).toBe(true);
    expect(bcrypt.needsUpdate(at('2y', '12'), settings, 'exact')).toBe(true);
    expect(bcrypt.needsUpdate(at('2x', '12'), settings, 'exact')).toBe(true);
    expect(bcrypt.needsUpdate(at('2y', '12'), { ...settings, ident: '2y' }, 'exact')).toBe(false);
  });

  it("'minimum': a lower cost or another ident", () => {
    expect(bcrypt.needsUpdate(at('2b', '12'), settings, 'minimum')).toBe(false);
    expect(bcrypt.needsUpdate(at('2b', '13'), settings, 'minimum')).toBe(false);
    expect(bcrypt.needsUpdate(at('2b', '11'), settings, 'minimum')).toBe(true);
    expect(bcrypt.needsUpdate(at('2a', '13'), settings, 'minimum')).toBe(true);
    expect(bcrypt.needsUpdate(at('2y', '12'), settings, 'minimum')).toBe(true);
  });

  it('refuses bad settings', () => {
    expect(() => bcrypt.needsUpdate(at('2b', '12'), { ...settings, rounds: 2 }, 'exact')).toThrow(ConfigurationError);
    expect(() => bcrypt.needsUpdate(at('2b', '12'), { ...settings, ident: 'x' as '2b' }, 'exact')).toThrow(
      ConfigurationError,
    );
  });
});

describe('through CryptContext', () => {
  it('hashes, verifies, upgrades and refuses like the scheme', async () => {
    const context = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 5 } } });
    const h = await context.hash('hunter2');
    expect(h).toMatch(/^\$2b\$05\$/);
    expect(context.identify(h)).toBe('bcrypt');
    expect(await context.verify('hunter2', h)).toBe(true);
    expect(await context.verify('hunter3', h)).toBe(false);
    expect(await context.verify('hunter2\0', h)).toBe(false);
    expect(context.needsUpdate(h)).toBe(false);

    const old = '$2a$04$5BJqKfqMQvV7nS.yUguNcueVirQqDBGaLXSqj.rs.pZPlNR0UX/HK';
    expect(context.needsUpdate(old)).toBe(true);
    const { valid, newHash } = await context.verifyAndUpdate('test', old);
    expect(valid).toBe(true);
    expect(newHash).toMatch(/^\$2b\$05\$/);
    expect(await context.verify('test', newHash!)).toBe(true);

    await expect(context.hash('a'.repeat(73))).rejects.toThrow(PasswordPolicyError);
    await expect(context.verify('x', '$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e')).rejects.toThrow(
      UnsupportedHashError,
    );
    await expect(context.verify('x', '$2b$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).rejects.toThrow(
      UnknownHashError,
    );
  });
});
