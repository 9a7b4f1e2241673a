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
