/** The password context the CLI hashes and verifies with: the seed's policy or `--preset NAME [--coexist]`. */
import { GatehouseError } from '../errors.js';
import { OWASP_SETTINGS } from '../passwords/owasp.js';
import { CryptContext, listSchemes } from '../passwords/registry.js';
import { presets, type PresetName } from '../passwords/presets/index.js';
import { UsageError } from './usage.js';

/** `betterAuth` is also spelled `better-auth` on the command line. */
const PRESET_ALIASES: Record<string, PresetName> = { 'better-auth': 'betterAuth' };
export const PRESET_LIST = Object.keys(presets).join(', ');

/** What chooses the password context: --preset, --coexist, and whether users are in a database. */
export interface ContextChoice {
  preset?: string;
  coexist?: boolean;
  database?: boolean;
}

/** The store layout a preset selects on a database: Django's own auth_user for `django`. */
export function databaseLayout(preset: string | undefined): string | undefined {
  return preset === 'django' ? 'django' : undefined;
}

/** The options that choose the password context: `--preset NAME [--coexist]`. */
export const CONTEXT_OPTIONS = { preset: { type: 'string' }, coexist: { type: 'boolean', default: false } } as const;

/**
 * With --preset, that migration preset (--coexist: in coexistence mode). Without, the seed's policy
 * (bcrypt, cost 12) with every other built-in scheme still readable; logins move those to bcrypt.
 * On a database, `--preset django` is Django's own auth_user table: coexistence is implied.
 */
export function cliContext(values: ContextChoice = {}): CryptContext {
  if (values.preset === undefined) {
    if (values.coexist) throw new UsageError('--coexist needs --preset NAME');
    return new CryptContext({ schemes: listSchemes(), default: 'bcrypt', deprecated: 'auto', settings: OWASP_SETTINGS });
  }
  const name = PRESET_ALIASES[values.preset] ?? values.preset;
  if (!Object.hasOwn(presets, name)) throw new UsageError(`unknown preset ${JSON.stringify(values.preset)} (known: ${PRESET_LIST})`);
  const coexist = values.coexist === true || (values.database === true && databaseLayout(name) !== undefined);
  try {
    return presets[name as PresetName]({ coexist });
  } catch (error) {
    if (error instanceof GatehouseError) throw new UsageError(`--preset ${values.preset}: ${error.message}`);
    throw error;
  }
}
