/**
 * The key ring: phases on a fake clock, the encryption of private keys at rest (wrong secret and
 * tampered rows are typed errors; no private member in a row), and what the handler publishes.
 */
import { generateKeyPair, exportPKCS8, exportJWK, jwtVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { ConfigurationError } from '../../../src/errors.js';
import {
  createAccessToken,
  createKeyRing,
  createMemoryKeyRingStore,
  InvalidTokenError,
  KeyRingError,
  TokenKeyError,
  verifyAccessToken,
  type KeyRingStore,
  type StoredSigningKey,
} from '../../../src/tokens/index.js';
import { BASE, KEY, context, loginRequest, makeUsers } from '../../helpers/http.js';

const SECRET = 'a'.repeat(16) + 'b'.repeat(16) + 'key-encryption';
const OTHER_SECRET = 'z'.repeat(48);
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function fakeClock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (seconds: number) => (now += seconds * 1000) };
}

/** A memory store whose rows the test can see and alter. */
function visibleStore(): KeyRingStore & { rows: StoredSigningKey[] } {
  const rows: StoredSigningKey[] = [];
  return {
    rows,
    listKeys: () => rows.map((row) => ({ ...row })),
    addKey: (row) => void rows.push({ ...row }),
    removeKeys: (kids) => {
      for (const kid of kids) rows.splice(rows.findIndex((row) => row.kid === kid), 1);
    },
  };
}

async function sign(ring: ReturnType<typeof createKeyRing>, sub = 'alice'): Promise<string> {
  const { signing } = await ring.current();
  return createAccessToken({ sub }, { key: signing!, expiresIn: 60 });
}

async function accepts(ring: ReturnType<typeof createKeyRing>, token: string, now: number): Promise<boolean> {
  const { verifying } = await ring.current();
  try {
    await verifyAccessToken(token, { key: verifying!, currentDate: new Date(now) });
    return true;
  } catch {
    return false;
  }
}

describe('key ring phases (fake clock)', () => {
  it('add -> rotate: published for publishFor, then signing; the old key retired until maxTokenAge, then gone', async () => {
    const clock = fakeClock();
    const store = visibleStore();
    const ring = createKeyRing({ store, secret: SECRET, now: clock.now, publishFor: 600, maxTokenAge: 1800, refreshInterval: 1 });
    await ring.ready;
    expect((await ring.current()).signing).toBeNull();

    const first = await ring.add({ algorithm: 'ES256' });
    expect(first.phase).toBe('signing'); // the first key of an empty ring signs at once
    const oldToken = await sign(ring);
    expect(decodeProtectedHeader(oldToken)).toEqual({ alg: 'ES256', kid: first.kid, typ: 'JWT' });

    clock.advance(100);
    const second = await ring.rotate({ algorithm: 'EdDSA' });
    expect(second.phase).toBe('published');
    expect(second.activatesAt - second.createdAt).toBe(600);
    let state = await ring.current();
    expect(state.signing!.kid).toBe(first.kid); // still the old key
    expect(state.jwks.keys.map((key) => key.kid)).toEqual([first.kid, second.kid]); // new one already published
    expect(Object.fromEntries((await ring.list()).map((key) => [key.kid, key.phase]))).toEqual({ [first.kid]: 'signing', [second.kid]: 'published' });

    clock.advance(599);
    expect((await ring.current()).signing!.kid).toBe(first.kid);
    clock.advance(1);
    state = await ring.current();
    expect(state.signing!.kid).toBe(second.kid);
    const newToken = await sign(ring);
    expect(decodeProtectedHeader(newToken)).toMatchObject({ alg: 'EdDSA', kid: second.kid });
    expect(Object.fromEntries((await ring.list()).map((key) => [key.kid, key.phase]))).toEqual({ [first.kid]: 'retired', [second.kid]: 'signing' });
    // The retired key still verifies what it signed.
    const retired = (await ring.list()).find((key) => key.kid === first.kid)!;
    expect(retired.retiresAt).toBe(second.activatesAt);
    expect(retired.removedAt).toBe(second.activatesAt + 1800);
    expect(state.jwks.keys.map((key) => key.kid)).toEqual([first.kid, second.kid]);

    clock.advance(1799);
    expect((await ring.current()).jwks.keys.map((key) => key.kid)).toEqual([first.kid, second.kid]);
    clock.advance(1);
    state = await ring.current();
    expect(state.jwks.keys.map((key) => key.kid)).toEqual([second.kid]);
    expect((await ring.list()).find((key) => key.kid === first.kid)!.phase).toBe('gone');
    // A token of the gone key is refused (its kid is no longer in the set).
    const { verifying } = state;
    await expect(verifyAccessToken(oldToken, { key: verifying!, currentDate: new Date(clock.now() - 2500_000) })).rejects.toBeInstanceOf(InvalidTokenError);

    // rotate prunes gone keys from the store.
    await ring.rotate();
    expect(store.rows.map((row) => row.kid)).not.toContain(first.kid);
    expect(store.rows).toHaveLength(2);
  });

  it('every token verifies at every moment of a rotation (second by second)', async () => {
    const clock = fakeClock();
    const ring = createKeyRing({ store: createMemoryKeyRingStore(), secret: SECRET, now: clock.now, publishFor: 5, maxTokenAge: 10, refreshInterval: 1 });
    await ring.add();
    const tokens: Array<{ token: string; exp: number }> = [];
    for (let second = 0; second < 40; second++) {
      if (second === 3 || second === 20) await ring.rotate();
      tokens.push({ token: await createAccessToken({ sub: 'a' }, { key: (await ring.current()).signing!, expiresIn: 10, currentDate: new Date(clock.now()) }), exp: clock.now() + 10_000 });
      for (const { token, exp } of tokens) if (exp > clock.now()) expect(await accepts(ring, token, clock.now())).toBe(true);
      clock.advance(1);
    }
  });

  it('a second ring on the same store picks up a rotation within refreshInterval', async () => {
    const clock = fakeClock();
    const store = createMemoryKeyRingStore();
    const admin = createKeyRing({ store, secret: SECRET, now: clock.now, publishFor: 60 });
    const server = createKeyRing({ store, secret: SECRET, now: clock.now, publishFor: 60, refreshInterval: 10 });
    const first = await admin.add();
    await server.ready;
    expect((await server.current()).signing).toBeNull(); // read before the add
    clock.advance(10);
    await server.current(); // starts the background re-read
    await server.refresh();
    expect((await server.current()).signing!.kid).toBe(first.kid);
    const second = await admin.rotate();
    clock.advance(10);
    await server.current();
    await server.refresh();
    expect((await server.current()).jwks.keys.map((key) => key.kid)).toContain(second.kid);
  });

  it('a failing store keeps the keys read last and is reported', async () => {
    const clock = fakeClock();
    const inner = createMemoryKeyRingStore();
    let down = false;
    const errors: unknown[] = [];
    const store: KeyRingStore = { ...inner, listKeys: () => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.listKeys()) };
    const ring = createKeyRing({ store, secret: SECRET, now: clock.now, refreshInterval: 1, onError: (error) => errors.push(error) });
    const key = await ring.add();
    down = true;
    clock.advance(5);
    expect((await ring.current()).signing!.kid).toBe(key.kid);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(KeyRingError);
    expect((errors[0] as KeyRingError).reason).toBe('store');
  });

  it('refuses a store of the wrong shape and malformed rows with KeyRingError', async () => {
    expect(() => createKeyRing({ store: {} as KeyRingStore, secret: SECRET })).toThrow(KeyRingError);
    const bad = createKeyRing({ store: { listKeys: () => [{ kid: 'x' }] as never, addKey: () => {}, removeKeys: () => {} }, secret: SECRET });
    await expect(bad.ready).rejects.toMatchObject({ reason: 'store', code: 'ERR_TOKEN_KEY' });
    const notArray = createKeyRing({ store: { listKeys: () => ({ then: (f: (v: unknown) => void) => f('nope') }) as never, addKey: () => {}, removeKeys: () => {} }, secret: SECRET });
    await expect(notArray.ready).rejects.toBeInstanceOf(KeyRingError);
  });
});

describe('private keys at rest', () => {
  it('no private member or plaintext in a stored row; each algorithm round-trips', async () => {
    for (const algorithm of ['ES256', 'EdDSA', 'RS256'] as const) {
      const store = visibleStore();
      const ring = createKeyRing({ store, secret: SECRET });
      const info = await ring.add({ algorithm });
      const row = store.rows[0]!;
      const publicJwk = JSON.parse(row.publicJwk) as Record<string, unknown>;
      for (const name of PRIVATE_MEMBERS) expect(publicJwk).not.toHaveProperty(name);
      expect(row.privateKey).toMatch(/^gh1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      // Decrypt-free check: the private scalar appears nowhere in the row.
      const { privateKey } = (await ring.current()).signing as unknown as { slots: Array<{ sign: unknown }> } & { privateKey?: unknown };
      expect(privateKey).toBeUndefined();
      expect(JSON.stringify(row)).not.toMatch(/"d"/);
      const token = await sign(ring);
      const claims = await jwtVerify(token, createLocalJWKSet((await ring.current()).jwks as never));
      expect(claims.protectedHeader).toMatchObject({ alg: algorithm, kid: info.kid });
    }
  });

  it('a wrong secret is KeyRingError wrong-secret; a too short one is refused', async () => {
    const store = visibleStore();
    await createKeyRing({ store, secret: SECRET }).add();
    const other = createKeyRing({ store, secret: OTHER_SECRET });
    await expect(other.ready).rejects.toMatchObject({ name: 'KeyRingError', reason: 'wrong-secret' });
    await expect(other.ready).rejects.toBeInstanceOf(TokenKeyError);
    await expect(createKeyRing({ store, secret: 'short' }).ready).rejects.toMatchObject({ reason: 'secret' });
  });

  it('a tampered row is KeyRingError tampered: ciphertext, public key, alg, kid swapped', async () => {
    const source = visibleStore();
    const ring = createKeyRing({ store: source, secret: SECRET });
    await ring.add({ algorithm: 'ES256' });
    await ring.add({ algorithm: 'ES256' });
    const [a, b] = source.rows as [StoredSigningKey, StoredSigningKey];
    const flip = (text: string) => {
      const last = text.at(-2) === 'A' ? 'B' : 'A';
      return text.slice(0, -2) + last + text.slice(-1);
    };
    const variants: StoredSigningKey[] = [
      { ...a, privateKey: flip(a.privateKey) },
      { ...a, publicJwk: b.publicJwk },
      { ...a, privateKey: b.privateKey },
      { ...a, kid: b.kid + 'x' },
      { ...a, privateKey: 'gh1.nope' },
    ];
    for (const row of variants) {
      const store = visibleStore();
      store.rows.push(row);
      const error = await createKeyRing({ store, secret: SECRET }).ready.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(KeyRingError);
      expect((error as KeyRingError).reason).toBe('tampered');
      if (row.privateKey.length > 30) expect((error as Error).message).not.toContain(row.privateKey.slice(10, 30));
    }
  });
});

describe('the handler publishes keys', () => {
  const users = makeUsers();

  it('serves the ring\'s public keys with kid, alg, use and Cache-Control; tokens carry the kid', async () => {
    const ring = createKeyRing({ store: createMemoryKeyRingStore(), secret: SECRET });
    const es = await ring.add({ algorithm: 'ES256' });
    const h = createAuthHandler({ users, key: ring, context });
    await h.auth.ready;
    const response = await h(new Request(`${BASE}/.well-known/jwks.json`));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: es.kid, alg: 'ES256', use: 'sig' });
    expect(Object.keys(body.keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const login = await h(loginRequest({ username: 'johndoe', password: 'secret' }));
    const { access_token: token } = (await login.json()) as { access_token: string };
    expect(decodeProtectedHeader(token).kid).toBe(es.kid);
    const me = await h(new Request(`${BASE}/users/me/`, { headers: { authorization: `Bearer ${token}` } }));
    expect(me.status).toBe(200);
    const verified = await jwtVerify(token, createLocalJWKSet(body as never));
    expect(verified.payload.sub).toBe('johndoe');
    const head = await h(new Request(`${BASE}/.well-known/jwks.json`, { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('an RSA private key (PEM) is published without p, q, d...; its tokens carry its thumbprint as kid', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const h = createAuthHandler({ users, key: pem, context, paths: { jwks: '/keys' } });
    const body = (await (await h(new Request(`${BASE}/keys`))).json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toHaveLength(1);
    for (const name of PRIVATE_MEMBERS) expect(body.keys[0]).not.toHaveProperty(name);
    expect(Object.keys(body.keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    const full = await exportJWK(privateKey);
    expect(body.keys[0]!.n).toBe(full.n);
    const login = await h(loginRequest({ username: 'johndoe', password: 'secret' }));
    const { access_token: token } = (await login.json()) as { access_token: string };
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: body.keys[0]!.kid, typ: 'JWT' });
    await jwtVerify(token, createLocalJWKSet(body as never));
    expect((await h(new Request(`${BASE}/.well-known/jwks.json`))).status).toBe(404);
  });

  it('an HS256 secret publishes nothing: 404 as before, POST too', async () => {
    const h = createAuthHandler({ users, key: KEY, context });
    const response = await h(new Request(`${BASE}/.well-known/jwks.json`));
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('{"detail":"Not Found"}');
    expect((await h(new Request(`${BASE}/.well-known/jwks.json`, { method: 'POST' }))).status).toBe(404);
  });

  it('routes: { jwks: false } leaves the route out', async () => {
    const ring = createKeyRing({ store: createMemoryKeyRingStore(), secret: SECRET });
    await ring.add();
    const h = createAuthHandler({ users, key: ring, context, routes: { jwks: false } });
    expect((await h(new Request(`${BASE}/.well-known/jwks.json`))).status).toBe(404);
  });

  it('a token naming a kid not read yet makes one re-read (at most once a second), then verifies', async () => {
    const store = createMemoryKeyRingStore();
    const admin = createKeyRing({ store, secret: SECRET, publishFor: 0 });
    await admin.add();
    const server = createKeyRing({ store, secret: SECRET, refreshInterval: 3600 });
    const issuer = createAuthHandler({ users, key: admin, context });
    const verifier = createAuthHandler({ users, key: server, context });
    await verifier.auth.ready;
    await admin.rotate(); // signs at once (publishFor 0): the verifier has not read it
    const login = await issuer(loginRequest({ username: 'johndoe', password: 'secret' }));
    const { access_token: token } = (await login.json()) as { access_token: string };
    expect((await verifier(new Request(`${BASE}/users/me/`, { headers: { authorization: `Bearer ${token}` } }))).status).toBe(200);
    // Random kids do not make a read each: the second unknown kid within the second is refused at once.
    const [h, p, sig] = token.split('.') as [string, string, string];
    const forged = (kid: string) => `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url').toString()), kid })).toString('base64url')}.${p}.${sig}`;
    let reads = 0;
    const counting = createKeyRing({ store: { ...store, listKeys: () => (reads++, store.listKeys()) }, secret: SECRET, refreshInterval: 3600 });
    const guarded = createAuthHandler({ users, key: counting, context });
    await guarded.auth.ready;
    const before = reads;
    for (const kid of ['a', 'b', 'c', 'd']) {
      expect((await guarded(new Request(`${BASE}/users/me/`, { headers: { authorization: `Bearer ${forged(kid)}` } }))).status).toBe(401);
    }
    expect(reads - before).toBe(1);
  });

  it('refuses bad options with ConfigurationError', () => {
    const store = createMemoryKeyRingStore();
    expect(() => createKeyRing({ store, secret: SECRET, publishFor: -1 })).toThrow(ConfigurationError);
    expect(() => createKeyRing({ store, secret: SECRET, refreshInterval: 0 })).toThrow(ConfigurationError);
    expect(() => createKeyRing({ store, secret: SECRET, algorithm: 'HS256' as never })).toThrow(ConfigurationError);
  });

  it('a ring with no signing key answers logins 503, ready rejects', async () => {
    const ring = createKeyRing({ store: createMemoryKeyRingStore(), secret: SECRET });
    const h = createAuthHandler({ users, key: ring, context, onError: () => {} });
    await expect(h.auth.ready).rejects.toMatchObject({ reason: 'empty' });
    expect((await h(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(503);
  });
});
