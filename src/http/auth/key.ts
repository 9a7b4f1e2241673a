/**
 * The signing key, imported once (the verified-token cache lives with the imported key), and the
 * token verifier made from it with the options checked once: a request then pays for its token only.
 */
import {
  type TokenAlgorithm,
  type TokenKey,
  type TokenKeyInput,
  createAccessToken,
  importTokenKey,
} from '../../tokens/index.js';
import { MAX_TOKEN_SIZE, createTokenVerifier, type TokenVerifier } from '../../tokens/verify.js';
import { ALGORITHMS } from '../../tokens/algorithms.js';
import { checkAlgorithmOption } from '../../tokens/keys/algorithm-options.js';
import { PEM } from '../../tokens/keys/import-pem.js';
import { checkSecret } from '../../tokens/keys/import-secret.js';
import { InvalidTokenError, TokenKeyError } from '../../tokens/errors.js';
import { decodeJsonObject } from '../../tokens/encoding.js';
import { utf8Encode } from '../../internal/bytes.js';
import { isKeyRing, type KeyRing, type KeyRingState } from '../../tokens/keys/ring.js';
import { publishableKey } from '../../tokens/keys/publish.js';
import { KeyRingError } from '../../tokens/keys/ring-errors.js';
import type { TokenKeySet } from '../../tokens/keys/token-key.js';

/** How to make a good secret, for the errors about a bad one. */
const MAKE_ONE = 'make a random one with `npx gatehouse secret` or `openssl rand -hex 32`';

/**
 * TokenKeyError for a key known now that cannot sign: a secret (string or bytes) too short for its
 * algorithm, empty, too long, public key material posing as a secret, or an algorithm that does not
 * fit it. Keys known only later (a promise of a key, a resolver, a URL) are checked by their import.
 * The message never holds the key.
 */
export function refuseUnusableKey(key: TokenKeyInput, algorithm: TokenAlgorithm | undefined): void {
  const alg = checkAlgorithmOption(algorithm, 'algorithm');
  let bytes: Uint8Array;
  if (typeof key === 'string') {
    if (PEM.test(key.trimStart())) return; // a PEM key: its import tells
    bytes = utf8Encode(key);
  } else if (key instanceof Uint8Array) {
    bytes = key;
  } else {
    return;
  }
  try {
    const signAlg = checkSecret(bytes, alg);
    const minBytes = ALGORITHMS[signAlg].hashBytes!;
    if (bytes.length < minBytes) {
      const what = bytes.length === 0 ? 'is empty' : `is too short (${bytes.length} bytes)`;
      throw new TokenKeyError(
        `the signing key ${what}: ${signAlg} needs a secret of at least ${minBytes} bytes (RFC 7518 section 3.2); ${MAKE_ONE}`,
      );
    }
  } finally {
    if (typeof key === 'string') bytes.fill(0); // our copy only
  }
}

export interface KeyOptions {
  key: TokenKeyInput | KeyRing;
  algorithm?: TokenAlgorithm;
  issuer?: string;
  audience?: string;
  /** Seconds, or undefined for no limit. */
  maxTokenAge?: number | string;
}

export interface AuthKey {
  /** Settles once the key is imported and the verifier made: rejects when the key cannot be used. */
  readonly ready: Promise<void>;
  /** Verify a token: without a promise once ready (a cached token answers at once). */
  readonly verify: TokenVerifier;
  /** Sign claims with the key. */
  sign(claims: { sub: string; scope?: string } & Record<string, string>, expiresIn: string | number): Promise<string>;
  /**
   * The JSON Web Key Set to publish (public keys only), or null for a key with nothing to publish
   * (a secret). Known without a promise for secrets.
   */
  jwks(): TokenKeySet | null | Promise<TokenKeySet | null>;
  /** False when the key is known now to have nothing to publish (an HMAC secret given as text or bytes). */
  readonly mayPublish: boolean;
}

/** A secret given as text or bytes (not PEM): never anything to publish. */
function isRawSecret(key: unknown): boolean {
  return (typeof key === 'string' && !PEM.test(key.trimStart())) || key instanceof Uint8Array;
}

/**
 * Import the key and make the verifier, once. A key known now that cannot sign throws TokenKeyError
 * here (refuseUnusableKey); any other that fails its import rejects `ready`, `verify` and `sign`.
 */
export function createAuthKey(options: KeyOptions): AuthKey {
  if (isKeyRing(options.key)) return createRingKey(options.key, options);
  const given = options.key;
  refuseUnusableKey(given, options.algorithm);
  const { issuer, audience, maxTokenAge } = options;
  let imported: { key: TokenKey; verify: TokenVerifier; jwks: TokenKeySet | null } | undefined;
  const importing = importTokenKey(given, options.algorithm ? { algorithm: options.algorithm } : {}).then(async (plain) => {
    // An asymmetric private key is published, and its tokens name it (kid: its own, else its thumbprint).
    const published = await publishableKey(plain);
    const key = published?.key ?? plain;
    imported = { key, verify: await createTokenVerifier({ key, issuer, audience, maxTokenAge }), jwks: published?.jwks ?? null };
    return imported;
  });
  // The one promise nobody may be waiting on: a bad key then fails every request that needs it (a
  // deployment error, answered 503 and reported) unless the app awaits `ready`, which still sees the rejection.
  const ready = importing.then(() => undefined);
  ready.catch(() => {});
  return {
    ready,
    verify: (token) => (imported ? imported.verify(token) : importing.then((done) => done.verify(token))),
    sign: async (claims, expiresIn) =>
      createAccessToken(claims, { key: (imported ?? (await importing)).key, expiresIn, issuer, audience }),
    jwks: () => (isRawSecret(given) ? null : imported ? imported.jwks : importing.then((done) => done.jwks)),
    mayPublish: !isRawSecret(given),
  };
}

/**
 * A key ring as the auth key: signs with its signing key, verifies by kid among its published keys,
 * publishes their public halves. A verifier is made once per state of the ring (its phases), so the
 * verified-token cache lasts as long as the keys do.
 */
function createRingKey(ring: KeyRing, options: KeyOptions): AuthKey {
  const { issuer, audience, maxTokenAge } = options;
  const verifiers = new WeakMap<KeyRingState, Promise<TokenVerifier>>();
  const verifierOf = (state: KeyRingState): Promise<TokenVerifier> => {
    let verifier = verifiers.get(state);
    if (!verifier) {
      if (!state.verifying) throw new KeyRingError('empty', 'the key ring holds no key');
      verifier = createTokenVerifier({ key: state.verifying, issuer, audience, maxTokenAge });
      verifiers.set(state, verifier);
    }
    return verifier;
  };
  const ready = Promise.resolve(ring.ready).then(async () => {
    const state = await ring.current();
    if (!state.signing) throw new KeyRingError('empty', 'no key of the ring signs yet: add one (gatehouse keys add)');
  });
  ready.catch(() => {});
  // A token naming a kid this server has not read yet (another server's ring moved first): one
  // re-read, at most once a second whatever tokens arrive, then the check again.
  let forcedAt = -Infinity;
  const unknownKid = (token: unknown, state: KeyRingState): boolean => {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_SIZE) return false;
    const kid = decodeJsonObject(token.slice(0, Math.max(0, token.indexOf('.'))))?.kid;
    return typeof kid === 'string' && !state.jwks.keys.some((key) => key.kid === kid);
  };
  return {
    ready,
    async verify(token) {
      const state = await ring.current();
      try {
        return await (await verifierOf(state))(token);
      } catch (error) {
        if (!(error instanceof InvalidTokenError) || !unknownKid(token, state) || Date.now() - forcedAt < 1000) throw error;
        forcedAt = Date.now();
        await ring.refresh().catch(() => {}); // a failing store keeps the keys read last
        return (await verifierOf(await ring.current()))(token);
      }
    },
    async sign(claims, expiresIn) {
      const { signing } = await ring.current();
      if (!signing) throw new KeyRingError('empty', 'no key of the ring signs now');
      return createAccessToken(claims, { key: signing, expiresIn, issuer, audience });
    },
    jwks: async () => (await ring.current()).jwks,
    mayPublish: true,
  };
}
