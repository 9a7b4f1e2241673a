import { describe, expect, it } from 'vitest';
import { MalformedHashError } from '../../../src/index.js';
import { desEncryptBlock } from '../../../src/passwords/kdf/des.js';
import { des_crypt, django_des_crypt } from '../../../src/passwords/schemes/des-crypt.js';
import fixtures from '../../fixtures/legacy-des-crypt.json' with { type: 'json' };

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('DES (FIPS 46-3)', () => {
  it.each([
    // The worked example of J. Orlin Grabbe's "The DES Algorithm Illustrated", and NBS SP 500-20 entries.
    ['133457799BBCDFF1', '0123456789ABCDEF', '85E813540F0AB405'],
    ['0E329232EA6D0D73', '8787878787878787', '0000000000000000'],
    ['0101010101010101', '8000000000000000', '95F8A5E5DD31D900'],
    ['8001010101010101', '0000000000000000', '95A8D72813DAA94D'],
  ])('key %s, plaintext %s', (key, plaintext, ciphertext) => {
    expect(Buffer.from(desEncryptBlock(hex(key), hex(plaintext))).toString('hex').toUpperCase()).toBe(ciphertext);
  });
});

describe('DES crypt(3): glibc and Django 3.2 hashes', () => {
  it.each(fixtures.vectors.map((v, i) => ({ ...v, i })))('#$i $scheme $hash', async ({ scheme, password, hash }) => {
    const s = scheme === 'des_crypt' ? des_crypt : django_des_crypt;
    expect([des_crypt, django_des_crypt].filter((x) => x.identify(hash))).toEqual([s]);
    expect(await s.verify(utf8(password), hash, {})).toBe(true);
    expect(await s.verify(utf8(`y${password}`), hash, {})).toBe(false);
    expect(s.needsUpdate(hash, {}, 'exact')).toBe(true);
  });

  it('reads 8 bytes only, and never matches a password with a NUL byte', async () => {
    const v = fixtures.vectors.find((x) => x.scheme === 'des_crypt' && x.password === '12345678')!;
    expect(await des_crypt.verify(utf8('12345678 and more'), v.hash, {})).toBe(true);
    expect(await des_crypt.verify(utf8('12345678\0'), v.hash, {})).toBe(false);
  });

  it('malformed hashes are typed errors', async () => {
    for (const [scheme, hash] of [[des_crypt, 'abc'], [django_des_crypt, 'crypt$$abc'], [django_des_crypt, 'crypt$toolongsalt$abNANd1rDfiNc']] as const) {
      await expect(scheme.verify(utf8('x'), hash, {})).rejects.toThrow(MalformedHashError);
    }
  });
});
