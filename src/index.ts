/**
 * gatehouse: password login and bearer tokens for every fetch-based runtime.
 *
 * - passwords: `hashPassword`, `verifyPassword`, `CryptContext` (a registry of schemes with a policy)
 * - tokens: `createAccessToken`, `verifyAccessToken`, `importTokenKey`
 * - users: `authenticateUser`, `MemoryUserStore`, `JsonFileUserStore`
 * - migrations: `presets.django()`, `presets.werkzeug()`, ... (CryptContexts that read an old system's hashes)
 * - http: `createAuthHandler` (FastAPI's OAuth2 password flow as a fetch handler) and its pieces
 *
 * Serving on node:http lives in `gatehouse/node`.
 */
export * from './errors.js';
export * from './passwords/index.js';
export * from './tokens/index.js';
export * from './users.js';
export * from './http/index.js';
