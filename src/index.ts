/**
 * gatehouse: password login and bearer tokens for every fetch-based runtime.
 *
 * - passwords (also `gatehouse/passwords`): `hashPassword`, `verifyPassword`, `CryptContext` (a registry
 *   of schemes with a policy), every scheme object by its passlib name
 * - tokens: `createAccessToken`, `verifyAccessToken`, `importTokenKey`
 * - users: `authenticateUser`, `createMemoryUserStore` (the JSON file store is in gatehouse/node)
 * - migrations: `presets.django()`, `presets.werkzeug()`, ... (CryptContexts that read an old system's hashes)
 * - http: `createAuthHandler` (FastAPI's OAuth2 password flow as a fetch handler) and its pieces
 *
 * Serving on node:http lives in `gatehouse/node`.
 */
export * from './errors.js';
export * from './passwords/index.js';
// Names as strings: the root entry's CryptContext knows every built-in scheme (and registered ones).
export { CryptContext, listSchemes, registerScheme } from './passwords/registry.js';
export * from './tokens/index.js';
export * from './users/index.js';

export * from './http/index.js'; // gatehouse/http
