/**
 * `gatehouse/passwords`: CryptContext and every scheme object by its passlib name. A context
 * bundles only the schemes it is given:
 *
 *   import { CryptContext, bcrypt, scrypt } from 'gatehouse/passwords';
 *   const context = new CryptContext({ schemes: [scrypt, bcrypt], deprecated: 'auto' });
 *
 * Names as strings need a registry (`registry: builtinSchemes`); the root `gatehouse` entry's
 * CryptContext knows every built-in by name, as do getDefaultContext, hashPassword and verifyPassword.
 */
export { CryptContext } from './context.js';
export type { CryptContextOptions, Password, VerifyAndUpdateResult } from './context.js';
export type { HashingScheme, PasswordScheme, SchemeSettings, UpdatePolicy } from './scheme.js';
export { defineScheme } from './scheme.js';
export { getDefaultContext, hashPassword, verifyPassword, type PasswordOptions } from './default-context.js';
export { OWASP_SETTINGS } from './owasp.js';
export { MAX_PASSWORD_BYTES, BCRYPT_MAX_PASSWORD_BYTES, DEFAULT_LIMITS } from './limits.js';
export * from './schemes/index.js';
export * from './presets/index.js';
export { configureHashingPool, warmHashingPool, type HashingPoolOptions } from './pool/hashing-pool.js';
export { argon2NativeStatus, type Argon2NativeStatus } from './kdf/argon2.js';
