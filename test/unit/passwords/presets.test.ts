import { describe, expect, it } from 'vitest';
import { ConfigurationError, MalformedHashError, getDefaultContext, presets, type CryptContext } from '../../../src/index.js';
import allSystems from '../../fixtures/hashes-all-systems.json' with { type: 'json' };
import desCrypt from '../../fixtures/legacy-des-crypt.json' with { type: 'json' };
import djangoDigests from '../../fixtures/legacy-django-digests.json' with { type: 'json' };
import identifyFixtures from '../../fixtures/legacy-identify.json' with { type: 'json' };
import werkzeugMethods from '../../fixtures/legacy-werkzeug-methods.json' with { type: 'json' };

type Vector = { system: string; scheme: string; password: string; hash: string };
type Preset = keyof typeof presets;

/** Which presets cover which system of the vector files (besides `everything`). */
const PRESETS_OF: Record<string, Preset[]> = {
  passlib: ['passlib'],
  django: ['django'],
  'django-format': ['django'],
  php: ['php'],
  werkzeug: ['werkzeug'],
  'wordpress-format (PHP password_hash)': ['wordpress'],
  'better-auth': ['betterAuth'],
};
/** The FastAPI tutorial's hashes: passlib's bcrypt (the seed) and argon2 (pwdlib writes the same PHC strings). */
const fastapiReads = (v: Vector) => v.system === 'passlib' && (v.scheme === 'bcrypt' || v.scheme === 'argon2');
const presetsOf = (v: Vector): Preset[] => [...(PRESETS_OF[v.system] ?? []), ...(fastapiReads(v) ? (['fastapi'] as const) : [])];

const everyVector: Vector[] = [...allSystems.vectors, ...djangoDigests.vectors, ...werkzeugMethods.vectors, ...desCrypt.vectors];
const PRESET_NAMES = Object.keys(presets) as Preset[];
const contexts = new Map<string, CryptContext>();
function context(name: Preset, coexist: boolean): CryptContext {
  const key = `${name}:${coexist}`;
  if (!contexts.has(key)) contexts.set(key, presets[name]({ coexist }));
  return contexts.get(key)!;
}
const modesOf = (name: Preset) => (name === 'everything' ? [false] : [false, true]);
/** Differs in the first byte: bcrypt reads 72 bytes, WordPress trims spaces. */
const wrong = (password: string) => `y${password}`;

describe('presets read every hash of their system', () => {
  it('covers every system of the shared vectors', () => {
    for (const v of allSystems.vectors) expect(PRESETS_OF[v.system], v.system).toBeDefined();
    expect(allSystems.vectors).toHaveLength(200);
  });

  it.each(allSystems.vectors.map((v, i) => ({ ...v, i })))(
    '#$i $system $scheme: its preset (both modes) and presets.everything',
    async (v) => {
      for (const name of [...presetsOf(v), 'everything' as const]) {
        for (const coexist of modesOf(name)) {
          const ctx = context(name, coexist);
          expect(await ctx.verify(v.password, v.hash), `${name} coexist=${coexist}`).toBe(true);
          expect(await ctx.verify(wrong(v.password), v.hash), `${name} coexist=${coexist} wrong`).toBe(false);
        }
      }
    },
  );

  const READERS: Record<string, Preset[]> = {
    django_des_crypt: ['django', 'passlib', 'everything'],
    des_crypt: ['php', 'passlib', 'everything'],
    werkzeug_legacy: ['werkzeug'],
  };
  it.each([...djangoDigests.vectors, ...werkzeugMethods.vectors, ...desCrypt.vectors].map((v, i) => ({ ...v, i })))(
    '#$i $system $scheme made by the real system',
    async (v) => {
      const readers = READERS[v.scheme] ?? ['django', 'everything'];
      for (const name of readers) {
        for (const coexist of modesOf(name)) {
          const ctx = context(name, coexist);
          expect(ctx.identify(v.hash)).toBe(v.scheme);
          expect(await ctx.verify(v.password, v.hash)).toBe(true);
          expect(await ctx.verify(wrong(v.password), v.hash)).toBe(false);
          expect(ctx.needsUpdate(v.hash)).toBe(true);
        }
      }
    },
  );
});

describe('identification is unambiguous in every preset', () => {
  const hashes = [...everyVector.map((v) => v.hash), ...identifyFixtures.vectors.map((v) => v.hash)];

  it.each(PRESET_NAMES.flatMap((name) => modesOf(name).map((coexist) => ({ name, coexist }))))(
    'presets.$name (coexist: $coexist) never has two schemes claim one hash',
    ({ name, coexist }) => {
      const ctx = context(name, coexist);
      // identify() throws ConfigurationError when two schemes claim a hash.
      for (const hash of hashes) expect(() => ctx.identify(hash), hash).not.toThrow();
      for (const v of everyVector.filter((x) => presetsOf(x).includes(name))) expect(ctx.identify(v.hash), v.hash).not.toBeNull();
    },
  );

  it('presets.everything names the scheme the vector files give', () => {
    const ctx = context('everything', false);
    for (const v of [...allSystems.vectors, ...djangoDigests.vectors, ...desCrypt.vectors]) expect(ctx.identify(v.hash)).toBe(v.scheme);
  });

  it("Werkzeug's salted sha1$ reads as Django's outside presets.werkzeug", () => {
    const v = werkzeugMethods.vectors.find((x) => x.hash.startsWith('sha1$') && !x.hash.startsWith('sha1$$'))!;
    expect(context('everything', false).identify(v.hash)).toBe('django_salted_sha1');
    expect(context('werkzeug', false).identify(v.hash)).toBe('werkzeug_legacy');
  });
});

describe('the default mode: gatehouse default for new hashes, everything else upgraded', () => {
  it.each(PRESET_NAMES)('presets.%s() hashes with the default context scheme and deprecates the rest', async (name) => {
    const ctx = presets[name]();
    const gatehouse = getDefaultContext();
    expect(ctx.defaultScheme).toBe(gatehouse.defaultScheme);
    expect(ctx.settingsOf(ctx.defaultScheme)).toEqual(gatehouse.settingsOf(gatehouse.defaultScheme));
    for (const scheme of ctx.schemes) expect(ctx.isDeprecated(scheme)).toBe(scheme !== ctx.defaultScheme);
  });

  it('a login on a Django hash gives a gatehouse-format hash', async () => {
    const v = allSystems.vectors.find((x) => x.scheme === 'django_pbkdf2_sha256')!;
    const { valid, newHash } = await presets.django().verifyAndUpdate(v.password, v.hash);
    expect(valid).toBe(true);
    expect(getDefaultContext().identify(newHash)).toBe(getDefaultContext().defaultScheme);
    expect(await presets.django().verify(v.password, newHash)).toBe(true);
  });
});

const find = (scheme: string, system?: string) => everyVector.find((v) => v.scheme === scheme && (!system || v.system === system))!;

describe('coexistence: the old system current format, upgraded only as the old system would', () => {
  it('django: pbkdf2_sha256 at Django 6.1 iterations, 22-character salts; other iterations and hashers rehash', async () => {
    const ctx = presets.django({ coexist: true });
    const hash = await ctx.hash('secret');
    expect(hash).toMatch(/^pbkdf2_sha256\$1500000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=$/);
    expect(ctx.needsUpdate(hash)).toBe(false);
    expect(ctx.needsUpdate(find('django_pbkdf2_sha256').hash)).toBe(true); // 1000 iterations
    for (const scheme of ['django_pbkdf2_sha1', 'django_argon2', 'django_bcrypt_sha256', 'django_bcrypt', 'django_scrypt', 'django_salted_sha1', 'hex_md5']) {
      expect(ctx.needsUpdate(find(scheme).hash), scheme).toBe(true);
    }
    const v = find('django_bcrypt_sha256');
    const { valid, newHash } = await presets.django({ coexist: true, iterations: 1000 }).verifyAndUpdate(v.password, v.hash);
    expect(valid).toBe(true);
    expect(newHash).toMatch(/^pbkdf2_sha256\$1000\$/);
  });

  it('django: iterations follow the option, so a Django 5.2 deployment is not rehashed back and forth', async () => {
    const ctx = presets.django({ coexist: true, iterations: 1000 });
    expect(ctx.needsUpdate(find('django_pbkdf2_sha256').hash)).toBe(false);
    expect(await ctx.hash('x')).toMatch(/^pbkdf2_sha256\$1000\$/);
    expect(presets.django({ coexist: true, hasher: 'bcrypt_sha256' }).settingsOf('django_bcrypt_sha256')).toMatchObject({ rounds: 12 });
    expect(presets.django({ coexist: true, hasher: 'argon2' }).defaultScheme).toBe('django_argon2');
  });

  it("django: an unusable password ('!...') never matches and is never rehashed", async () => {
    for (const coexist of [false, true]) {
      const ctx = presets.django({ coexist });
      expect(await ctx.verifyAndUpdate('', '!Gh3kQx1ZcY1uZ0q5nKJHpDkXcWm7sTT2EhQKyPbX')).toEqual({ valid: false, newHash: null });
    }
  });

  it('werkzeug: scrypt:32768:8:1, and nothing Werkzeug reads is rehashed', async () => {
    const ctx = presets.werkzeug({ coexist: true });
    expect(await ctx.hash('secret')).toMatch(/^scrypt:32768:8:1\$[A-Za-z0-9]{16}\$[0-9a-f]{128}$/);
    expect(ctx.needsUpdate(find('werkzeug_scrypt').hash)).toBe(false); // N=1024
    expect(ctx.needsUpdate(find('werkzeug_pbkdf2').hash)).toBe(false); // 1000 iterations
    expect(ctx.needsUpdate('plain$$secret')).toBe(true); // Werkzeug 3 no longer reads it
    const pbkdf2 = presets.werkzeug({ coexist: true, method: 'pbkdf2', iterations: 2000 });
    expect(await pbkdf2.hash('secret')).toMatch(/^pbkdf2:sha256:2000\$[A-Za-z0-9]{16}\$[0-9a-f]{64}$/);
    expect(presets.werkzeug().needsUpdate(find('werkzeug_scrypt').hash)).toBe(true);
  });

  it('php: $2y$12$, rehashed as password_needs_rehash does', async () => {
    const ctx = presets.php({ coexist: true });
    const hash = await ctx.hash('secret');
    expect(hash).toMatch(/^\$2y\$12\$/);
    expect(ctx.needsUpdate(hash)).toBe(false);
    expect(ctx.needsUpdate(find('bcrypt', 'php').hash)).toBe(true); // cost 5
    expect(ctx.needsUpdate(hash.replace('$2y$', '$2b$'))).toBe(true);
    for (const scheme of ['argon2', 'sha512_crypt', 'md5_crypt']) expect(ctx.needsUpdate(find(scheme, 'php').hash)).toBe(true);
    expect(presets.php({ coexist: true, cost: 5 }).needsUpdate(find('bcrypt', 'php').hash)).toBe(false);
    expect(await presets.php({ coexist: true, algorithm: 'argon2id' }).hash('x')).toMatch(/^\$argon2id\$v=19\$m=65536,t=4,p=1\$/);
  });

  it('wordpress: $wp$2y$12$, everything unprefixed or of another cost rehashed', async () => {
    const ctx = presets.wordpress({ coexist: true });
    const hash = await ctx.hash('secret');
    expect(hash).toMatch(/^\$wp\$2y\$12\$/);
    expect(ctx.needsUpdate(hash)).toBe(false);
    expect(ctx.needsUpdate(find('wordpress_bcrypt').hash)).toBe(true); // cost 5
    expect(ctx.needsUpdate(find('phpass').hash)).toBe(true);
    expect(ctx.needsUpdate(hash.slice(3))).toBe(true); // plain $2y$
    expect(await presets.wordpress({ coexist: true, cost: 10 }).hash('x')).toMatch(/^\$wp\$2y\$10\$/);
  });

  it("passlib: $2b$12$; bcrypt of any cost or ident kept (passlib has no bounds), other schemes upgraded", async () => {
    const ctx = presets.passlib({ coexist: true });
    const hash = await ctx.hash('secret');
    expect(hash).toMatch(/^\$2b\$12\$/);
    expect(ctx.needsUpdate(find('bcrypt', 'passlib').hash)).toBe(false); // $2b$05$
    expect(ctx.needsUpdate(find('bcrypt', 'php').hash)).toBe(false); // $2y$05$
    // passlib issue 25: a salt whose last character carries stray padding bits is rehashed.
    const seed = '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW';
    expect(ctx.needsUpdate(seed)).toBe(false);
    expect(ctx.needsUpdate(`${seed.slice(0, 28)}f${seed.slice(29)}`)).toBe(true);
    expect(ctx.needsUpdate(find('pbkdf2_sha256').hash)).toBe(true);
  });

  it('fastapi: pwdlib argon2id m=65536,t=3,p=4 (bcrypt rehashed), or the seed passlib bcrypt', async () => {
    const ctx = presets.fastapi({ coexist: true });
    const hash = await ctx.hash('secret');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(ctx.needsUpdate(hash)).toBe(false);
    expect(ctx.needsUpdate(find('bcrypt', 'passlib').hash)).toBe(true);
    expect(ctx.needsUpdate(find('argon2', 'passlib').hash)).toBe(true); // m=1024
    const seed = presets.fastapi({ coexist: true, library: 'passlib' });
    expect(await seed.hash('secret')).toMatch(/^\$2b\$12\$/);
    expect(seed.needsUpdate(find('bcrypt', 'passlib').hash)).toBe(false);
    expect(seed.needsUpdate(find('argon2', 'passlib').hash)).toBe(true);
  });

  it("betterAuth: better-auth's own format, never rehashed", async () => {
    const ctx = presets.betterAuth({ coexist: true });
    expect(await ctx.hash('secret')).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/);
    expect(ctx.needsUpdate(find('better_auth_scrypt').hash)).toBe(false);
  });

  it('a hash gatehouse wrote in the default mode moves to the coexistence format', async () => {
    const gatehouseHash = await presets.django().hash('secret');
    for (const name of ['django', 'werkzeug', 'php', 'wordpress', 'passlib', 'fastapi', 'betterAuth'] as const) {
      const ctx = presets[name]({ coexist: true });
      expect(ctx.needsUpdate(gatehouseHash), name).toBe(true);
    }
  });
});

describe('malformed hashes of the new legacy schemes are typed errors', () => {
  it.each([
    ['werkzeug', 'sha1$salt$abc'],
    ['werkzeug', `sha256$salt$${'A'.repeat(64)}`],
    ['werkzeug', 'plain$salt$secret'],
    ['django', `sha1$salt$${'a'.repeat(39)}`],
    ['django', `md5$$${'a'.repeat(33)}`],
    ['django', `sha1$$${'g'.repeat(40)}`],
  ] as const)('presets.%s: %s', async (name, hash) => {
    const ctx = presets[name]();
    await expect(ctx.verify('secret', hash)).rejects.toThrow(MalformedHashError);
  });
});

describe('preset options are checked', () => {
  it('refuses unknown options, a non-boolean coexist, bad costs, and coexistence for everything', () => {
    const bad: Array<() => unknown> = [
      () => presets.django({ coexists: true } as never),
      () => presets.django({ coexist: 'yes' } as never),
      () => presets.django({ iterations: 0 }),
      () => presets.django({ iterations: 1.5 }),
      () => presets.django({ hasher: 'md5' as never }),
      () => presets.php({ cost: 40 }),
      () => presets.php({ algorithm: 'scrypt' as never }),
      () => presets.werkzeug({ method: 'sha1' as never }),
      () => presets.fastapi({ library: 'bcrypt' as never }),
      () => presets.everything({ coexist: true }),
      () => presets.passlib(null as never),
      () => presets.wordpress([] as never),
    ];
    for (const make of bad) expect(make).toThrow(ConfigurationError);
  });

  it('per-scheme settings and maxPasswordBytes pass through', async () => {
    const ctx = presets.php({ coexist: true, settings: { bcrypt: { rounds: 4 } }, maxPasswordBytes: 64 });
    expect(await ctx.hash('secret')).toMatch(/^\$2y\$04\$/);
    expect(ctx.maxPasswordBytes).toBe(64);
  });
});
