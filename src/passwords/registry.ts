import { ConfigurationError } from '../errors.js';
import type { PasswordScheme } from './scheme.js';
import { builtinSchemes } from './schemes/index.js';

const registered = new Map<string, PasswordScheme<any>>();
for (const scheme of builtinSchemes) registered.set(scheme.name, scheme);

/** Make a custom scheme available by name to every CryptContext created afterwards. */
export function registerScheme(scheme: PasswordScheme<any>): void {
  if (!scheme || typeof scheme.name !== 'string' || !/^[a-z0-9_]+$/i.test(scheme.name)) {
    throw new ConfigurationError('a scheme needs a name of letters, digits and underscores');
  }
  for (const method of ['identify', 'verify', 'needsUpdate'] as const) {
    if (typeof scheme[method] !== 'function') throw new ConfigurationError(`scheme ${scheme.name} lacks ${method}()`);
  }
  if (registered.has(scheme.name)) throw new ConfigurationError(`a scheme named ${scheme.name} is already registered`);
  registered.set(scheme.name, scheme);
}

export function lookupScheme(name: string): PasswordScheme<any> | undefined {
  return registered.get(name);
}

/** Names of every scheme known by name (built-in and registered). */
export function listSchemes(): string[] {
  return [...registered.keys()];
}
