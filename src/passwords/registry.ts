/**
 * Schemes by name: every built-in scheme plus those given to `registerScheme`. This module is the
 * explicit entry that pulls every built-in into a bundle; the root `gatehouse` entry re-exports its
 * CryptContext, so names there work as they always did. `gatehouse/passwords` leaves it out:
 * pass scheme objects, or `registry: builtinSchemes`.
 */
import { ConfigurationError } from '../errors.js';
import { CryptContext as CryptContextCore, type CryptContextOptions } from './context.js';
import { checkScheme, type PasswordScheme } from './scheme.js';
import { builtinSchemes } from './schemes/index.js';

// Filled on first use (no work at import time).
let byName: Map<string, PasswordScheme<any>> | undefined;

function known(): Map<string, PasswordScheme<any>> {
  byName ??= new Map(builtinSchemes.map((scheme) => [scheme.name, scheme]));
  return byName;
}

/**
 * Make a custom scheme available by name to every CryptContext of the root `gatehouse` entry
 * created afterwards. ConfigurationError for a malformed scheme or a name already known.
 *
 * @example
 * import { CryptContext, registerScheme } from 'gatehouse';
 * registerScheme(myScheme);
 * const context = new CryptContext({ schemes: ['my_scheme', 'bcrypt'] });
 */
export function registerScheme(scheme: PasswordScheme<any>): void {
  checkScheme(scheme);
  const schemes = known();
  if (schemes.has(scheme.name)) throw new ConfigurationError(`a scheme named ${scheme.name} is already registered`);
  schemes.set(scheme.name, scheme);
}

/** @internal The scheme known by `name` (built-in or registered). */
export function lookupScheme(name: string): PasswordScheme<any> | undefined {
  return known().get(name);
}

/**
 * Names of every scheme known by name (built-in and registered), in order.
 *
 * @example
 * import { listSchemes } from 'gatehouse';
 * listSchemes().includes('bcrypt'); // true
 */
export function listSchemes(): string[] {
  return [...known().keys()];
}

/**
 * The root `gatehouse` entry's CryptContext: `gatehouse/passwords`' one, whose `registry`
 * defaults to every built-in and registered scheme, so that `schemes` may name any of them.
 *
 * @example
 * import { CryptContext } from 'gatehouse';
 * const context = new CryptContext({ schemes: ['scrypt', 'bcrypt', 'pbkdf2_sha256'], deprecated: 'auto' });
 * const hash = await context.hash('correct horse');
 */
export class CryptContext extends CryptContextCore {
  constructor(options: CryptContextOptions) {
    super(options && typeof options === 'object' && options.registry === undefined ? { ...options, registry: known().values() } : options);
  }
}
