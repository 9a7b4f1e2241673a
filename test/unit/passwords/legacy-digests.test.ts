import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MalformedHashError } from '../../../src/errors.js';
import { utf8 } from '../../../src/passwords/encodings.js';
import {
  hex_md5,
  hex_sha1,
  hex_sha256,
  hex_sha512,
  ldap_salted_sha1,
  ldap_salted_sha256,
  ldap_salted_sha512,
} from '../../../src/passwords/schemes/digests.js';
import type { PasswordScheme } from '../../../src/passwords/scheme.js';
import { setNodeCryptoForTesting } from '../../../src/platform/runtime.js';
import fixtures from '../../fixtures/legacy-digests.json' with { type: 'json' };

const schemes: Record<string, PasswordScheme<any>> = {
  hex_md5, hex_sha1, hex_sha256, hex_sha512, ldap_salted_sha1, ldap_salted_sha256, ldap_salted_sha512,
};

/** OpenLDAP's slappasswd construction, rebuilt with node:crypto. */
const ssha = (prefix: string, algo: string, password: string, salt: Buffer) =>
  prefix + Buffer.concat([createHash(algo).update(password).update(salt).digest(), salt]).toString('base64');

const independent = ['', 'secret', 'pässword', '🔐 key'].flatMap((password) => [
  { scheme: 'ldap_salted_sha1', password, hash: ssha('{SSHA}', 'sha1', password, Buffer.from('abcdefgh')) },
  { scheme: 'ldap_salted_sha256', password, hash: ssha('{SSHA256}', 'sha256', password, Buffer.from('salt')) },
  { scheme: 'ldap_salted_sha512', password, hash: ssha('{SSHA512}', 'sha512', password, Buffer.from('0123456789abcdef')) },
  ...(['md5', 'sha1', 'sha256', 'sha512'] as const).map((algo) => ({
    scheme: `hex_${algo}`,
    password,
    hash: createHash(algo).update(password).digest('hex'),
  })),
]);

describe('digests: hashes made by passlib, and by node:crypto', () => {
  it.each([...fixtures.vectors, ...independent].map((v, i) => ({ ...v, i })))('#$i $scheme', async ({ scheme: name, password, hash }) => {
    const scheme = schemes[name]!;
    expect(Object.values(schemes).filter((s) => s.identify(hash))).toEqual([scheme]);
    expect(await scheme.verify(utf8(password), hash, {})).toBe(true);
    expect(await scheme.verify(utf8(password + '!'), hash, {})).toBe(false);
    expect(scheme.needsUpdate(hash, {}, 'minimum')).toBe(true);
    expect('hash' in scheme).toBe(false);
  });

  it('uppercase hex verifies (passlib accepts it); the portable digests agree', async () => {
    const v = fixtures.vectors.find((x) => x.scheme === 'hex_sha256')!;
    expect(await hex_sha256.verify(utf8(v.password), v.hash.toUpperCase(), {})).toBe(true);
    setNodeCryptoForTesting(null);
    try {
      for (const x of independent) expect(await schemes[x.scheme]!.verify(utf8(x.password), x.hash, {})).toBe(true);
    } finally {
      setNodeCryptoForTesting(undefined);
    }
  });

  it.each([
    ['ldap_salted_sha1', '{SSHA}3ASRPpQpttR7vZTUhySi/XWnEz0n'], // digest without salt
    ['ldap_salted_sha1', '{SSHA}3ASRPpQpttR7vZTUhySi/XWnEz0nBIDQ='],
    ['ldap_salted_sha256', '{SSHA256}kU7PRPTKHG831YMV4s2SrKre0xfnYgqilqCHblB55XPSGqPUGuP8Pw'], // unpadded
    ['hex_sha256', '2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25'],
  ])('%s malformed: %s', async (name, hash) => {
    await expect(schemes[name]!.verify(utf8('secret'), hash, {})).rejects.toBeInstanceOf(MalformedHashError);
  });
});
