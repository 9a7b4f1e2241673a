import { createHmac, createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { createSigner, createVerifier } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import {
  InvalidTokenError,
  TokenClaimError,
  TokenError,
  TokenExpiredError,
  TokenKeyError,
  TokenNotYetValidError,
  TokenSigningError,
  createAccessToken,
  importTokenKey,
  verifyAccessToken,
  type TokenAlgorithm,
  type TokenKey,
} from '../../../src/tokens/index.js';
import type { TokenKeyImpl } from '../../../src/tokens/keys.js';
import { setNodeCryptoForTesting } from '../../../src/platform/runtime.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8'));
const rfc = fixture('jwt-rfc.json');
const pyjwt = fixture('jwt-pyjwt.json');

/** The seed's SECRET_KEY: its UTF-8 bytes are the HMAC key. */
const SECRET: string = pyjwt.secret;
const NOW: number = pyjwt.now;
const at = (seconds: number) => new Date(seconds * 1000);

// ---- an independent JWS implementation on node:crypto, for crafting tokens ----
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64url');
const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
function hmacToken(header: unknown, payload: unknown, secret: string | Buffer = SECRET, hash = 'sha256'): string {
  const input = `${b64(json(header))}.${b64(json(payload))}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}
const HS256 = { alg: 'HS256', typ: 'JWT' };
const good = { sub: 'johndoe', exp: NOW + 600 };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('RFC 7515 / RFC 7519 / RFC 8037 examples', () => {
  it('A.1 HS256: the signature checks out with the JWK, then the missing sub is refused', async () => {
    const key = await importTokenKey(rfc.hs256.jwk);
    const error = await rejection(verifyAccessToken(rfc.hs256.token, { key, currentDate: at(rfc.clock) }));
    // A claim error is only reached after the signature passed.
    expect(error).toBeInstanceOf(TokenClaimError);
    expect((error as TokenClaimError).claim).toBe('sub');
    const tampered = rfc.hs256.token.slice(0, -1) + (rfc.hs256.token.endsWith('k') ? 'l' : 'k');
    const bad = await rejection(verifyAccessToken(tampered, { key, currentDate: at(rfc.clock) }));
    expect(bad).toBeInstanceOf(InvalidTokenError);
    expect(bad).not.toBeInstanceOf(TokenClaimError);
    // After its exp (2011) the same token is expired.
    const later = await rejection(verifyAccessToken(rfc.hs256.token, { key, currentDate: at(rfc.clock + 1000) }));
    expect(later).toBeInstanceOf(InvalidTokenError);
  });

  it('A.1 HS256: signing the same input gives the RFC signature', async () => {
    const key = (await importTokenKey(rfc.hs256.jwk)) as TokenKeyImpl;
    const [h, p, s] = rfc.hs256.token.split('.');
    expect(await key.slots[0]!.sign(`${h}.${p}`)).toBe(s);
  });

  it('A.2 RS256 (deterministic): our signature equals the RFC one, and it verifies', async () => {
    const key = (await importTokenKey(rfc.rs256.jwk)) as TokenKeyImpl;
    expect(key.kind).toBe('private');
    expect(key.algorithm).toBe('RS256');
    const [h, p, s] = rfc.rs256.token.split('.');
    expect(await key.slots[0]!.sign(`${h}.${p}`)).toBe(s);
    const error = await rejection(verifyAccessToken(rfc.rs256.token, { key, currentDate: at(rfc.clock) }));
    expect((error as TokenClaimError).claim).toBe('sub');
  });

  it('A.3 ES256: the RFC signature verifies with the public JWK', async () => {
    const { d: _d, ...publicJwk } = rfc.es256.jwk;
    const key = await importTokenKey(publicJwk);
    expect(key.kind).toBe('public');
    expect(key.canSign).toBe(false);
    const error = await rejection(verifyAccessToken(rfc.es256.token, { key, currentDate: at(rfc.clock) }));
    expect((error as TokenClaimError).claim).toBe('sub');
    const flipped = rfc.es256.token.replace(/.$/, (c: string) => (c === 'Q' ? 'g' : 'Q'));
    expect(await rejection(verifyAccessToken(flipped, { key, currentDate: at(rfc.clock) }))).not.toBeInstanceOf(
      TokenClaimError,
    );
  });

  it('RFC 8037 A.4 Ed25519 (deterministic): our signature equals the RFC one', async () => {
    const key = (await importTokenKey(rfc.eddsa.jwk)) as TokenKeyImpl;
    expect(key.algorithm).toBe('EdDSA');
    const [h, p, s] = rfc.eddsa.token.split('.');
    expect(await key.slots[0]!.sign(`${h}.${p}`)).toBe(s);
    // The payload is not JSON: the signature passes and the payload is refused.
    const error = await rejection(verifyAccessToken(rfc.eddsa.token, { key }));
    expect(error.message).toBe('malformed token payload');
  });
});

describe('the seed format (FastAPI + PyJWT)', () => {
  it('issues byte for byte the token PyJWT issues for the same claims and clock', async () => {
    const token = await createAccessToken(
      { sub: 'johndoe' },
      { key: SECRET, expiresIn: '30m', currentDate: at(4102444800 - 1800) },
    );
    expect(token).toBe(pyjwt.seed_token);
  });

  it('header {"alg":"HS256","typ":"JWT"}, payload {sub, scope, exp}, exp = now + 30 min in whole seconds', async () => {
    const issuedMs = Date.now();
    const token = await createAccessToken({ sub: 'johndoe', scope: 'me items' }, { key: SECRET, expiresIn: '30m' });
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(Buffer.from(h, 'base64url').toString()).toBe('{"alg":"HS256","typ":"JWT"}');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    expect(Object.keys(payload)).toEqual(['sub', 'scope', 'exp']);
    expect(Number.isInteger(payload.exp)).toBe(true);
    expect(payload.exp - Math.floor(issuedMs / 1000)).toBeGreaterThanOrEqual(1800);
    expect(payload.exp - Math.floor(issuedMs / 1000)).toBeLessThanOrEqual(1801);
    // An independent HMAC over the signing input, with the UTF-8 bytes of the hex string.
    expect(s).toBe(createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(`${h}.${p}`).digest('base64url'));
  });

  it('defaults to a 15 minute lifetime, like the seed helper', async () => {
    const token = await createAccessToken({ sub: 'a' }, { key: SECRET, currentDate: at(NOW) });
    expect(jose.decodeJwt(token).exp).toBe(NOW + 900);
  });

  it('verifies every token PyJWT signed, with the claims PyJWT put in', async () => {
    for (const { alg, key, token, claims } of pyjwt.valid) {
      const verified = await verifyAccessToken(token, {
        key: key === 'secret' ? SECRET : key,
        algorithms: [alg],
        currentDate: at(NOW),
        issuer: claims.iss,
      });
      expect(verified, alg).toMatchObject(claims);
      expect(verified.scope).toBe(claims.scope ?? '');
    }
  });

  it('refuses every bad token PyJWT signed, with the expected error', async () => {
    const classes: Record<string, unknown> = {
      TokenExpiredError,
      TokenNotYetValidError,
      TokenClaimError,
      InvalidTokenError,
    };
    for (const { why, error, token } of pyjwt.invalid) {
      const thrown = await rejection(verifyAccessToken(token, { key: SECRET, currentDate: at(NOW) }));
      expect(thrown, why).toBeInstanceOf(classes[error] as typeof Error);
      expect(thrown, why).toBeInstanceOf(InvalidTokenError);
    }
  });

  it('exposes scope as a string and scopes as its parsed list', async () => {
    const token = hmacToken(HS256, { ...good, scope: 'me  items ' });
    const claims = await verifyAccessToken(token, { key: SECRET, currentDate: at(NOW) });
    expect(claims.scope).toBe('me  items ');
    expect(claims.scopes).toEqual(['me', 'items']);
    const none = await verifyAccessToken(hmacToken(HS256, good), { key: SECRET, currentDate: at(NOW) });
    expect(none.scope).toBe('');
    expect(none.scopes).toEqual([]);
    const list = await verifyAccessToken(hmacToken(HS256, { ...good, scope: ['a', 'b'] }), { key: SECRET, currentDate: at(NOW) });
    expect(list.scope).toBe('a b');
    expect(list.scopes).toEqual(['a', 'b']);
    const bad = await rejection(verifyAccessToken(hmacToken(HS256, { ...good, scope: 5 }), { key: SECRET, currentDate: at(NOW) }));
    expect((bad as TokenClaimError).claim).toBe('scope');
  });
});

describe('interoperability with jsonwebtoken, fast-jwt and jose', () => {
  it('jsonwebtoken and fast-jwt accept our HS tokens, and we accept theirs', async () => {
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      const ours = await createAccessToken({ sub: 'johndoe', scope: 'me' }, { key: SECRET, algorithm: alg });
      expect(jsonwebtoken.verify(ours, SECRET, { algorithms: [alg] })).toMatchObject({ sub: 'johndoe', scope: 'me' });
      expect(createVerifier({ key: SECRET, algorithms: [alg] })(ours)).toMatchObject({ sub: 'johndoe' });
      const theirs = jsonwebtoken.sign({ sub: 'jw' }, SECRET, { algorithm: alg, expiresIn: 60 });
      expect((await verifyAccessToken(theirs, { key: SECRET, algorithms: [alg] })).sub).toBe('jw');
      const fast = createSigner({ key: SECRET, algorithm: alg, expiresIn: 60_000 })({ sub: 'fj' });
      expect((await verifyAccessToken(fast, { key: SECRET, algorithms: [alg] })).sub).toBe('fj');
    }
  });

  it('the default allowlist of a secret is its one algorithm', async () => {
    const hs512 = jsonwebtoken.sign({ sub: 'x' }, SECRET, { algorithm: 'HS512', expiresIn: 60 });
    expect(await rejection(verifyAccessToken(hs512, { key: SECRET }))).toBeInstanceOf(InvalidTokenError);
    const key = await importTokenKey(SECRET, { algorithm: 'HS512' });
    expect((await verifyAccessToken(hs512, { key })).sub).toBe('x');
  });
});

describe('round trips for every algorithm and key format', () => {
  const asymmetric: TokenAlgorithm[] = ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'];

  for (const alg of asymmetric) {
    it(`${alg}: PEM, JWK, CryptoKey and KeyObject inputs; jose agrees both ways`, async () => {
      const pair = await jose.generateKeyPair(alg, { extractable: true });
      const pkcs8 = await jose.exportPKCS8(pair.privateKey);
      const spki = await jose.exportSPKI(pair.publicKey);
      const privateJwk = await jose.exportJWK(pair.privateKey);
      const publicJwk = await jose.exportJWK(pair.publicKey);
      // PEM names no algorithm: PS256 must be asked for; EC and Ed25519 follow from the key.
      const option = alg === 'PS256' ? { algorithm: alg } : {};

      const signers = [
        await importTokenKey(pkcs8, option),
        await importTokenKey({ ...privateJwk, alg }),
        await importTokenKey(pair.privateKey),
        await importTokenKey(createPrivateKey(pkcs8), option),
      ];
      const verifiers = [
        spki,
        { ...publicJwk, alg },
        pair.publicKey,
        createPublicKey(spki),
        ...signers, // a private key verifies through its public half
      ];
      for (const signer of signers) {
        expect(signer.algorithm).toBe(alg);
        const token = await createAccessToken({ sub: 'johndoe', scope: ['me', 'items'] }, { key: signer, expiresIn: 60 });
        expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg, typ: 'JWT' });
        const { payload } = await jose.jwtVerify(token, pair.publicKey, { algorithms: [alg] });
        expect(payload).toMatchObject({ sub: 'johndoe', scope: 'me items' });
        for (const key of verifiers) {
          const claims = await verifyAccessToken(token, { key: key as never, algorithms: [alg] });
          expect(claims.scopes).toEqual(['me', 'items']);
        }
      }
      const joseToken = await new jose.SignJWT({ sub: 'from-jose' })
        .setProtectedHeader({ alg })
        .setExpirationTime('1m')
        .sign(pair.privateKey);
      expect((await verifyAccessToken(joseToken, { key: spki, algorithms: [alg] })).sub).toBe('from-jose');
    });
  }

  it('HS256/384/512 from a string, bytes, a JWK, a CryptoKey and a KeyObject', async () => {
    const bytes = new TextEncoder().encode(SECRET);
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      const inputs = [
        SECRET,
        bytes,
        { kty: 'oct', k: Buffer.from(bytes).toString('base64url'), alg },
        await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, ['sign', 'verify']),
        createSecretKey(Buffer.from(bytes)),
      ];
      for (const input of inputs) {
        const key = await importTokenKey(input as never, { algorithm: alg });
        expect(key.kind).toBe('secret');
        const token = await createAccessToken({ sub: 'x' }, { key });
        expect(jsonwebtoken.verify(token, SECRET, { algorithms: [alg] })).toMatchObject({ sub: 'x' });
        expect((await verifyAccessToken(token, { key })).sub).toBe('x');
      }
    }
  });

  it('an RSA key imported without an algorithm verifies PS256 only when asked', async () => {
    const pair = await jose.generateKeyPair('PS256', { extractable: true });
    const spki = await jose.exportSPKI(pair.publicKey);
    const token = await new jose.SignJWT({ sub: 'p' }).setProtectedHeader({ alg: 'PS256' }).setExpirationTime('1m').sign(pair.privateKey);
    const key = await importTokenKey(spki);
    expect(key.algorithms).toEqual(['RS256']);
    expect(await rejection(verifyAccessToken(token, { key }))).toBeInstanceOf(InvalidTokenError);
    expect((await verifyAccessToken(token, { key, algorithms: ['PS256'] })).sub).toBe('p');
  });

  it('refuses a non-canonical base64url signature on the Web Crypto paths too', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variantOf = (token: string) => {
      const s = token.split('.')[2]!;
      const variant = s.slice(0, -1) + alphabet[alphabet.indexOf(s.at(-1)!) ^ 1];
      expect(Buffer.from(variant, 'base64url')).toEqual(Buffer.from(s, 'base64url')); // same bytes
      return token.slice(0, token.length - s.length) + variant;
    };
    const pair = await jose.generateKeyPair('ES256', { extractable: true });
    const es = await createAccessToken({ sub: 'a' }, { key: pair.privateKey });
    expect((await verifyAccessToken(es, { key: pair.publicKey })).sub).toBe('a');
    await expect(verifyAccessToken(variantOf(es), { key: pair.publicKey })).rejects.toBeInstanceOf(InvalidTokenError);
    const hmacKey = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    const hs = await createAccessToken({ sub: 'a' }, { key: hmacKey });
    expect((await verifyAccessToken(hs, { key: hmacKey })).sub).toBe('a');
    await expect(verifyAccessToken(variantOf(hs), { key: hmacKey })).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses weak or unusable keys with TokenKeyError', async () => {
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weakPem = weakRsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const pkcs1 = weakRsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const cases: unknown[] = [
      weakPem,
      pkcs1,
      'secret', // 6 bytes: RFC 7518 wants 32 for HS256
      'x'.repeat(31),
      '',
      new Uint8Array(0),
      { kty: 'oct', k: 'c2VjcmV0' },
      { kty: 'RSA', n: 'AQAB' },
      { kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' },
      { kty: 'oct', k: Buffer.from(SECRET).toString('base64url'), use: 'enc' },
      { keys: [] },
      { keys: 'nope' },
      42,
      null,
      undefined,
      [],
    ];
    for (const input of cases) {
      const error = await rejection(importTokenKey(input as never));
      expect(error, String(input).slice(0, 40)).toBeInstanceOf(TokenKeyError);
    }
    await expect(importTokenKey(SECRET, { algorithm: 'none' as never })).rejects.toBeInstanceOf(TokenKeyError);
    await expect(importTokenKey(SECRET, { algorithm: 'RS256' })).rejects.toBeInstanceOf(TokenKeyError);
    await expect(importTokenKey('x'.repeat(32), { algorithm: 'HS384' })).rejects.toBeInstanceOf(TokenKeyError);
    // The escape hatch for existing systems with short secrets.
    const short = await importTokenKey('secret', { allowShortSecret: true });
    const legacy = jsonwebtoken.sign({ sub: 'old' }, 'secret', { expiresIn: 60 });
    expect((await verifyAccessToken(legacy, { key: short })).sub).toBe('old');
  });

  it('a secret of 32 bytes serves HS256 but not HS512', async () => {
    const secret = 'k'.repeat(32);
    const hs512 = hmacToken({ alg: 'HS512' }, good, secret, 'sha512');
    const key = await importTokenKey(secret);
    await expect(verifyAccessToken(hs512, { key, algorithms: ['HS512'], currentDate: at(NOW) })).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
    expect((await verifyAccessToken(hmacToken(HS256, good, secret), { key, currentDate: at(NOW) })).sub).toBe('johndoe');
  });

  it('a public key cannot sign; a non-extractable private CryptoKey cannot verify', async () => {
    const pair = await jose.generateKeyPair('ES256');
    // A signing failure is not the 401 class: no token was presented.
    const refused = await rejection(createAccessToken({ sub: 'a' }, { key: pair.publicKey }));
    expect(refused).toBeInstanceOf(TokenSigningError);
    expect(refused).not.toBeInstanceOf(InvalidTokenError);
    expect((refused as TokenSigningError).code).toBe('ERR_TOKEN_SIGNING');
    const signOnly = await importTokenKey(pair.privateKey);
    expect(signOnly.canVerify).toBe(false);
    const token = await createAccessToken({ sub: 'a' }, { key: signOnly });
    await expect(verifyAccessToken(token, { key: signOnly })).rejects.toBeInstanceOf(TokenKeyError);
    expect((await verifyAccessToken(token, { key: pair.publicKey })).sub).toBe('a');
  });
});

describe('key sets and kid rotation', () => {
  let k1: TokenKey, k2: TokenKey, k3: TokenKey;
  let jwks: { keys: jose.JWK[] };
  let rotated: { keys: jose.JWK[] };

  beforeAll(async () => {
    const make = async (kid: string) => {
      const pair = await jose.generateKeyPair('ES256', { extractable: true });
      return { signer: await importTokenKey(pair.privateKey, { kid }), jwk: { ...(await jose.exportJWK(pair.publicKey)), kid, alg: 'ES256' } };
    };
    const [a, b, c] = await Promise.all([make('k1'), make('k2'), make('k3')]);
    [k1, k2, k3] = [a.signer, b.signer, c.signer];
    const encryptionKey = { kty: 'RSA', use: 'enc', kid: 'e1', n: 'AQAB', e: 'AQAB' };
    jwks = { keys: [a.jwk, b.jwk, encryptionKey as jose.JWK] };
    rotated = { keys: [b.jwk, c.jwk] };
  });

  it('puts the kid in the header and picks the key by kid', async () => {
    const set = await importTokenKey(jwks);
    expect(set.kind).toBe('keyset');
    expect(set.algorithms).toEqual(['ES256']);
    const t1 = await createAccessToken({ sub: 'one' }, { key: k1 });
    const t2 = await createAccessToken({ sub: 'two' }, { key: k2 });
    expect(jose.decodeProtectedHeader(t1)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
    expect(Buffer.from(t1.split('.')[0]!, 'base64url').toString()).toBe('{"alg":"ES256","kid":"k1","typ":"JWT"}');
    expect((await verifyAccessToken(t1, { key: set })).sub).toBe('one');
    expect((await verifyAccessToken(t2, { key: set })).sub).toBe('two');
    // jose's own key set agrees.
    expect((await jose.jwtVerify(t1, jose.createLocalJWKSet(jwks))).payload.sub).toBe('one');
  });

  it('rotation: the new set accepts the new key, keeps the shared one, refuses the retired one', async () => {
    const oldSet = await importTokenKey(jwks);
    const newSet = await importTokenKey(rotated);
    const t1 = await createAccessToken({ sub: 'one' }, { key: k1 });
    const t3 = await createAccessToken({ sub: 'three' }, { key: k3 });
    const t2 = await createAccessToken({ sub: 'two' }, { key: k2 });
    expect((await verifyAccessToken(t1, { key: oldSet })).sub).toBe('one'); // cached in the old set only
    await expect(verifyAccessToken(t1, { key: newSet })).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verifyAccessToken(t3, { key: oldSet })).rejects.toBeInstanceOf(InvalidTokenError);
    expect((await verifyAccessToken(t3, { key: newSet })).sub).toBe('three');
    expect((await verifyAccessToken(t2, { key: newSet })).sub).toBe('two');
  });

  it('a token naming no kid is refused when several keys could fit', async () => {
    const set = await importTokenKey(jwks);
    const noKid = await importTokenKey(await jose.exportJWK((await jose.generateKeyPair('ES256', { extractable: true })).privateKey));
    const token = await createAccessToken({ sub: 'x' }, { key: noKid });
    await expect(verifyAccessToken(token, { key: set })).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('a key set verifies only: signing with it is a TokenSigningError', async () => {
    await expect(createAccessToken({ sub: 'x' }, { key: jwks })).rejects.toBeInstanceOf(TokenSigningError);
  });

  it('remote JWK Set (jose createRemoteJWKSet) follows a rotation', async () => {
    const http = await import('node:http');
    let served = jwks;
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(served));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const remote = await importTokenKey(new URL(`http://127.0.0.1:${port}/jwks.json`), {
        remote: { cooldownDuration: 0 },
      });
      expect(remote.kind).toBe('remote');
      const t1 = await createAccessToken({ sub: 'one' }, { key: k1 });
      const t3 = await createAccessToken({ sub: 'three' }, { key: k3 });
      expect((await verifyAccessToken(t1, { key: remote })).sub).toBe('one');
      served = rotated;
      expect((await verifyAccessToken(t3, { key: remote })).sub).toBe('three'); // unknown kid: refetch
      await expect(verifyAccessToken(t1, { key: remote })).rejects.toBeInstanceOf(InvalidTokenError);
      // An HS256 token is refused before the resolver is asked.
      await expect(verifyAccessToken(hmacToken(HS256, good), { key: remote })).rejects.toBeInstanceOf(InvalidTokenError);
    } finally {
      server.close();
    }
  });

  it('an unreachable key set is a TokenKeyError, not a crash', async () => {
    const remote = await importTokenKey(new URL('http://127.0.0.1:9/jwks.json'), { remote: { timeoutDuration: 500 } });
    const token = await createAccessToken({ sub: 'one' }, { key: k1 });
    await expect(verifyAccessToken(token, { key: remote })).rejects.toBeInstanceOf(TokenKeyError);
  });
});

describe('createAccessToken options and claims', () => {
  const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

  it('expiresIn accepts durations and seconds', async () => {
    const cases: Array<[number | string, number]> = [
      ['30m', 1800], ['1h', 3600], ['15s', 15], ['2d', 172800], ['2 days', 172800], ['1w', 604800], [90, 90], [1.5, 1],
    ];
    for (const [expiresIn, seconds] of cases) {
      const token = await createAccessToken({ sub: 'a' }, { key: SECRET, expiresIn, currentDate: at(NOW) });
      expect(decode(token).exp, String(expiresIn)).toBe(NOW + seconds);
    }
    for (const expiresIn of ['banana', '10 parsecs', '-5m', 0, -1, Number.NaN, Infinity, null]) {
      await expect(
        createAccessToken({ sub: 'a' }, { key: SECRET, expiresIn: expiresIn as never }),
        String(expiresIn),
      ).rejects.toBeInstanceOf(ConfigurationError);
    }
  });

  it('registered claims from options, in a stable order, and conflicts refused', async () => {
    const token = await createAccessToken(
      { sub: 'a', role: 'admin' },
      { key: SECRET, issuer: 'iss', audience: ['x', 'y'], notBefore: '1m', issuedAt: true, jwtId: 'id-1', currentDate: at(NOW) },
    );
    const payload = decode(token);
    expect(Object.keys(payload)).toEqual(['sub', 'role', 'iss', 'aud', 'nbf', 'iat', 'jti', 'exp']);
    expect(payload).toEqual({ sub: 'a', role: 'admin', iss: 'iss', aud: ['x', 'y'], nbf: NOW + 60, iat: NOW, jti: 'id-1', exp: NOW + 900 });
    await expect(createAccessToken({ sub: 'a', iss: 'one' }, { key: SECRET, issuer: 'two' })).rejects.toMatchObject({ code: 'ERR_TOKEN_SIGNING', claim: 'iss' });
    await expect(createAccessToken({ sub: 'a', exp: NOW + 5 }, { key: SECRET, expiresIn: 60 })).rejects.toBeInstanceOf(TokenSigningError);
    const explicit = await createAccessToken({ sub: 'a', exp: NOW + 5 }, { key: SECRET });
    expect(decode(explicit).exp).toBe(NOW + 5);
  });

  it('refuses claims it could not verify later', async () => {
    const bad: unknown[] = [
      {},
      { sub: '' },
      { sub: 5 },
      { sub: 'a', exp: 'soon' },
      { sub: 'a', exp: Infinity },
      { sub: 'a', nbf: null },
      { sub: 'a', iss: 1 },
      { sub: 'a', aud: [1] },
      { sub: 'a', scope: ['has space'] },
      { sub: 'a', scope: [''] },
      { sub: 'a', scope: 5 },
      { sub: 'a', big: 1n },
      { sub: 'a', blob: 'x'.repeat(9000) },
      null,
      'sub',
      new Map([['sub', 'a']]),
    ];
    for (const claims of bad) {
      await expect(createAccessToken(claims as never, { key: SECRET }), JSON.stringify(claims, (_k, v) => (typeof v === 'bigint' ? 'n' : v))?.slice(0, 40))
        .rejects.toBeInstanceOf(TokenSigningError);
    }
  });

  it('a "__proto__" claim stays an ordinary claim', async () => {
    const claims = JSON.parse('{"sub":"a","__proto__":{"admin":true}}');
    const token = await createAccessToken(claims, { key: SECRET });
    expect(Buffer.from(token.split('.')[1]!, 'base64url').toString()).toContain('"__proto__":{"admin":true}');
    const verified = await verifyAccessToken(token, { key: SECRET });
    expect(Object.getPrototypeOf(verified)).toBe(Object.prototype);
    expect((verified as Record<string, unknown>).admin).toBeUndefined();
  });
});

/**
 * Everything a verifier must refuse. Run on the node:crypto path and on the portable Web Crypto
 * path: both must agree exactly.
 */
function rejectionCases(rsaPem: string) {
  const body = b64(JSON.stringify(good));
  const signed = hmacToken(HS256, good);
  const [h, p, s] = signed.split('.') as [string, string, string];
  const sigOf = (input: string, hash = 'sha256', secret: string | Buffer = SECRET) => createHmac(hash, secret).update(input).digest('base64url');
  const withHeader = (header: unknown) => {
    const input = `${b64(json(header))}.${body}`;
    return `${input}.${sigOf(input)}`;
  };
  const withPayload = (payload: string) => {
    const input = `${h}.${b64(payload)}`;
    return `${input}.${sigOf(input)}`;
  };
  // The last character of a 43-character signature carries 2 unused bits: setting one keeps the bytes.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const nonCanonical = s.slice(0, -1) + alphabet[alphabet.indexOf(s.at(-1)!) | 1];
  const cases: Array<[string, unknown, new (...args: never[]) => Error]> = [
    ['alg none', `${b64('{"alg":"none","typ":"JWT"}')}.${body}.`, InvalidTokenError],
    ['alg None', `${b64('{"alg":"None"}')}.${body}.`, InvalidTokenError],
    ['alg NONE', `${b64('{"alg":"NONE"}')}.${body}.`, InvalidTokenError],
    ['alg none with an HMAC signature', withHeader({ alg: 'none' }), InvalidTokenError],
    ['alg hs256 (case matters)', withHeader({ alg: 'hs256' }), InvalidTokenError],
    ['HS512 when HS256 is expected', hmacToken({ alg: 'HS512' }, good, SECRET, 'sha512'), InvalidTokenError],
    ['RS256 header on an HMAC key', withHeader({ alg: 'RS256' }), InvalidTokenError],
    ['HS256 signed with the RSA public key PEM (confusion)', hmacToken(HS256, good, rsaPem), InvalidTokenError],
    ['wrong secret', hmacToken(HS256, good, SECRET + '!'), InvalidTokenError],
    ['tampered payload', `${h}.${b64(JSON.stringify({ ...good, sub: 'admin' }))}.${s}`, InvalidTokenError],
    ['truncated signature', `${h}.${p}.${s.slice(0, -2)}`, InvalidTokenError],
    ['empty signature', `${h}.${p}.`, InvalidTokenError],
    ['padded signature', `${h}.${p}.${s}=`, InvalidTokenError],
    ['non-canonical signature', `${h}.${p}.${nonCanonical}`, InvalidTokenError],
    ['signature in base64 (+/)', `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`, InvalidTokenError],
    ['payload with a character outside base64url', `${h}.${p.slice(0, -1)}*.${s}`, InvalidTokenError],
    ['payload with non-ASCII text', `${h}.${p}\u0100.${s}`, InvalidTokenError],
    ['header with padding', `${h}=.${p}.${s}`, InvalidTokenError],
    ['header of length 4n+1', `${h}A.${p}.${s}`, InvalidTokenError],
    ['header not JSON', withHeader('{alg:HS256}'), InvalidTokenError],
    ['header a JSON array', withHeader('["HS256"]'), InvalidTokenError],
    ['header without alg', withHeader({ typ: 'JWT' }), InvalidTokenError],
    ['header alg a number', withHeader({ alg: 256 }), InvalidTokenError],
    ['header kid a number', withHeader({ alg: 'HS256', kid: 7 }), InvalidTokenError],
    ['header crit with an unknown extension', withHeader({ alg: 'HS256', crit: ['exp'], exp: 1 }), InvalidTokenError],
    ['header crit empty', withHeader({ alg: 'HS256', crit: [] }), InvalidTokenError],
    ['header crit b64 false', withHeader({ alg: 'HS256', crit: ['b64'], b64: false }), InvalidTokenError],
    ['header invalid UTF-8', `${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${p}.${s}`, InvalidTokenError],
    ['payload invalid UTF-8', withPayload(Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')), InvalidTokenError],
    ['payload a JSON array', withPayload('["sub"]'), InvalidTokenError],
    ['payload a JSON string', withPayload('"johndoe"'), InvalidTokenError],
    ['payload not JSON', withPayload('{sub:johndoe}'), InvalidTokenError],
    ['expired (exp = now)', hmacToken(HS256, { sub: 'a', exp: NOW }), TokenExpiredError],
    ['expired (exp < now)', hmacToken(HS256, { sub: 'a', exp: NOW - 100 }), TokenExpiredError],
    ['nbf in the future', hmacToken(HS256, { ...good, nbf: NOW + 1 }), TokenNotYetValidError],
    ['iat in the future', hmacToken(HS256, { ...good, iat: NOW + 1 }), TokenNotYetValidError],
    ['no sub', hmacToken(HS256, { exp: NOW + 60 }), TokenClaimError],
    ['empty sub', hmacToken(HS256, { sub: '', exp: NOW + 60 }), TokenClaimError],
    ['numeric sub', hmacToken(HS256, { sub: 1, exp: NOW + 60 }), TokenClaimError],
    ['list sub', hmacToken(HS256, { sub: ['a'], exp: NOW + 60 }), TokenClaimError],
    ['no exp', hmacToken(HS256, { sub: 'a' }), TokenClaimError],
    ['string exp', hmacToken(HS256, { sub: 'a', exp: String(NOW + 60) }), TokenClaimError],
    ['null exp', hmacToken(HS256, { sub: 'a', exp: null }), TokenClaimError],
    ['list exp', hmacToken(HS256, { sub: 'a', exp: [NOW + 60] }), TokenClaimError],
    ['object exp', hmacToken(HS256, { sub: 'a', exp: { t: 1 } }), TokenClaimError],
    ['boolean exp', hmacToken(HS256, { sub: 'a', exp: true }), TokenClaimError],
    ['infinite exp (1e999)', hmacToken(HS256, `{"sub":"a","exp":1e999}`), TokenClaimError],
    ['string nbf', hmacToken(HS256, { ...good, nbf: '0' }), TokenClaimError],
    ['null iat', hmacToken(HS256, { ...good, iat: null }), TokenClaimError],
    ['numeric iss', hmacToken(HS256, { ...good, iss: 5 }), TokenClaimError],
    ['numeric jti', hmacToken(HS256, { ...good, jti: 5 }), TokenClaimError],
    ['aud when none is expected', hmacToken(HS256, { ...good, aud: 'api' }), TokenClaimError],
    ['aud of numbers', hmacToken(HS256, { ...good, aud: [1] }), TokenClaimError],
    ['two segments', `${h}.${p}`, InvalidTokenError],
    ['four segments', `${h}.${p}.${s}.${s}`, InvalidTokenError],
    ['one segment', h, InvalidTokenError],
    ['empty string', '', InvalidTokenError],
    ['only dots', '..', InvalidTokenError],
    ['leading space', ` ${signed}`, InvalidTokenError],
    ['oversized', `${h}.${b64(JSON.stringify({ ...good, pad: 'x'.repeat(7000) }))}.${s}`, InvalidTokenError],
    ['undefined', undefined, InvalidTokenError],
    ['null', null, InvalidTokenError],
    ['a number', 42, InvalidTokenError],
    ['an object', { token: signed }, InvalidTokenError],
    ['bytes', Buffer.from(signed), InvalidTokenError],
  ];
  return { cases, signed };
}

const rsaPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PUBLIC_PEM = rsaPair.publicKey.export({ type: 'spki', format: 'pem' }) as string;

describe.each([
  ['node:crypto', undefined],
  ['portable Web Crypto', null],
] as const)('verification rules on the %s path', (_name, nodeCryptoOverride) => {
  let key: TokenKey;
  beforeAll(async () => {
    setNodeCryptoForTesting(nodeCryptoOverride);
    key = await importTokenKey(SECRET, { cache: false });
  });
  afterAll(() => setNodeCryptoForTesting(undefined));

  const { cases, signed } = rejectionCases(RSA_PUBLIC_PEM);

  it('accepts the well-formed token', async () => {
    expect(await verifyAccessToken(signed, { key, currentDate: at(NOW) })).toMatchObject(good);
  });

  for (const [why, token, errorClass] of cases) {
    it(`refuses: ${why}`, async () => {
      const error = await rejection(verifyAccessToken(token, { key, currentDate: at(NOW) }));
      expect(error).toBeInstanceOf(errorClass);
      expect(error).toBeInstanceOf(InvalidTokenError);
      // No token text, no secret, no claim value in what gets logged.
      const text = `${error.message} ${String(error)} ${JSON.stringify(error)}`;
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('johndoe');
      if (typeof token === 'string') {
        for (const part of token.split('.')) if (part.length > 8) expect(text).not.toContain(part);
      }
    });
  }

  it('signs exactly as the other path does (HMAC is deterministic)', async () => {
    const token = await createAccessToken({ sub: 'johndoe' }, { key, expiresIn: 600, currentDate: at(NOW) });
    expect(token).toBe(hmacToken(HS256, good));
  });

  it('the RSA public key refuses the confusion token even when HS256 is allowed explicitly', async () => {
    const rsaKey = await importTokenKey(RSA_PUBLIC_PEM);
    const forged = hmacToken(HS256, good, RSA_PUBLIC_PEM);
    for (const algorithms of [undefined, ['HS256'] as TokenAlgorithm[]]) {
      await expect(verifyAccessToken(forged, { key: rsaKey, algorithms, currentDate: at(NOW) })).rejects.toBeInstanceOf(
        InvalidTokenError,
      );
    }
    await expect(importTokenKey(RSA_PUBLIC_PEM, { algorithm: 'HS256' })).rejects.toBeInstanceOf(TokenKeyError);
    await expect(importTokenKey(new TextEncoder().encode(RSA_PUBLIC_PEM))).rejects.toBeInstanceOf(TokenKeyError);
  });

  it('clockTolerance stretches exp, nbf and iat alike', async () => {
    const options = { key, currentDate: at(NOW), clockTolerance: 30 };
    expect((await verifyAccessToken(hmacToken(HS256, { sub: 'a', exp: NOW - 29 }), options)).sub).toBe('a');
    await expect(verifyAccessToken(hmacToken(HS256, { sub: 'a', exp: NOW - 30 }), options)).rejects.toBeInstanceOf(TokenExpiredError);
    expect((await verifyAccessToken(hmacToken(HS256, { ...good, nbf: NOW + 30 }), options)).sub).toBe('johndoe');
    expect((await verifyAccessToken(hmacToken(HS256, { ...good, iat: NOW + 30 }), { ...options, clockTolerance: '30s' })).sub).toBe(
      'johndoe',
    );
    await expect(verifyAccessToken(hmacToken(HS256, { ...good, iat: NOW + 31 }), options)).rejects.toBeInstanceOf(
      TokenNotYetValidError,
    );
  });

  it('issuer and audience rules', async () => {
    const token = hmacToken(HS256, { ...good, iss: 'https://a', aud: ['api', 'web'] });
    const base = { key, currentDate: at(NOW) };
    expect((await verifyAccessToken(token, { ...base, issuer: 'https://a', audience: 'web' })).sub).toBe('johndoe');
    expect((await verifyAccessToken(token, { ...base, issuer: ['x', 'https://a'], audience: ['x', 'api'] })).sub).toBe('johndoe');
    for (const options of [
      { issuer: 'https://b', audience: 'api' },
      { issuer: 'https://a', audience: 'other' },
      { issuer: 'https://a' }, // aud present, none expected (PyJWT's rule)
    ]) {
      await expect(verifyAccessToken(token, { ...base, ...options })).rejects.toBeInstanceOf(TokenClaimError);
    }
    const plain = hmacToken(HS256, good);
    await expect(verifyAccessToken(plain, { ...base, issuer: 'https://a' })).rejects.toBeInstanceOf(TokenClaimError);
    await expect(verifyAccessToken(plain, { ...base, audience: 'api' })).rejects.toBeInstanceOf(TokenClaimError);
  });

  it('requireExp: false accepts a token without exp', async () => {
    const token = hmacToken(HS256, { sub: 'a' });
    expect((await verifyAccessToken(token, { key, requireExp: false })).sub).toBe('a');
  });

  it('maxTokenSize bounds the token before parsing', async () => {
    const big = hmacToken(HS256, { ...good, pad: 'x'.repeat(7000) });
    expect(big.length).toBeGreaterThan(8192);
    await expect(verifyAccessToken(big, { key, currentDate: at(NOW) })).rejects.toBeInstanceOf(InvalidTokenError);
    expect((await verifyAccessToken(big, { key, currentDate: at(NOW), maxTokenSize: 16384 })).sub).toBe('johndoe');
    await expect(verifyAccessToken(signed, { key, currentDate: at(NOW), maxTokenSize: 100 })).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('reads UTF-8 claims, U+FFFD included', async () => {
    const claims = await verifyAccessToken(hmacToken(HS256, { ...good, name: 'Zo\u00eb \u{1F600} \uFFFD' }), { key, currentDate: at(NOW) });
    expect(claims.name).toBe('Zo\u00eb \u{1F600} \uFFFD');
  });

  it('returns deep-frozen claims', async () => {
    const claims = await verifyAccessToken(hmacToken(HS256, { ...good, profile: { roles: ['a'] } }), { key, currentDate: at(NOW) });
    expect(Object.isFrozen(claims)).toBe(true);
    expect(Object.isFrozen(claims.profile)).toBe(true);
    expect(Object.isFrozen((claims.profile as { roles: string[] }).roles)).toBe(true);
    expect(() => ((claims as { sub: string }).sub = 'admin')).toThrow(TypeError);
  });
});

describe('option checking', () => {
  it('bad options are configuration errors, never "valid"', async () => {
    const token = hmacToken(HS256, good);
    const bad: unknown[] = [
      { key: SECRET, algorithms: ['none'] },
      { key: SECRET, algorithms: [] },
      { key: SECRET, algorithms: 'HS256' },
      { key: SECRET, clockTolerance: -1 },
      { key: SECRET, clockTolerance: 'soon' },
      { key: SECRET, issuer: 5 },
      { key: SECRET, audience: [5] },
      { key: SECRET, requireExp: 'no' },
      { key: SECRET, maxTokenSize: 0 },
      { key: SECRET, currentDate: 'now' },
      { key: undefined },
      {},
      null,
    ];
    for (const options of bad) {
      const error = await rejection(verifyAccessToken(token, options as never));
      expect(error, JSON.stringify(options)).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(InvalidTokenError);
      expect(error instanceof ConfigurationError || error instanceof TokenKeyError, JSON.stringify(options)).toBe(true);
    }
  });

  it('every error is a typed TokenError with a stable code', async () => {
    const codes = new Set<string>();
    const token = hmacToken(HS256, { sub: 'a', exp: NOW - 1 });
    for (const [tok, opts] of [
      [token, {}],
      [hmacToken(HS256, { ...good, nbf: NOW + 9 }), {}],
      [hmacToken(HS256, { exp: NOW + 9 }), {}],
      ['x', {}],
    ] as const) {
      const error = await rejection(verifyAccessToken(tok, { key: SECRET, currentDate: at(NOW), ...opts }));
      expect(error).toBeInstanceOf(TokenError);
      codes.add((error as TokenError).code);
    }
    expect([...codes].sort()).toEqual(['ERR_TOKEN_CLAIM', 'ERR_TOKEN_EXPIRED', 'ERR_TOKEN_INVALID', 'ERR_TOKEN_NOT_YET_VALID']);
    expect(new TokenKeyError('x').code).toBe('ERR_TOKEN_KEY');
  });
});
