import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  CryptContext,
  PasswordPolicyError,
  UnknownHashError,
  defineScheme,
  getDefaultContext,
  hashPassword,
  verifyPassword,
  type PasswordScheme,
} from '../../../src/index.js';
import { constantTimeEqualString, fromUtf8 } from '../../../src/passwords/encodings.js';

/**
 * A transparent test scheme `$test$<cost>$<password>` whose hash and verify count their calls, so
 * the policy (default selection, deprecation, needsUpdate, upgrade, dummy verify) is checked
 * independently of any real algorithm.
 */
function testScheme(name: string, defaultCost = 1) {
  const calls = { hash: 0, verify: 0 };
  const prefix = `$${name}$`;
  const parse = (hash: string) => {
    const m = new RegExp(`^\\$${name}\\$(\\d+)\\$(.*)$`).exec(hash);
    if (!m) throw new Error('malformed');
    return { cost: Number(m[1]), secret: m[2]! };
  };
  const scheme: PasswordScheme<{ cost: number }> = defineScheme({
    name,
    defaults: { cost: defaultCost },
    identify: (hash) => hash.startsWith(prefix),
    async hash(password, settings) {
      calls.hash++;
      return `${prefix}${settings.cost}$${fromUtf8(password)}`;
    },
    async verify(password, hash) {
      calls.verify++;
      return constantTimeEqualString(parse(hash).secret, fromUtf8(password));
    },
    needsUpdate(hash, settings, policy) {
      const { cost } = parse(hash);
      return policy === 'exact' ? cost !== settings.cost : cost < settings.cost;
    },
  });
  return { scheme, calls };
}

describe('CryptContext policy', () => {
  it('hashes with the first scheme and verifies every listed scheme', async () => {
    const a = testScheme('alpha');
    const b = testScheme('beta');
    const ctx = new CryptContext({ schemes: [a.scheme, b.scheme], deprecated: 'auto' });
    expect(ctx.defaultScheme).toBe('alpha');
    expect(await ctx.hash('pw')).toBe('$alpha$1$pw');
    expect(await ctx.verify('pw', '$beta$1$pw')).toBe(true);
    expect(await ctx.verify('nope', '$beta$1$pw')).toBe(false);
    expect(ctx.identify('$beta$1$pw')).toBe('beta');
    expect(ctx.identify('$gamma$1$pw')).toBeNull();
    expect(ctx.identify(42)).toBeNull();
  });

  it('picks the first non-deprecated scheme as default when deprecated is a list', () => {
    const a = testScheme('alpha');
    const b = testScheme('beta');
    const ctx = new CryptContext({ schemes: [a.scheme, b.scheme], deprecated: ['alpha'] });
    expect(ctx.defaultScheme).toBe('beta');
    expect(ctx.isDeprecated('alpha')).toBe(true);
    expect(ctx.isDeprecated('beta')).toBe(false);
  });

  it('honours an explicit default and merges settings over scheme defaults', async () => {
    const a = testScheme('alpha');
    const b = testScheme('beta', 3);
    const ctx = new CryptContext({
      schemes: [a.scheme, b.scheme],
      default: 'beta',
      deprecated: 'auto',
      settings: { beta: { cost: 7 } },
    });
    expect(ctx.settingsOf('beta')).toEqual({ cost: 7 });
    expect(await ctx.hash('pw')).toBe('$beta$7$pw');
    expect(ctx.needsUpdate('$alpha$1$pw')).toBe(true); // deprecated scheme
    expect(ctx.needsUpdate('$beta$7$pw')).toBe(false);
  });

  it("flags any differing parameter under 'exact' and only weaker ones under 'minimum'", () => {
    const a = testScheme('alpha');
    const exact = new CryptContext({ schemes: [a.scheme], settings: { alpha: { cost: 5 } } });
    const minimum = new CryptContext({ schemes: [a.scheme], settings: { alpha: { cost: 5 } }, updatePolicy: 'minimum' });
    expect(exact.needsUpdate('$alpha$4$x')).toBe(true);
    expect(exact.needsUpdate('$alpha$6$x')).toBe(true);
    expect(exact.needsUpdate('$alpha$5$x')).toBe(false);
    expect(minimum.needsUpdate('$alpha$4$x')).toBe(true);
    expect(minimum.needsUpdate('$alpha$6$x')).toBe(false);
  });

  it('verifyAndUpdate rehashes only a valid, outdated hash', async () => {
    const a = testScheme('alpha');
    const b = testScheme('beta');
    const ctx = new CryptContext({ schemes: [a.scheme, b.scheme], deprecated: 'auto', settings: { alpha: { cost: 2 } } });
    expect(await ctx.verifyAndUpdate('pw', '$beta$1$pw')).toEqual({ valid: true, newHash: '$alpha$2$pw' });
    expect(await ctx.verifyAndUpdate('pw', '$alpha$1$pw')).toEqual({ valid: true, newHash: '$alpha$2$pw' });
    expect(await ctx.verifyAndUpdate('pw', '$alpha$2$pw')).toEqual({ valid: true, newHash: null });
    expect(await ctx.verifyAndUpdate('bad', '$beta$1$pw')).toEqual({ valid: false, newHash: null });
  });

  it('keeps the old hash when the default scheme refuses the password', async () => {
    const strict = defineScheme({
      ...testScheme('strict').scheme,
      async hash() {
        throw new PasswordPolicyError('too long for this scheme');
      },
    });
    const legacy = testScheme('legacy');
    const ctx = new CryptContext({ schemes: [strict, legacy.scheme], deprecated: 'auto' });
    expect(await ctx.verifyAndUpdate('pw', '$legacy$1$pw')).toEqual({ valid: true, newHash: null });
  });

  it('dummyVerify and a null hash spend a real verify of the default scheme and return false', async () => {
    const a = testScheme('alpha');
    const ctx = new CryptContext({ schemes: [a.scheme] });
    expect(await ctx.dummyVerify()).toBe(false);
    expect(a.calls).toEqual({ hash: 1, verify: 1 });
    expect(await ctx.verify('pw', null)).toBe(false);
    expect(await ctx.verify('pw', undefined)).toBe(false);
    expect(a.calls).toEqual({ hash: 1, verify: 3 }); // the dummy hash is made once
  });

  it('never throws because of the password', async () => {
    const a = testScheme('alpha');
    const ctx = new CryptContext({ schemes: [a.scheme] });
    expect(await ctx.verify('x'.repeat(4097), '$alpha$1$pw')).toBe(false);
    expect(await ctx.verify(undefined as unknown as string, '$alpha$1$pw')).toBe(false);
    expect(await ctx.verify(new TextEncoder().encode('pw'), '$alpha$1$pw')).toBe(true);
    expect(await ctx.verify('', '$alpha$1$pw')).toBe(false);
  });

  it('refuses to hash passwords over the size limit, before the scheme sees them', async () => {
    const a = testScheme('alpha');
    const ctx = new CryptContext({ schemes: [a.scheme] });
    await expect(ctx.hash('x'.repeat(4097))).rejects.toBeInstanceOf(PasswordPolicyError);
    await expect(ctx.hash('é'.repeat(2049))).rejects.toMatchObject({ code: 'ERR_PASSWORD_POLICY' });
    expect(await ctx.hash('x'.repeat(4096))).toMatch(/^\$alpha\$/);
    expect(a.calls.hash).toBe(1);
  });

  it('raises UnknownHashError for a hash no scheme reads', async () => {
    const ctx = new CryptContext({ schemes: [testScheme('alpha').scheme] });
    await expect(ctx.verify('pw', '$nope$')).rejects.toBeInstanceOf(UnknownHashError);
    expect(() => ctx.needsUpdate('plain')).toThrow(UnknownHashError);
  });

  it('refuses ambiguous identification', async () => {
    const greedy = defineScheme({ ...testScheme('greedy').scheme, identify: () => true });
    const ctx = new CryptContext({ schemes: [testScheme('alpha').scheme, greedy] });
    await expect(ctx.verify('pw', '$alpha$1$pw')).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('rejects bad configuration with ConfigurationError', () => {
    const a = testScheme('alpha').scheme;
    expect(() => new CryptContext({ schemes: [] })).toThrow(ConfigurationError);
    expect(() => new CryptContext({ schemes: ['no_such_scheme'] })).toThrow(ConfigurationError);
    expect(() => new CryptContext({ schemes: [a, a] })).toThrow(ConfigurationError);
    expect(() => new CryptContext({ schemes: [a], default: 'beta' })).toThrow(ConfigurationError);
    expect(() => new CryptContext({ schemes: [a], deprecated: ['alpha'] })).toThrow(ConfigurationError);
    expect(() => new CryptContext({ schemes: [a], settings: { beta: {} } })).toThrow(ConfigurationError);
    const verifyOnly = defineScheme({ ...testScheme('vo').scheme, hash: undefined });
    expect(() => new CryptContext({ schemes: [verifyOnly] })).toThrow(/only verify/);
  });
});

describe('the default context', () => {
  it('hashes with scrypt at OWASP parameters and verifies bcrypt, scrypt and pbkdf2 hashes', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('wrong horse', hash)).toBe(false);
    // the FastAPI seed's bcrypt hash
    expect(await verifyPassword('secret', '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW')).toBe(true);
  });

  it('accepts an explicit context', async () => {
    const ctx = new CryptContext({ schemes: ['pbkdf2_sha256'], settings: { pbkdf2_sha256: { rounds: 1000 } } });
    const hash = await hashPassword('pw', { context: ctx });
    expect(hash.startsWith('$pbkdf2-sha256$1000$')).toBe(true);
    expect(await verifyPassword('pw', hash, { context: ctx })).toBe(true);
  });
});

describe('the default context reads the legacy formats', () => {
  // One hash per system and scheme of shared/vectors/hashes.json (Django, Werkzeug, WordPress, PHP, ...).
  const vectors = JSON.parse(
    readFileSync(new URL('../../fixtures/hashes-one-per-system.json', import.meta.url), 'utf8'),
  ).vectors as Array<{ scheme: string; password: string; hash: string }>;

  it('verifies every salted legacy hash and flags it for an upgrade; leaves unsalted hex digests out', async () => {
    const seen = new Set<string>();
    for (const { scheme, password, hash } of vectors) {
      if (scheme.startsWith('hex_')) continue;
      seen.add(scheme);
      expect(getDefaultContext().identify(hash)).toBe(scheme);
      expect(getDefaultContext().needsUpdate(hash)).toBe(true);
      if (scheme === 'argon2' || scheme === 'django_argon2') continue; // verified in its own suite (slow in JS)
      expect(await verifyPassword(password, hash), `${scheme} ${hash}`).toBe(true);
      expect(await verifyPassword(`${password}!`, hash), `${scheme} wrong`).toBe(false);
    }
    expect(seen.size).toBe(24); // every scheme of the shared vectors but hex_sha256
    const hex = vectors.find((v) => v.scheme === 'hex_sha256')!;
    expect(getDefaultContext().identify(hex.hash)).toBeNull();
  });
});

describe('schemes as objects, names through a registry (gatehouse/passwords)', async () => {
  const passwords = await import('../../../src/passwords/index.js');
  const { CryptContext: Core, bcrypt, scrypt, builtinSchemes } = passwords;

  it('takes scheme objects, settings keyed by their names', () => {
    const context = new Core({ schemes: [scrypt, bcrypt], deprecated: 'auto', settings: { bcrypt: { rounds: 4 } } });
    expect(context.schemes).toEqual(['scrypt', 'bcrypt']);
    expect(context.defaultScheme).toBe('scrypt');
    expect(context.settingsOf('bcrypt')).toMatchObject({ rounds: 4, ident: '2b' });
  });

  it('refuses a name without a registry, with a hint; resolves it through one', () => {
    expect(() => new Core({ schemes: ['bcrypt'] })).toThrow(ConfigurationError);
    expect(() => new Core({ schemes: ['bcrypt'] })).toThrow(/registry: builtinSchemes/);
    const context = new Core({ schemes: ['bcrypt', 'django_pbkdf2_sha256'], registry: builtinSchemes });
    expect(context.schemes).toEqual(['bcrypt', 'django_pbkdf2_sha256']);
    expect(() => new Core({ schemes: ['bcrypt'], registry: 42 as never })).toThrow(/registry must be an iterable/);
    expect(() => new Core({ schemes: ['nope'], registry: builtinSchemes })).toThrow(/unknown password scheme "nope"/);
  });

  it('the root entry knows every built-in by name, and its contexts are gatehouse/passwords ones', () => {
    const context = new CryptContext({ schemes: ['bcrypt', 'scrypt'] });
    expect(context).toBeInstanceOf(Core);
    expect(context.schemes).toEqual(['bcrypt', 'scrypt']);
    expect(builtinSchemes.map((s) => s.name)).toContain('wordpress_bcrypt');
  });

  it('defineScheme checks the object it declares', () => {
    const base = { name: 'ok', defaults: {}, identify: () => false, verify: async () => false, needsUpdate: () => false };
    expect(defineScheme(base)).toBe(base);
    expect(() => defineScheme({ ...base, name: 'bad name' })).toThrow(ConfigurationError);
    expect(() => defineScheme({ ...base, verify: undefined } as never)).toThrow(/lacks verify\(\)/);
    expect(() => defineScheme({ ...base, hash: 'x' } as never)).toThrow(/hash must be a function/);
    expect(() => defineScheme({ ...base, defaults: null } as never)).toThrow(/defaults object/);
  });
});
