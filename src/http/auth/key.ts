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
  sign(claims: { sub: string; scope?: string }, expiresIn: string | number): Promise<string>;
}

/** Import the key and make the verifier, once. */
export function createAuthKey(options: KeyOptions): AuthKey {
  const { issuer, audience, maxTokenAge } = options;
  let imported: { key: TokenKey; verify: TokenVerifier } | undefined;
  const importing = importTokenKey(options.key, options.algorithm ? { algorithm: options.algorithm } : {}).then(async (key) => {
    imported = { key, verify: await createTokenVerifier({ key, issuer, audience, maxTokenAge }) };
    return imported;
  });
  // The one promise nobody may be waiting on: a bad key then fails every request (a deployment
  // error, 500) unless the app awaits `ready`, which still sees the rejection.
  const ready = importing.then(() => undefined);
  ready.catch(() => {});
  return {
    ready,
    verify: (token) => (imported ? imported.verify(token) : importing.then((done) => done.verify(token))),
    sign: async (claims, expiresIn) =>
      createAccessToken(claims, { key: (imported ?? (await importing)).key, expiresIn, issuer, audience }),
  };
}
