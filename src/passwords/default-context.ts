/**
 * The default context (OWASP's policy, every built-in scheme verifiable) and the two functions
 * that use it when given none. Importing these pulls every built-in scheme into a bundle.
 */
import { CryptContext, type Password } from './context.js';
import { OWASP_SETTINGS } from './owasp.js';
import { bcrypt } from './schemes/bcrypt.js';
import { migrationSchemes } from './schemes/migration.js';
import { pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 } from './schemes/pbkdf2.js';
import { scrypt } from './schemes/scrypt.js';

let defaultContext: CryptContext | undefined;

/**
 * The context used when none is given: scrypt (OWASP_SETTINGS) for new hashes; bcrypt, PBKDF2
 * and every legacy format but the unsalted hex digests verifiable, deprecated, and upgraded to
 * scrypt at the next successful login. Memory-constrained runtimes (Cloudflare Workers: 128 MiB
 * per isolate) should build their own context with bcrypt as the default.
 *
 * @example
 * import { getDefaultContext } from 'gatehouse';
 * const { valid, newHash } = await getDefaultContext().verifyAndUpdate(password, storedHash);
 */
export function getDefaultContext(): CryptContext {
  defaultContext ??= new CryptContext({
    schemes: [
      scrypt,
      bcrypt,
      pbkdf2_sha256,
      pbkdf2_sha512,
      pbkdf2_sha1,
      ...migrationSchemes.filter((scheme) => !scheme.name.startsWith('hex_')),
    ],
    deprecated: 'auto',
    settings: OWASP_SETTINGS,
  });
  return defaultContext;
}

/**
 * Options of hashPassword and verifyPassword.
 *
 * @example
 * await hashPassword('correct horse', { context: new CryptContext({ schemes: [bcrypt] }) });
 */
export interface PasswordOptions {
  /** The context to use. Default: getDefaultContext(). */
  context?: CryptContext;
}

/**
 * Hash a password with the context's default scheme.
 *
 * @example
 * const hash = await hashPassword('correct horse'); // $scrypt$ln=17,r=8,p=1$...
 */
export function hashPassword(password: Password, options: PasswordOptions = {}): Promise<string> {
  return (options.context ?? getDefaultContext()).hash(password);
}

/**
 * True when the password matches the hash; throws only for a hash no scheme can read.
 *
 * @example
 * if (await verifyPassword(form.password, user.hash)) login(user);
 */
export function verifyPassword(
  password: Password,
  hash: string | null | undefined,
  options: PasswordOptions = {},
): Promise<boolean> {
  return (options.context ?? getDefaultContext()).verify(password, hash);
}
