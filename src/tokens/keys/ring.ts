/**
 * A key ring: asymmetric signing keys that rotate without a failed verification anywhere.
 *
 * A key goes through three phases, all decided by times stored with it (so every server sharing the
 * store agrees without talking to the others):
 * - published: in the JSON Web Key Set, not yet signing, from its creation until `activatesAt`
 *   (at least `publishFor`: verifiers that cached the set before it was added fetch it again by then);
 * - signing: the newest key whose `activatesAt` has passed signs every new token;
 * - retired: once a newer key signs, still published (and accepted) until the longest token it
 *   signed has expired, its retire time plus `maxTokenAge`; then gone (pruned by `rotate`).
 *
 * Private keys are stored encrypted (key-encryption.ts). A ring re-reads its store every
 * `refreshInterval` seconds at most, in the background, so a rotation made by another process
 * (`gatehouse keys rotate`) is picked up.
 */
import { exportJWK, type JWK } from 'jose';
import { ConfigurationError } from '../../errors.js';
import { isPlainObject } from './jwks.js';
import { importKey } from './dispatch.js';
import { createKeyEncryption, type KeyEncryption } from './key-encryption.js';
import { jwkThumbprint, keySetOf } from './publish.js';
import { KeyRingError } from './ring-errors.js';
import type { TokenKey, TokenKeyImpl, TokenKeySet } from './token-key.js';

/**
 * The algorithms a key ring makes keys for.
 *
 * @example
 * const alg: SigningKeyAlgorithm = 'EdDSA';
 */
export type SigningKeyAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

/**
 * Every SigningKeyAlgorithm, in the order the CLI lists them.
 *
 * @example
 * if (!SIGNING_KEY_ALGORITHMS.includes(flag as SigningKeyAlgorithm)) throw new Error('unknown algorithm');
 */
export const SIGNING_KEY_ALGORITHMS: readonly SigningKeyAlgorithm[] = Object.freeze(['ES256', 'EdDSA', 'RS256']);

/**
 * One key as a KeyRingStore holds it. Times are Unix seconds. The private key is sealed (AES-GCM);
 * nothing else is secret.
 *
 * @example
 * const row: StoredSigningKey = { kid, alg: 'ES256', publicJwk: '{"kty":"EC",...}', privateKey: 'gh1....', createdAt, activatesAt };
 */
export interface StoredSigningKey {
  /** The key's id (its RFC 7638 thumbprint): the `kid` of its tokens. */
  readonly kid: string;
  readonly alg: SigningKeyAlgorithm;
  /** The public key as JWK JSON text. */
  readonly publicJwk: string;
  /** The private key, encrypted under the key-encryption secret. */
  readonly privateKey: string;
  readonly createdAt: number;
  /** When it starts signing (and the key before it retires). */
  readonly activatesAt: number;
}

/**
 * Where a key ring's keys live, shared by the servers that sign with them: memory
 * (createMemoryKeyRingStore), SQLite and PostgreSQL (gatehouse/sqlite and gatehouse/postgres:
 * createSqliteKeyRingStore, createPostgresKeyRingStore). Each method may return a promise or a
 * thenable; results are awaited and checked.
 *
 * @example
 * const store: KeyRingStore = { listKeys: () => rows, addKey: (row) => void rows.push(row), removeKeys: (kids) => {} };
 */
export interface KeyRingStore {
  /** Every stored key, any order. */
  listKeys(): readonly StoredSigningKey[] | PromiseLike<readonly StoredSigningKey[]>;
  /** Add a key (its kid is new). */
  addKey(key: StoredSigningKey): unknown;
  /** Remove the keys with these kids (unknown ones are ignored). */
  removeKeys(kids: readonly string[]): unknown;
}

/**
 * Keys in this process only: for tests and single-process servers that accept new keys on restart.
 *
 * @example
 * const ring = createKeyRing({ store: createMemoryKeyRingStore(), secret: process.env.GATEHOUSE_KEY_SECRET! });
 */
export function createMemoryKeyRingStore(): KeyRingStore {
  const keys = new Map<string, StoredSigningKey>();
  return {
    listKeys: () => [...keys.values()],
    addKey(key) {
      if (keys.has(key.kid)) throw new KeyRingError('store', 'a key with this kid exists');
      keys.set(key.kid, { ...key });
    },
    removeKeys(kids) {
      for (const kid of kids) keys.delete(kid);
    },
  };
}

/**
 * Where a key is in its life at a given time (see ring.ts).
 *
 * @example
 * const live: KeyPhase[] = ['published', 'signing', 'retired'];
 */
export type KeyPhase = 'published' | 'signing' | 'retired' | 'gone';

/**
 * A key as `ring.list()` describes it: never any private material. Times are Unix seconds.
 *
 * @example
 * for (const key of await ring.list()) console.log(key.kid, key.alg, key.phase);
 */
export interface KeyInfo {
  readonly kid: string;
  readonly alg: SigningKeyAlgorithm;
  readonly phase: KeyPhase;
  readonly createdAt: number;
  readonly activatesAt: number;
  /** When a newer key takes over, if one is scheduled. */
  readonly retiresAt: number | null;
  /** When it leaves the key set (retiresAt + maxTokenAge), if it retires. */
  readonly removedAt: number | null;
  /** The public key, as published. */
  readonly publicJwk: JWK;
}

/**
 * Options of createKeyRing. Durations are seconds.
 *
 * @example
 * const ring = createKeyRing({ store, secret: process.env.GATEHOUSE_KEY_SECRET!, maxTokenAge: 3600 });
 */
export interface KeyRingOptions {
  store: KeyRingStore;
  /** The key-encryption secret (at least 32 bytes): `$GATEHOUSE_KEY_SECRET` for the CLI. */
  secret: string | Uint8Array;
  /** How long a new key is published before it signs. Default 600 (jose's createRemoteJWKSet caches 10 minutes). */
  publishFor?: number;
  /** The longest life of a token signed by the ring: a retired key stays published that long. Default 1860 (30 min + 60 s). */
  maxTokenAge?: number;
  /** Seconds between re-reads of the store (1 to 3600). Default 60; keep it well below publishFor. */
  refreshInterval?: number;
  /** The algorithm of keys `add` and `rotate` make. Default ES256. */
  algorithm?: SigningKeyAlgorithm;
  /** The clock, in milliseconds (tests). Default Date.now. */
  now?: () => number;
  /** Told when a background re-read fails (the ring keeps the keys it had). Default: console.error. */
  onError?: (error: unknown) => unknown;
}

/**
 * What the ring signs and verifies with at one moment.
 *
 * @example
 * const { signing, verifying, jwks } = await ring.current();
 * const token = await createAccessToken({ sub: 'alice' }, { key: signing! });
 */
export interface KeyRingState {
  /** The key that signs now (its tokens carry its kid), or null when none does yet. */
  readonly signing: TokenKey | null;
  /** Every published key (published, signing, retired), for verification by kid. */
  readonly verifying: TokenKey | null;
  /** The JSON Web Key Set to serve: public keys only. */
  readonly jwks: TokenKeySet;
}

/**
 * A key ring (createKeyRing): usable as the `key` option of createAuth / createAuthHandler.
 *
 * @example
 * const ring = createKeyRing({ store: createSqliteKeyRingStore('./app.db'), secret: process.env.GATEHOUSE_KEY_SECRET! });
 * await ring.ready;
 * const handler = createAuthHandler({ users, key: ring }); // serves /.well-known/jwks.json
 */
export interface KeyRing {
  /** Settles once the store was read and its keys decrypted: rejects with KeyRingError otherwise. */
  readonly ready: Promise<void>;
  /** The keys as of now (re-read in the background when older than refreshInterval). Await it. */
  current(): KeyRingState | Promise<KeyRingState>;
  /** Read the store now. */
  refresh(): Promise<void>;
  /**
   * Make and store a new key: signing at once when no key signs yet, else published first and
   * signing after publishFor (the current key then retires).
   */
  add(options?: { algorithm?: SigningKeyAlgorithm }): Promise<KeyInfo>;
  /** A new key, published now and signing after publishFor; keys gone for good are removed. */
  rotate(options?: { algorithm?: SigningKeyAlgorithm }): Promise<KeyInfo>;
  /** Every stored key with its phase now. */
  list(): Promise<KeyInfo[]>;
}

const rings = new WeakSet<object>();

/**
 * True for a key ring made by createKeyRing.
 *
 * @example
 * if (isKeyRing(options.key)) await options.key.ready;
 */
export function isKeyRing(value: unknown): value is KeyRing {
  return typeof value === 'object' && value !== null && rings.has(value);
}

const KID = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_KEYS = 64;
const MAX_FIELD = 16 * 1024;

function duration(value: number | undefined, fallback: number, name: string, min: number, max: number): number {
  const seconds = value ?? fallback;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < min || seconds > max) {
    throw new ConfigurationError(`${name} must be a number of seconds from ${min} to ${max}`);
  }
  return seconds;
}

function checkAlgorithm(alg: unknown): SigningKeyAlgorithm {
  if (!SIGNING_KEY_ALGORITHMS.includes(alg as SigningKeyAlgorithm)) {
    throw new ConfigurationError(`the algorithm must be one of ${SIGNING_KEY_ALGORITHMS.join(', ')}`);
  }
  return alg as SigningKeyAlgorithm;
}

/** A row from the store, checked (the store is user code: untrusted in shape). */
function checkRow(row: unknown): StoredSigningKey {
  if (typeof row !== 'object' || row === null) throw new KeyRingError('store', 'the key store returned a row that is not an object');
  const { kid, alg, publicJwk, privateKey, createdAt, activatesAt } = row as Record<string, unknown>;
  const time = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (
    typeof kid !== 'string' || !KID.test(kid) ||
    !SIGNING_KEY_ALGORITHMS.includes(alg as SigningKeyAlgorithm) ||
    typeof publicJwk !== 'string' || publicJwk.length > MAX_FIELD ||
    typeof privateKey !== 'string' || privateKey.length > MAX_FIELD ||
    !time(createdAt) || !time(activatesAt)
  ) {
    throw new KeyRingError('store', 'the key store returned a malformed row');
  }
  return { kid, alg: alg as SigningKeyAlgorithm, publicJwk, privateKey, createdAt: createdAt as number, activatesAt: activatesAt as number };
}

/** What binds a sealed private key to its row. */
function additionalData(row: StoredSigningKey): string {
  return JSON.stringify([row.kid, row.alg, row.publicJwk]);
}

/** Oldest first by activation (ties: creation, then kid): the order keys take over in. */
function byActivation(a: StoredSigningKey, b: StoredSigningKey): number {
  return a.activatesAt - b.activatesAt || a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);
}

/**
 * Each key's phase at `now` (seconds): the newest activated key signs; an older one retired when the
 * next one activated, and is gone maxTokenAge later.
 *
 * @example
 * const phases = keyPhases(rows, Date.now() / 1000, 1860); // [{ kid, phase: 'signing', ... }, ...]
 */
export function keyPhases(rows: readonly StoredSigningKey[], now: number, maxTokenAge: number): Array<Omit<KeyInfo, 'publicJwk'> & { row: StoredSigningKey }> {
  const sorted = [...rows].sort(byActivation);
  let signingIndex = -1;
  sorted.forEach((row, index) => {
    if (row.activatesAt <= now) signingIndex = index;
  });
  return sorted.map((row, index) => {
    const next = sorted[index + 1];
    const retiresAt = next === undefined ? null : next.activatesAt;
    const removedAt = retiresAt === null ? null : retiresAt + maxTokenAge;
    const phase: KeyPhase =
      index === signingIndex ? 'signing'
      : row.activatesAt > now ? 'published'
      : removedAt !== null && removedAt <= now ? 'gone'
      : 'retired';
    return { kid: row.kid, alg: row.alg, phase, createdAt: row.createdAt, activatesAt: row.activatesAt, retiresAt, removedAt, row };
  });
}

const GENERATE: Record<SigningKeyAlgorithm, RsaHashedKeyGenParams | EcKeyGenParams | Algorithm> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams,
  EdDSA: { name: 'Ed25519' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as RsaHashedKeyGenParams,
};

/** A fresh key pair as JWKs, and its thumbprint as kid. */
async function generate(alg: SigningKeyAlgorithm): Promise<{ kid: string; publicJwk: JWK; privateJwk: JWK }> {
  const pair = (await crypto.subtle.generateKey(GENERATE[alg], true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateJwk = await exportJWK(pair.privateKey);
  const full = await exportJWK(pair.publicKey);
  const publicJwk: JWK = { kty: full.kty };
  for (const name of ['crv', 'n', 'e', 'x', 'y'] as const) if (full[name] !== undefined) publicJwk[name] = full[name];
  return { kid: await jwkThumbprint(publicJwk), publicJwk, privateJwk };
}

interface Loaded {
  readonly row: StoredSigningKey;
  /** The private key, imported (not extractable), with its kid. */
  readonly signing: TokenKeyImpl;
  readonly publicJwk: JWK;
}

/**
 * A key ring on a store. Nothing is read until `ready` (started at once) or an operation.
 *
 * @example
 * const ring = createKeyRing({ store: createMemoryKeyRingStore(), secret: process.env.GATEHOUSE_KEY_SECRET! });
 * await ring.add({ algorithm: 'EdDSA' }); // the first key signs at once
 * const handler = createAuthHandler({ users, key: ring });
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('createKeyRing needs options');
  const { store } = options;
  if (store === null || typeof store !== 'object' || typeof store.listKeys !== 'function' || typeof store.addKey !== 'function' || typeof store.removeKeys !== 'function') {
    throw new KeyRingError('store', 'store must be a KeyRingStore (listKeys, addKey, removeKeys)');
  }
  const publishFor = duration(options.publishFor, 600, 'publishFor', 0, 30 * 86400);
  const maxTokenAge = duration(options.maxTokenAge, 1860, 'maxTokenAge', 1, 366 * 86400);
  const refreshInterval = duration(options.refreshInterval, 60, 'refreshInterval', 0.001, 3600);
  const algorithm = checkAlgorithm(options.algorithm ?? 'ES256');
  if (options.now !== undefined && typeof options.now !== 'function') throw new ConfigurationError('now must be a function giving milliseconds');
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new ConfigurationError('onError must be a function');
  const clock = options.now ?? Date.now;
  const nowSeconds = () => clock() / 1000;
  const onError = options.onError ?? ((error: unknown) => console.error('gatehouse: the key ring could not be re-read:', error));
  const encryption: Promise<KeyEncryption> = createKeyEncryption(options.secret);
  encryption.catch(() => {});

  /** Decrypted keys by kid, kept across re-reads (a row is decrypted once). */
  const loaded = new Map<string, Loaded>();
  let rows: StoredSigningKey[] | undefined;
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;

  const decrypt = async (row: StoredSigningKey): Promise<Loaded> => {
    const known = loaded.get(row.kid);
    if (known && known.row.privateKey === row.privateKey && known.row.publicJwk === row.publicJwk && known.row.alg === row.alg) return known;
    let publicJwk: unknown;
    try {
      publicJwk = JSON.parse(row.publicJwk);
    } catch {
      publicJwk = undefined;
    }
    if (!isPlainObject(publicJwk)) throw new KeyRingError('tampered', 'a stored public key is not a JWK');
    const plain = await (await encryption).decrypt(row.privateKey, additionalData(row));
    let privateJwk: unknown;
    try {
      privateJwk = JSON.parse(plain);
    } catch {
      privateJwk = undefined;
    }
    if (!isPlainObject(privateJwk) || privateJwk.d === undefined) throw new KeyRingError('tampered', 'a stored private key is not a JWK');
    for (const name of ['kty', 'crv', 'n', 'e', 'x', 'y'] as const) {
      if (privateJwk[name] !== (publicJwk as JWK)[name]) throw new KeyRingError('tampered', 'a stored private key does not match its public key');
    }
    let signing: TokenKeyImpl;
    try {
      signing = await importKey({ ...(privateJwk as JWK), alg: row.alg, kid: row.kid }, {});
    } catch (cause) {
      throw new KeyRingError('tampered', 'a stored private key cannot be imported', { cause });
    }
    const entry: Loaded = { row, signing, publicJwk: signing.slots[0]!.publicJwk! };
    loaded.set(row.kid, entry);
    return entry;
  };

  const read = async (): Promise<void> => {
    let listed: unknown;
    try {
      listed = await store.listKeys();
    } catch (cause) {
      throw new KeyRingError('store', 'the key store failed to list its keys', { cause });
    }
    if (!Array.isArray(listed) || listed.length > MAX_KEYS) throw new KeyRingError('store', `the key store must return an array of at most ${MAX_KEYS} keys`);
    const checked = listed.map(checkRow);
    if (new Set(checked.map((row) => row.kid)).size !== checked.length) throw new KeyRingError('store', 'two stored keys share a kid');
    const now = nowSeconds();
    // Keys gone for good are neither decrypted nor kept.
    const live = keyPhases(checked, now, maxTokenAge).filter((key) => key.phase !== 'gone').map((key) => key.row);
    for (const row of live) await decrypt(row);
    for (const kid of loaded.keys()) if (!live.some((row) => row.kid === kid)) loaded.delete(kid);
    rows = checked;
    readAt = clock();
  };

  const refresh = (): Promise<void> => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };

  /** States by the phases they were made for: the same phases give the same state (and its verified-token cache). */
  let lastState: { signature: string; state: Promise<KeyRingState> } | undefined;

  const stateNow = (): Promise<KeyRingState> => {
    const phases = keyPhases(rows ?? [], nowSeconds(), maxTokenAge).filter((key) => key.phase !== 'gone' && loaded.has(key.kid));
    const signature = phases.map((key) => `${key.kid}:${key.phase === 'signing' ? 's' : 'p'}`).join(',');
    if (lastState?.signature === signature) return lastState.state;
    const state = (async (): Promise<KeyRingState> => {
      const signingKey = phases.find((key) => key.phase === 'signing');
      const published = phases.map((key) => loaded.get(key.kid)!);
      const slots = published.map((entry) => entry.signing.slots[0]!);
      const jwks = keySetOf(slots);
      const verifying = jwks.keys.length === 0 ? null : await importKey(structuredClone(jwks), {});
      return Object.freeze({ signing: signingKey ? loaded.get(signingKey.kid)!.signing : null, verifying, jwks });
    })();
    lastState = { signature, state };
    state.catch(() => {
      if (lastState?.state === state) lastState = undefined;
    });
    return state;
  };

  const ready = encryption.then(() => refresh());
  ready.catch(() => {});

  const current = (): Promise<KeyRingState> => {
    if (rows === undefined) return ready.then(stateNow);
    if (clock() - readAt >= refreshInterval * 1000 && reading === undefined) {
      // In the background: requests keep the keys read last; a failure is reported, not thrown.
      refresh().catch((error: unknown) => {
        readAt = clock(); // try again after another interval, not on every request
        try {
          onError(error);
        } catch {
          // a failing reporter changes nothing
        }
      });
    }
    return stateNow();
  };

  const describe = (now: number): KeyInfo[] =>
    keyPhases(rows ?? [], now, maxTokenAge).map(({ row, ...info }) => {
      let publicJwk: JWK = {};
      try {
        const parsed: unknown = JSON.parse(row.publicJwk);
        if (isPlainObject(parsed)) publicJwk = { ...(parsed as JWK), kid: row.kid, alg: row.alg, use: 'sig' };
      } catch {
        // shown without it
      }
      return { ...info, publicJwk };
    });

  const create = async (alg: SigningKeyAlgorithm, activatesAt: number, now: number): Promise<KeyInfo> => {
    const { kid, publicJwk, privateJwk } = await generate(alg);
    const row0 = { kid, alg, publicJwk: JSON.stringify(publicJwk), createdAt: Math.floor(now), activatesAt: Math.ceil(activatesAt) };
    const sealed = await (await encryption).encrypt(JSON.stringify(privateJwk), additionalData({ ...row0, privateKey: '' }));
    try {
      await store.addKey({ ...row0, privateKey: sealed });
    } catch (cause) {
      throw new KeyRingError('store', 'the key store failed to add the key', { cause });
    }
    await refresh();
    const info = describe(nowSeconds()).find((key) => key.kid === kid);
    if (!info) throw new KeyRingError('store', 'the key store did not keep the new key');
    return info;
  };

  const ring: KeyRing = {
    ready,
    current,
    refresh,
    async add(given = {}) {
      await ready;
      await refresh();
      const now = nowSeconds();
      const alg = checkAlgorithm(given.algorithm ?? algorithm);
      const signing = keyPhases(rows ?? [], now, maxTokenAge).some((key) => key.phase === 'signing');
      return create(alg, signing ? now + publishFor : Math.floor(now), now);
    },
    async rotate(given = {}) {
      await ready;
      await refresh();
      const now = nowSeconds();
      const phases = keyPhases(rows ?? [], now, maxTokenAge);
      if (!phases.some((key) => key.phase === 'signing')) {
        throw new KeyRingError('empty', 'no key signs yet: add one first (gatehouse keys add)');
      }
      const gone = phases.filter((key) => key.phase === 'gone').map((key) => key.kid);
      if (gone.length > 0) {
        try {
          await store.removeKeys(gone);
        } catch (cause) {
          throw new KeyRingError('store', 'the key store failed to remove keys', { cause });
        }
      }
      return create(checkAlgorithm(given.algorithm ?? algorithm), now + publishFor, now);
    },
    async list() {
      await ready;
      await refresh();
      return describe(nowSeconds());
    },
  };
  rings.add(ring);
  return Object.freeze(ring);
}
