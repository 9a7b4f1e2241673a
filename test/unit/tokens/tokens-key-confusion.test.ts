/**
 * Issue 7, part 2: public key material is never an HMAC secret. Material made by node:crypto and by
 * openssl (x509 -text, pkcs12 with Bag Attributes, DER), as strings and as bytes, with a BOM or
 * leading blank lines: every form is refused with a TokenKeyError, and a token forged by HMAC-signing
 * with the public certificate is never accepted.
 */
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccessToken, importTokenKey, InvalidTokenError, TokenKeyError, verifyAccessToken } from '../../../src/tokens/index.js';
import { keyMaterialKind } from '../../../src/tokens/keys/key-material.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasOpenssl && process.env.CI === 'true') throw new Error('openssl is required in CI for the key confusion tests');

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const spkiPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const spkiDer = rsa.publicKey.export({ type: 'spki', format: 'der' });
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const edDer = ed.publicKey.export({ type: 'spki', format: 'der' });
const pkcs1Der = rsa.publicKey.export({ type: 'pkcs1', format: 'der' });
const pkcs8Der = ec.privateKey.export({ type: 'pkcs8', format: 'der' });
const jwkText = JSON.stringify(ec.publicKey.export({ format: 'jwk' }));
const sshLine = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${Buffer.from(randomBytes(32)).toString('base64')} user@host`;

/** The same material in the shapes it arrives in: as read from a file, pasted, re-encoded. */
function variants(text: string): Array<[string, string | Uint8Array]> {
  const bytes = (s: string) => new TextEncoder().encode(s);
  return [
    ['string', text],
    ['bytes', bytes(text)],
    ['bytes with a leading newline', bytes(`\n${text}`)],
    ['bytes with a UTF-8 BOM', Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes(text)])],
    ['string with a BOM', `\ufeff${text}`],
    ['CRLF bytes', bytes(text.replace(/\n/g, '\r\n'))],
    ['indented string', text.replace(/^/gm, '   ')],
  ];
}

const materials: Array<[string, () => string | Uint8Array]> = [
  ['RSA SPKI PEM', () => spkiPem],
  ['EC SPKI PEM', () => ecPem],
  ['RSA SPKI DER', () => new Uint8Array(spkiDer)],
  ['Ed25519 SPKI DER', () => new Uint8Array(edDer)],
  ['PKCS#1 RSA public key DER', () => new Uint8Array(pkcs1Der)],
  ['PKCS#8 private key DER', () => new Uint8Array(pkcs8Der)],
  ['SPKI DER as base64 (a PEM body without its armour)', () => spkiDer.toString('base64')],
  ['JWK JSON text', () => jwkText],
  ['JWK Set JSON text', () => JSON.stringify({ keys: [JSON.parse(jwkText)] })],
  ['OpenSSH public key line', () => sshLine],
];

describe('key material refused as an HMAC secret', () => {
  for (const [name, make] of materials) {
    it(`${name}, in every shape`, async () => {
      const material = make();
      const shapes = typeof material === 'string' ? variants(material) : [['bytes', material] as [string, Uint8Array]];
      for (const [, shape] of shapes) {
        expect(keyMaterialKind(typeof shape === 'string' ? new TextEncoder().encode(shape) : shape)).not.toBeNull();
        const imported = importTokenKey(shape as never, { algorithm: 'HS256' });
        await expect(imported).rejects.toBeInstanceOf(TokenKeyError);
      }
    });
  }

  it('a JWK of kty oct whose k is a public key\'s DER is refused too', async () => {
    await expect(importTokenKey({ kty: 'oct', k: spkiDer.toString('base64url') })).rejects.toBeInstanceOf(TokenKeyError);
  });

  it('a key resolver answering with a certificate\'s bytes for an HS256 token is refused', async () => {
    const secret = new TextEncoder().encode(spkiPem);
    const forged = hmac({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }, spkiPem);
    await expect(verifyAccessToken(forged, { key: (() => secret) as never, algorithms: ['HS256'] })).rejects.toBeInstanceOf(TokenKeyError);
  });

  it('random secrets (bytes, hex, base64, base64url, with 0x30 first) are still accepted', async () => {
    for (let i = 0; i < 300; i++) {
      const raw = randomBytes(32 + (i % 33));
      if (i % 3 === 0) raw[0] = 0x30;
      if (i % 6 === 0) raw[1] = raw.length - 2; // a SEQUENCE spanning the whole input, random inside
      for (const secret of [new Uint8Array(raw), raw.toString('hex'), raw.toString('base64'), raw.toString('base64url')]) {
        expect(keyMaterialKind(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret)).toBeNull();
      }
    }
    const key = await importTokenKey(randomBytes(32).toString('base64'));
    expect(key.kind).toBe('secret');
  });
});

/** HS256 over the payload with `secret`, made with node:crypto: what a forger holding the certificate does. */
function hmac(payload: unknown, secret: string | Uint8Array): string {
  const b64u = (s: string) => Buffer.from(s).toString('base64url');
  const input = `${b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe.skipIf(!hasOpenssl)('openssl output refused as an HMAC secret; forging with the certificate fails', () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-subj', '/CN=gatehouse test', '-days', '2');
  openssl('pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'bundle.p12', '-passout', 'pass:test', '-name', 'gatehouse');
  const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const textOutput = openssl('x509', '-in', 'cert.pem', '-text').toString('utf8');
  const bagOutput = openssl('pkcs12', '-in', 'bundle.p12', '-nokeys', '-passin', 'pass:test').toString('utf8');
  const certDer = new Uint8Array(openssl('x509', '-in', 'cert.pem', '-outform', 'DER'));
  const pubPem = openssl('pkey', '-in', 'key.pem', '-pubout').toString('utf8');
  const pubDer = new Uint8Array(openssl('pkey', '-in', 'key.pem', '-pubout', '-outform', 'DER'));

  const forms: Array<[string, string | Uint8Array]> = [
    ['certificate PEM', certPem],
    ['x509 -text output', textOutput],
    ['pkcs12 output with Bag Attributes', bagOutput],
    ['certificate DER', certDer],
    ['public key PEM (openssl pkey -pubout)', pubPem],
    ['public key DER', pubDer],
  ];

  it('the openssl output has the shapes the report names', () => {
    expect(textOutput).toMatch(/^Certificate:\n/);
    expect(bagOutput).toMatch(/^Bag Attributes/);
    expect(certDer[0]).toBe(0x30);
  });

  for (const [name, form] of forms) {
    const shapes = typeof form === 'string' ? variants(form) : [['bytes', form] as [string, Uint8Array]];
    for (const [shapeName, shape] of shapes) {
      it(`${name} (${shapeName}): refused, and a token HMAC-signed with it is not accepted`, async () => {
        const forged = hmac({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }, shape);
        const verdict = verifyAccessToken(forged, { key: shape as never });
        // A PEM string alone imports the public key it holds (RS256 only: the HS256 token is refused
        // before any MAC); anything else is refused as a key.
        const pemAlone = typeof shape === 'string' && /^-----BEGIN/.test(shape.trim());
        await expect(verdict).rejects.toBeInstanceOf(pemAlone ? InvalidTokenError : TokenKeyError);
        await expect(importTokenKey(shape as never, { algorithm: 'HS256' })).rejects.toBeInstanceOf(TokenKeyError);
        await expect(createAccessToken({ sub: 'admin' }, { key: shape as never, algorithm: 'HS256' })).rejects.toBeInstanceOf(TokenKeyError);
      });
    }
  }

  it('the certificate PEM string still imports as the RS256 public key it is', async () => {
    const token = await createAccessToken({ sub: 'alice' }, { key: readFileSync(join(dir, 'key.pem'), 'utf8'), algorithm: 'RS256' });
    expect((await verifyAccessToken(token, { key: certPem })).sub).toBe('alice');
    expect((await verifyAccessToken(token, { key: `\ufeff\n${certPem}` })).sub).toBe('alice');
  });
});

/**
 * Issue 18, item 2: public key material in an encoded form (base64 or base64url of a PEM, as kept in
 * environment variables and Kubernetes secrets; hex of a DER; base64 of JWK JSON) is refused as an
 * HMAC secret too, and a token forged with the encoded string never verifies.
 */
describe('encoded key material refused as an HMAC secret', () => {
  const cert = (() => {
    if (!hasOpenssl) return null;
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'enc-key.pem', '-out', 'enc-cert.pem', '-subj', '/CN=gatehouse encoded', '-days', '2');
    return {
      pem: readFileSync(join(dir, 'enc-cert.pem'), 'utf8'),
      der: Buffer.from(openssl('x509', '-in', 'enc-cert.pem', '-outform', 'DER')),
      // openssl's own base64 (lines of 64) of the certificate PEM, as `openssl base64 -in cert.pem` writes it.
      opensslBase64: openssl('base64', '-in', 'enc-cert.pem').toString('utf8'),
    };
  })();
  const pem = (key: { export(o: object): string | Buffer }, type: string) => key.export({ type, format: 'pem' }) as string;
  const der = (key: { export(o: object): string | Buffer }, type: string) => key.export({ type, format: 'der' }) as Buffer;
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');
  const wrap = (s: string, width: number) => s.replace(new RegExp(`(.{${width}})`, 'g'), '$1\n').trimEnd();
  const rsaPem = pem(rsa.publicKey, 'spki');

  const forms: Array<[string, string]> = [
    ['base64 of an RSA SPKI PEM (one line)', b64(rsaPem)],
    ['base64 of an RSA SPKI PEM (lines of 76, as base64(1) writes)', wrap(b64(rsaPem), 76)],
    ['base64 of an RSA SPKI PEM (lines of 64, CRLF)', wrap(b64(rsaPem), 64).replace(/\n/g, '\r\n')],
    ['base64 of an EC P-256 SPKI PEM', b64(pem(ec.publicKey, 'spki'))],
    ['base64 of an Ed25519 SPKI PEM', b64(pem(ed.publicKey, 'spki'))],
    ['base64 of a PKCS#1 RSA public key PEM', b64(pem(rsa.publicKey, 'pkcs1'))],
    ['base64 of a PKCS#8 private key PEM', b64(pem(ec.privateKey, 'pkcs8'))],
    ['base64 of a PEM with CRLF line ends', b64(rsaPem.replace(/\n/g, '\r\n'))],
    ['base64url of an RSA SPKI PEM', b64url(rsaPem)],
    ['base64url of an EC SPKI PEM', b64url(pem(ec.publicKey, 'spki'))],
    ['hex of an RSA SPKI DER', der(rsa.publicKey, 'spki').toString('hex')],
    ['hex of an EC SPKI DER', der(ec.publicKey, 'spki').toString('hex')],
    ['hex of an Ed25519 SPKI DER', der(ed.publicKey, 'spki').toString('hex')],
    ['upper-case hex of an RSA SPKI DER', der(rsa.publicKey, 'spki').toString('hex').toUpperCase()],
    ['hex of a PKCS#1 RSA public key DER', der(rsa.publicKey, 'pkcs1').toString('hex')],
    ['hex of a PKCS#8 private key DER', der(ec.privateKey, 'pkcs8').toString('hex')],
    ['hex of a DER in lines of 60 (xxd -p)', wrap(der(ec.publicKey, 'spki').toString('hex'), 60)],
    ['base64 of an Ed25519 SPKI DER', b64(der(ed.publicKey, 'spki'))],
    ['base64url of a PKCS#8 DER', b64url(der(ed.privateKey, 'pkcs8'))],
    ['base64 of a public JWK (EC)', b64(JSON.stringify(ec.publicKey.export({ format: 'jwk' })))],
    ['base64 of a public JWK (RSA)', b64(JSON.stringify(rsa.publicKey.export({ format: 'jwk' })))],
    ['base64 of a private JWK (Ed25519)', b64(JSON.stringify(ed.privateKey.export({ format: 'jwk' })))],
    ['base64url of a pretty-printed JWK Set', b64url(JSON.stringify({ keys: [ec.publicKey.export({ format: 'jwk' })] }, null, 2))],
    ['base64 of the base64 of a DER (a PEM body re-encoded)', b64(b64(der(rsa.publicKey, 'spki')))],
    ...(cert
      ? ([
          ['base64 of an openssl certificate PEM', b64(cert.pem)],
          ['openssl base64 of a certificate PEM (lines of 64)', cert.opensslBase64],
          ['hex of an openssl X.509 certificate DER', cert.der.toString('hex')],
          ['upper-case hex of an X.509 certificate DER', cert.der.toString('hex').toUpperCase()],
        ] as Array<[string, string]>)
      : []),
  ];
  const shapes = (text: string): Array<[string, string]> => [
    ['as is', text],
    ['with a trailing newline', `${text}\n`],
    ['with surrounding whitespace and newlines', `\n  \t${text}\r\n\n `],
  ];
  const expectRefused = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TokenKeyError);
    expect((error as TokenKeyError).code).toBe('ERR_TOKEN_KEY');
    return error as TokenKeyError;
  };

  it('makes the encodings it claims to', () => {
    expect(Buffer.from(forms[0]![1], 'base64').toString('utf8')).toBe(rsaPem);
    expect(forms[1]![1]).toContain('\n');
    expect(forms.find(([name]) => name.startsWith('upper-case hex'))![1]).toMatch(/^[0-9A-F]+$/);
    if (cert) expect(cert.opensslBase64.split('\n')[0]).toHaveLength(64);
  });

  for (const [name, encoded] of forms) {
    it(`${name}: refused at import (string and bytes, every shape), and the message does not echo it`, async () => {
      for (const [, shape] of shapes(encoded)) {
        expect(keyMaterialKind(new TextEncoder().encode(shape))).not.toBeNull();
        const error = await expectRefused(importTokenKey(shape, { algorithm: 'HS256' }));
        const compact = encoded.replace(/\s+/g, '');
        for (let at = 0; at + 12 <= compact.length; at += 12) expect(error.message).not.toContain(compact.slice(at, at + 12));
        expect(error.cause).toBeUndefined();
        await expectRefused(importTokenKey(new TextEncoder().encode(shape)));
      }
      // A JWK of kty oct whose secret is the encoded text, and a resolver answering with its bytes.
      await expectRefused(importTokenKey({ kty: 'oct', k: b64url(encoded) }));
      const forged = hmac({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }, encoded);
      await expectRefused(verifyAccessToken(forged, { key: (() => new TextEncoder().encode(encoded)) as never, algorithms: ['HS256'] }));
    });

    it(`${name}: a token HMAC-signed with it (sub admin) cannot be verified with a key made from it`, async () => {
      for (const [, shape] of shapes(encoded)) {
        const forged = hmac({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }, shape);
        await expectRefused(verifyAccessToken(forged, { key: shape }));
        await expectRefused(verifyAccessToken(forged, { key: shape, algorithms: ['HS256'] }));
        await expectRefused(createAccessToken({ sub: 'admin' }, { key: shape, algorithm: 'HS256' }));
      }
    });
  }

  it('the message names the kind and the encoding, never the material', async () => {
    const encoded = der(rsa.publicKey, 'spki').toString('hex');
    const error = await expectRefused(importTokenKey(encoded));
    expect(error.message).toMatch(/^hex of a DER public key \(SubjectPublicKeyInfo\) cannot be an HMAC secret; /);
    expect((await expectRefused(importTokenKey(b64(rsaPem)))).message).toMatch(/^base64 of PEM text cannot/);
    expect((await expectRefused(importTokenKey(b64(b64(der(rsa.publicKey, 'spki')))))).message).toMatch(/^base64 of base64 of a DER public key/);
  });

  it('decoding is bounded: a secret over 64 KiB is refused unlooked-at, one of 64 KiB is inspected and accepted', async () => {
    const limit = 64 * 1024;
    const atLimit = randomBytes(limit / 2).toString('hex'); // both readings (hex and base64) decoded, two levels
    expect((await importTokenKey(atLimit)).kind).toBe('secret');
    const over = `${atLimit}a`;
    const error = await expectRefused(importTokenKey(over));
    expect(error.message).not.toContain(atLimit.slice(0, 12));
    await expectRefused(importTokenKey(randomBytes(limit + 1)));
    // The same key material padded past the limit is still refused, now by size.
    await expectRefused(importTokenKey(`${b64(rsaPem)}${' '.repeat(limit)}`));
  });

  it('random secrets keep importing: thousands of random bytes and hex, base64 and base64url strings', async () => {
    const lengths = [16, 24, 32, 33, 44, 48, 64, 65, 96, 128, 200, 256];
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const raw = randomBytes(lengths[i % lengths.length]!);
      if (i % 4 === 0) raw[0] = 0x30; // a DER SEQUENCE tag first, random inside
      if (i % 8 === 0) raw[1] = Math.min(raw.length - 2, 0x7f);
      const secrets: Array<string | Uint8Array> = [
        new Uint8Array(raw),
        raw.toString('hex'),
        raw.toString('hex').toUpperCase(),
        `${raw.toString('hex')}\n`, // `gatehouse secret` and `openssl rand -hex N`
        raw.toString('base64'),
        `${wrap(raw.toString('base64'), 64)}\n`, // `openssl rand -base64 N`
        raw.toString('base64url'),
        b64(raw.toString('hex')), // one more layer: base64 of hex
        new TextEncoder().encode(raw.toString('base64')),
      ];
      for (const secret of secrets) {
        expect(keyMaterialKind(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret)).toBeNull();
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3000);
    for (const [command, args] of [['openssl', ['rand', '-hex', '32']], ['openssl', ['rand', '-base64', '32']], ['openssl', ['rand', '-base64', '64']]] as const) {
      if (!hasOpenssl) break;
      const secret = execFileSync(command, args).toString('utf8');
      expect((await importTokenKey(secret)).kind).toBe('secret');
    }
    for (const secret of [randomBytes(32).toString('hex'), randomBytes(32).toString('base64'), randomBytes(48).toString('base64url'), randomBytes(32)]) {
      const key = await importTokenKey(secret);
      expect(key.kind).toBe('secret');
      const token = await createAccessToken({ sub: 'alice' }, { key });
      expect((await verifyAccessToken(token, { key })).sub).toBe('alice');
    }
  });
});
