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
import { createTokenVerifier, type TokenVerifier } from '../../tokens/verify.js';
import { ALGORITHMS } from '../../tokens/algorithms.js';
import { checkAlgorithmOption } from '../../tokens/keys/algorithm-options.js';
import { PEM } from '../../tokens/keys/import-pem.js';
import { checkSecret } from '../../tokens/keys/import-secret.js';
import { TokenKeyError } from '../../tokens/errors.js';
import { utf8Encode } from '../../internal/bytes.js';

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
  key: TokenKeyInput;
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
}

/**
 * Import the key and make the verifier, once. A key known now that cannot sign throws TokenKeyError
 * here (refuseUnusableKey); any other that fails its import rejects `ready`, `verify` and `sign`.
 */
export function createAuthKey(options: KeyOptions): AuthKey {
  refuseUnusableKey(options.key, options.algorithm);
  const { issuer, audience, maxTokenAge } = options;
  let imported: { key: TokenKey; verify: TokenVerifier } | undefined;
  const importing = importTokenKey(options.key, options.algorithm ? { algorithm: options.algorithm } : {}).then(async (key) => {
    imported = { key, verify: await createTokenVerifier({ key, issuer, audience, maxTokenAge }) };
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
  };
}
