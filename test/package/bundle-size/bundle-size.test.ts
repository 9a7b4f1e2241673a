/**
 * `sideEffects: false` holds for the built package: esbuild bundles an app's import of the tokens
 * API alone (bench/bundle-size.mjs, as an app's bundler would), and keeps no password-hashing or
 * HTTP module, while the full entry does contain them (so the markers below are real). Sizes are
 * reported by `node bench/bundle-size.mjs`, not asserted. Needs `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs bench script without type declarations
import { BCRYPT_IMPORTS, IMPORTS, bundleImport } from '../../../bench/bundle-size.mjs';

interface Bundle {
  code: string;
  bytes: number;
  modules: string[];
}

/** Modules and code that belong to password hashing (bcrypt, argon2, scrypt, ...) or to HTTP. */
const PASSWORD_MODULE = /^dist\/passwords\/(?:kdf|schemes)\/|^dist\/passwords\/(?:context|registry)\.js$|@noble\/hashes\/(?:argon2|scrypt|blake2|pbkdf2)\.js$/;
const HTTP_MODULE = /^dist\/(?:http|node)\//;
const MARKERS = {
  bcrypt: ['$2b$', 'EksBlowfish'],
  argon2: ['argon2id'],
  http: ['Incorrect username or password', 'swagger-ui', 'www-authenticate'],
};

const bundles: Record<string, Bundle> = {};

beforeAll(async () => {
  if (!existsSync(new URL('../../../dist/index.js', import.meta.url))) throw new Error('dist/ is missing: run `npm run build` first');
  const imports = { ...(IMPORTS as Record<string, string>), ...(BCRYPT_IMPORTS as Record<string, string>) };
  for (const [name, source] of Object.entries(imports)) bundles[name] = await bundleImport(source);
}, 60_000);

const present = (bundle: Bundle, markers: string[]) => markers.filter((marker) => bundle.code.includes(marker));

describe('tree shaking of the built package', () => {
  it('the full entry carries the password and HTTP code the markers look for', () => {
    const full = bundles.full!;
    expect(full.modules.filter((m) => PASSWORD_MODULE.test(m)).length).toBeGreaterThan(10);
    expect(full.modules.some((m) => m === 'dist/http/handler.js')).toBe(true);
    expect(present(full, MARKERS.bcrypt)).toContain('$2b$');
    expect(present(full, MARKERS.argon2)).toEqual(MARKERS.argon2);
    expect(present(full, MARKERS.http)).toEqual(MARKERS.http);
  });

  it('a tokens-only import keeps no bcrypt, argon2, other hashing or HTTP module', () => {
    const tokens = bundles.tokens!;
    expect(tokens.modules).toContain('dist/tokens/create.js');
    expect(tokens.modules).toContain('dist/tokens/verify.js');
    expect(tokens.modules.filter((m) => PASSWORD_MODULE.test(m) || HTTP_MODULE.test(m))).toEqual([]);
    expect(present(tokens, [...MARKERS.bcrypt, ...MARKERS.argon2, ...MARKERS.http])).toEqual([]);
  });

  it('a hashPassword-only import keeps the schemes but no token or HTTP module', () => {
    const hashing = bundles.hashPassword!;
    expect(hashing.modules).toContain('dist/passwords/schemes/bcrypt.js');
    expect(hashing.modules.filter((m) => m.startsWith('dist/tokens/') || HTTP_MODULE.test(m) || m.includes('/jose/'))).toEqual([]);
    expect(present(hashing, MARKERS.http)).toEqual([]);
  });

  it('a bcrypt-only context from gatehouse/passwords is within 1.3x of bcrypt\'s own code, and keeps no other scheme', () => {
    const context = bundles.bcryptContext!;
    const own = bundles.bcryptScheme!;
    expect(own.modules).toContain('dist/passwords/schemes/bcrypt.js');
    expect(own.modules).toContain('dist/passwords/kdf/bcrypt.js');
    expect(context.modules).toContain('dist/passwords/context.js');
    expect(context.modules).toContain('dist/passwords/schemes/bcrypt.js');
    const otherSchemes = context.modules.filter(
      (m) => (m.startsWith('dist/passwords/schemes/') && m !== 'dist/passwords/schemes/bcrypt.js') || /@noble\/hashes\/(?:argon2|scrypt|sha2|legacy)\.js$/.test(m),
    );
    expect(otherSchemes).toEqual([]);
    expect(present(context, MARKERS.argon2)).toEqual([]);
    expect(context.bytes / own.bytes).toBeLessThanOrEqual(1.3);
  });

  it('gatehouse/passwords resolves names only through an explicit registry', async () => {
    const passwords = await import('gatehouse/passwords');
    const root = await import('gatehouse');
    expect(() => new passwords.CryptContext({ schemes: ['bcrypt'] })).toThrow(/unknown password scheme "bcrypt"/);
    expect(new passwords.CryptContext({ schemes: ['bcrypt'], registry: passwords.builtinSchemes }).defaultScheme).toBe('bcrypt');
    expect(new passwords.CryptContext({ schemes: [passwords.bcrypt] }).defaultScheme).toBe('bcrypt');
    expect(new root.CryptContext({ schemes: ['bcrypt', 'scrypt'] }).schemes).toEqual(['bcrypt', 'scrypt']);
    expect(root.bcrypt).toBe(passwords.bcrypt);
  });
});
