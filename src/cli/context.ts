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
  /** --layout: another app's table, whose own preset (in coexistence) is implied. */
  layout?: string;
  /** WordPress: the hashes coexistence writes (the site's db_version, or --wordpress-format). */
  wordpressFormat?: 'phpass' | 'wp-bcrypt';
}

/** The other apps' tables --layout names, and the preset each one's hashes are read with. */
export const LAYOUT_PRESETS: Readonly<Record<string, PresetName>> = {
  django: 'django',
  wordpress: 'wordpress',
  laravel: 'php',
  'fastapi-users': 'fastapi',
  'better-auth': 'betterAuth',
};
export const LAYOUT_LIST = Object.keys(LAYOUT_PRESETS).join('|');

/** The options that choose another app's table: `--layout NAME [--table-prefix P] [--wordpress-format F]`. */
export const LAYOUT_OPTIONS = {
  layout: { type: 'string' },
  'table-prefix': { type: 'string' },
  'wordpress-format': { type: 'string' },
} as const;

/**
 * The store layout on a database: `--layout NAME`, else the one a preset selects (Django's own
 * auth_user for `django`, wp_users for `wordpress`); undefined for gatehouse's own users table.
 */
export function databaseLayout(preset: string | undefined, layout?: string): string | undefined {
  if (layout !== undefined) {
    if (layout === 'default') return undefined;
    if (!Object.hasOwn(LAYOUT_PRESETS, layout)) throw new UsageError(`unknown --layout ${JSON.stringify(layout)} (known: ${LAYOUT_LIST})`);
    return layout;
  }
  return preset === 'django' || preset === 'wordpress' ? preset : undefined;
}

/** --wordpress-format, checked: 'phpass' (WordPress before 6.8) or 'wp-bcrypt' (6.8 on). */
export function wordpressFormatOption(value: string | undefined): 'phpass' | 'wp-bcrypt' | undefined {
  if (value === undefined || value === 'phpass' || value === 'wp-bcrypt') return value;
  throw new UsageError('--wordpress-format is phpass (WordPress before 6.8) or wp-bcrypt (6.8 on)');
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
  const layout = values.database === true ? databaseLayout(values.preset, values.layout) : undefined;
  const preset = values.preset ?? (layout === undefined ? undefined : LAYOUT_PRESETS[layout]);
  if (preset === undefined) {
    if (values.coexist) throw new UsageError('--coexist needs --preset NAME');
    const library = getDefaultContext();
    return new CryptContext({ schemes: listSchemes(), default: library.defaultScheme, deprecated: 'auto', settings: OWASP_SETTINGS });
  }
  const name = PRESET_ALIASES[preset] ?? preset;
  if (!Object.hasOwn(presets, name)) throw new UsageError(`unknown preset ${JSON.stringify(preset)} (known: ${PRESET_LIST})`);
  // Another app's table: write what that app reads.
  const coexist = values.coexist === true || layout !== undefined;
  const format = name === 'wordpress' && coexist ? values.wordpressFormat : undefined;
  try {
    return format ? presets.wordpress({ coexist, format }) : presets[name as PresetName]({ coexist });
  } catch (error) {
    if (error instanceof GatehouseError) throw new UsageError(`--preset ${preset}: ${error.message}`);
    throw error;
  }
}
