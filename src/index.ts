/**
 * gatehouse: password login and bearer tokens for every fetch-based runtime.
 *
 * - passwords: `hashPassword`, `verifyPassword`, `CryptContext` (a registry of schemes with a policy)
 * - tokens: `createAccessToken`, `verifyAccessToken`, `importTokenKey`
 * - users: `authenticateUser`, `createMemoryUserStore` (the JSON file store is in gatehouse/node)
 * - http: `createAuthHandler` (FastAPI's OAuth2 password flow as a fetch handler) and its pieces
 *
 * Serving on node:http lives in `gatehouse/node`.
 */
export * from './errors.js';
export * from './passwords/index.js';
export * from './tokens/index.js';
export * from './users/index.js';

export * from './http/index.js'; // gatehouse/http
