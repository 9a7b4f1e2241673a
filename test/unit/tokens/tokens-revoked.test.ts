import { describe, expect, it } from 'vitest';
import { InvalidTokenError, TokenRevokedError, createAccessToken, importTokenKey, verifyAccessToken } from '../../../src/tokens/index.js';

const SECRET = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';

describe('verifyAccessToken isRevoked', () => {
  it('refuses a revoked token with ERR_TOKEN_REVOKED, also from the cache, and accepts the others', async () => {
    const key = await importTokenKey(SECRET);
    const revoked = new Set<string>();
    const isRevoked = (claims: { jti?: string }) => Promise.resolve(claims.jti !== undefined && revoked.has(claims.jti));
    const token = await createAccessToken({ sub: 'johndoe', jti: 'j1' }, { key });
    expect((await verifyAccessToken(token, { key, isRevoked })).sub).toBe('johndoe'); // cached now
    revoked.add('j1');
    const error = await verifyAccessToken(token, { key, isRevoked }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRevokedError);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as TokenRevokedError).code).toBe('ERR_TOKEN_REVOKED');
    // A thenable that is not a Promise, and a synchronous answer.
    const thenable = { then: (resolve: (v: unknown) => void) => resolve(1) };
    await expect(verifyAccessToken(token, { key, isRevoked: () => thenable })).rejects.toBeInstanceOf(TokenRevokedError);
    expect((await verifyAccessToken(token, { key, isRevoked: () => false })).sub).toBe('johndoe');
    // A hook that fails is not a bad token.
    await expect(verifyAccessToken(token, { key, isRevoked: () => Promise.reject(new Error('down')) })).rejects.toThrow('down');
    await expect(verifyAccessToken(token, { key, isRevoked: 'no' as never })).rejects.toThrow(/isRevoked/);
  });
});
