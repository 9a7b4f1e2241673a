import type { PasswordScheme } from '../scheme.js';
import { bcrypt } from './bcrypt.js';
import { scrypt } from './scrypt.js';
import { pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 } from './pbkdf2.js';
import { legacySchemes } from './legacy.js';

/** The modern schemes: the ones a new deployment hashes with. */
export const modernSchemes: ReadonlyArray<PasswordScheme<any>> = [bcrypt, scrypt, pbkdf2_sha256, pbkdf2_sha512, pbkdf2_sha1];

/** Every scheme gatehouse ships, known by name to every CryptContext. */
export const builtinSchemes: ReadonlyArray<PasswordScheme<any>> = [...modernSchemes, ...legacySchemes];

export { bcrypt, scrypt, pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 };
export * from './legacy.js';
export type { BcryptIdent, BcryptSettings } from './bcrypt.js';
export type { ScryptSettings } from './scrypt.js';
export type { Pbkdf2Settings } from './pbkdf2.js';
