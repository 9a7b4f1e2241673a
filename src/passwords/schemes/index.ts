import type { PasswordScheme } from '../scheme.js';
import { bcrypt } from './bcrypt.js';
import { scrypt } from './scrypt.js';
import { pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 } from './pbkdf2.js';

/** Every scheme gatehouse ships, known by name to every CryptContext. */
export const builtinSchemes: ReadonlyArray<PasswordScheme<any>> = [
  bcrypt,
  scrypt,
  pbkdf2_sha256,
  pbkdf2_sha512,
  pbkdf2_sha1,
];

export { bcrypt, scrypt, pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 };
export type { BcryptIdent, BcryptSettings } from './bcrypt.js';
export type { ScryptSettings } from './scrypt.js';
export type { Pbkdf2Settings } from './pbkdf2.js';
