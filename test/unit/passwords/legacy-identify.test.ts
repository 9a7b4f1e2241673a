import { describe, expect, it } from 'vitest';
import { CryptContext } from '../../../src/passwords/registry.js';
import { builtinSchemes } from '../../../src/passwords/schemes/index.js';
import { migrationSchemes } from '../../../src/passwords/schemes/migration.js';
import fixtures from '../../fixtures/legacy-identify.json' with { type: 'json' };

// builtinSchemes is the modern ones plus every legacy one: what the name registry knows.
const all = builtinSchemes;

describe('identification across every built-in and legacy scheme', () => {
  it('scheme names are unique, and every legacy scheme is registered', () => {
    for (const s of migrationSchemes) expect(all).toContain(s);
    expect(new Set(all.map((s) => s.name)).size).toBe(all.length);
  });

  it.each(fixtures.vectors.map((v, i) => ({ ...v, i })))('#$i exactly one scheme claims the $scheme hash', ({ scheme, hash }) => {
    expect(all.filter((s) => s.identify(hash)).map((s) => s.name)).toEqual([scheme]);
  });

  it('a context with every scheme identifies every vector (it throws on a double claim)', () => {
    const context = new CryptContext({ schemes: all, default: 'scrypt' });
    for (const { scheme, hash } of fixtures.vectors) expect(context.identify(hash)).toBe(scheme);
  });

  it('every legacy scheme has defaults, needsUpdate, and hash only if it can', () => {
    const verifyOnly = migrationSchemes.filter((s) => !s.hash).map((s) => s.name);
    expect(verifyOnly.sort()).toEqual(
      ['apr_md5_crypt', 'hex_md5', 'hex_sha1', 'hex_sha256', 'hex_sha512', 'ldap_salted_sha1', 'ldap_salted_sha256', 'ldap_salted_sha512', 'md5_crypt', 'phpass'].sort(),
    );
    for (const s of migrationSchemes) {
      expect(typeof s.defaults).toBe('object');
      expect(typeof s.needsUpdate).toBe('function');
    }
  });

  it('near-misses are claimed by nobody or by the right one', () => {
    const claims = (hash: string) => all.filter((s) => s.identify(hash)).map((s) => s.name);
    expect(claims('a'.repeat(63))).toEqual([]);
    expect(claims('a'.repeat(64))).toEqual(['hex_sha256']);
    expect(claims('a'.repeat(40))).toEqual(['hex_sha1']);
    expect(claims(`${'a'.repeat(32)}:${'b'.repeat(128)}`)).toEqual(['better_auth_scrypt']);
    expect(claims('{SSHA512}abc')).toEqual(['ldap_salted_sha512']);
    expect(claims('scrypt$1024$x$8$1$k')).toEqual(['django_scrypt']);
    expect(claims('scrypt:1024:8:1$x$k')).toEqual(['werkzeug_scrypt']);
    expect(claims('$scrypt$ln=4,r=8,p=1$x$k')).toEqual(['scrypt']);
    expect(claims('bcrypt_sha256$$2b$04$x')).toEqual(['django_bcrypt_sha256']);
    expect(claims('$wp$2y$10$x')).toEqual(['wordpress_bcrypt']);
    expect(claims('$H$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0')).toEqual(['phpass']);
    expect(claims('$7$whatever')).toEqual([]);
  });
});
