/** The password context the CLI hashes and verifies with: the seed's policy or `--preset NAME [--coexist]`. */
import { GatehouseError } from '../errors.js';
import { getDefaultContext } from '../passwords/default-context.js';
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

/** The library's default scheme and its settings, as the help states them: `scrypt (ln=17, r=8, p=1)`. */
export function defaultHashDescription(): string {
  const context = getDefaultContext();
  const effective = context.settingsOf(context.defaultScheme) ?? {};
  // The cost parameters OWASP_SETTINGS sets (not the caps and sizes every hash has).
  const costs = Object.keys((OWASP_SETTINGS as Record<string, object>)[context.defaultScheme] ?? {});
  const settings = costs.map((key) => `${key}=${String(effective[key])}`);
  return `${context.defaultScheme}${settings.length ? ` (${settings.join(', ')})` : ''}`;
}

/**
 * With --preset, that migration preset (--coexist: in coexistence mode). Without, the library's
 * default policy (getDefaultContext(): scrypt with OWASP_SETTINGS), so that a hash the CLI writes is
 * one the library's default context keeps as it is; every other built-in scheme stays readable
 * (and `hash --scheme NAME` can write it), and logins move those to the default.
 * On a database, `--preset django` is Django's own auth_user table: coexistence is implied.
 */
export function cliContext(values: ContextChoice = {}): CryptContext {
  if (values.preset === undefined) {
    if (values.coexist) throw new UsageError('--coexist needs --preset NAME');
    const library = getDefaultContext();
    return new CryptContext({ schemes: listSchemes(), default: library.defaultScheme, deprecated: 'auto', settings: OWASP_SETTINGS });
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
