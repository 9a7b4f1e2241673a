/**
 * How a migration preset becomes a CryptContext. A preset names every scheme its ecosystem has
 * written; in the default mode new hashes use gatehouse's default scheme and every other one is
 * deprecated (upgraded at the next login); in coexistence mode new hashes keep the old system's
 * current format and only what the old system itself would rehash is upgraded.
 */
import { ConfigurationError } from '../../errors.js';
import { CryptContext } from '../context.js';
import { getDefaultContext } from '../default-context.js';
import { lookupScheme } from '../registry.js';
import type { PasswordScheme, SchemeSettings } from '../scheme.js';
import { isInteger } from '../../internal/assert.js';

/**
 * Options every preset takes.
 *
 * @example
 * const context = presets.django({ coexist: true, settings: { django_pbkdf2_sha256: { maxRounds: 2_000_000 } } });
 */
export interface PresetOptions {
  /**
   * Keep writing the old system's current format, and upgrade only the hashes the old system
   * itself would upgrade, so that the old app and gatehouse can share one user table. Default false.
   */
  coexist?: boolean;
  /** Per-scheme settings over the preset's, e.g. `{ bcrypt: { maxRounds: 14 } }`. */
  settings?: Readonly<Record<string, SchemeSettings>>;
  /** Passwords longer than this (UTF-8 bytes) are refused before hashing. Default 4096. */
  maxPasswordBytes?: number;
}

/** What the old system writes and upgrades, for coexistence mode. */
export interface CoexistPlan {
  /** The scheme the old system writes today. */
  scheme: PasswordScheme<any>;
  /** Its settings, as the old system's current version uses them. */
  settings: SchemeSettings;
  /**
   * The schemes the old system rehashes at login ('auto': every one but `scheme`). Schemes the
   * preset adds (gatehouse's own default) are always deprecated, so hashes written outside
   * coexistence move to a format the old system reads.
   */
  deprecated: 'auto' | readonly string[];
}

export interface PresetPlan {
  /** Used in error messages: `presets.<name>`. */
  name: string;
  /** Every scheme the ecosystem has written; no two may claim the same hash. */
  schemes: ReadonlyArray<PasswordScheme<any>>;
  /**
   * Floors for the verify caps (maxRounds, maxMemoryKiB, ...), so that the ecosystem's own
   * default-cost hashes always stay verifiable whatever gatehouse's caps are.
   */
  capFloors?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Absent when the preset has no old system to coexist with. */
  coexist?: CoexistPlan;
}

const OPTION_KEYS = new Set(['coexist', 'settings', 'maxPasswordBytes']);

/**
 * Check a preset's options object: an object or undefined, known keys only (a typo such as
 * `coexists` must not silently mean "no coexistence").
 */
export function checkPresetOptions<T extends PresetOptions>(name: string, options: T | undefined, extraKeys: readonly string[] = []): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigurationError(`presets.${name}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key) && !extraKeys.includes(key)) throw new ConfigurationError(`presets.${name}: unknown option ${JSON.stringify(key)}`);
  }
  if (options.coexist !== undefined && typeof options.coexist !== 'boolean') {
    throw new ConfigurationError(`presets.${name}: coexist must be a boolean`);
  }
  return options;
}

/** A positive integer option (a cost), or the fallback when absent. */
export function integerOption(preset: string, key: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!isInteger(value, min, max)) throw new ConfigurationError(`presets.${preset}: ${key} must be an integer in [${min}, ${max}]`);
  return value;
}

/** One of the allowed strings, or the fallback when absent. */
export function choiceOption<T extends string>(preset: string, key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigurationError(`presets.${preset}: ${key} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** gatehouse's default scheme and settings, read from the default context so presets follow it. */
function gatehouseDefault(): { scheme: PasswordScheme<any>; settings: SchemeSettings } {
  const context = getDefaultContext();
  const scheme = lookupScheme(context.defaultScheme);
  if (!scheme) throw new ConfigurationError(`gatehouse's default scheme ${context.defaultScheme} is not registered`);
  return { scheme, settings: { ...context.settingsOf(context.defaultScheme) } };
}

function withoutDuplicates(schemes: ReadonlyArray<PasswordScheme<any>>): PasswordScheme<any>[] {
  const seen = new Set<string>();
  return schemes.filter((scheme) => !seen.has(scheme.name) && (seen.add(scheme.name), true));
}

function mergeSettings(...layers: Array<Readonly<Record<string, SchemeSettings>> | undefined>): Record<string, SchemeSettings> {
  const merged: Record<string, SchemeSettings> = {};
  for (const layer of layers) {
    for (const [name, settings] of Object.entries(layer ?? {})) merged[name] = { ...merged[name], ...settings };
  }
  return merged;
}

/** Each cap at least its floor: max(the scheme's own default cap, the floor). */
function capSettings(schemes: ReadonlyArray<PasswordScheme<any>>, floors: PresetPlan['capFloors']): Record<string, SchemeSettings> {
  const out: Record<string, SchemeSettings> = {};
  for (const scheme of schemes) {
    const floor = floors?.[scheme.name];
    if (!floor) continue;
    const raised: SchemeSettings = {};
    for (const [key, value] of Object.entries(floor)) {
      const current = (scheme.defaults as Record<string, unknown>)[key];
      raised[key] = typeof current === 'number' ? Math.max(current, value) : value;
    }
    out[scheme.name] = raised;
  }
  return out;
}

/** The CryptContext of a preset in the mode its options ask for. */
export function buildPreset(plan: PresetPlan, options: PresetOptions): CryptContext {
  const fallback = gatehouseDefault();
  const coexist = options.coexist === true;
  if (coexist && !plan.coexist) throw new ConfigurationError(`presets.${plan.name} has no old system to coexist with`);

  if (!coexist) {
    const schemes = withoutDuplicates([fallback.scheme, ...plan.schemes]);
    return new CryptContext({
      schemes,
      default: fallback.scheme.name,
      deprecated: 'auto',
      settings: mergeSettings(capSettings(schemes, plan.capFloors), { [fallback.scheme.name]: fallback.settings }, options.settings),
      maxPasswordBytes: options.maxPasswordBytes,
    });
  }

  const target = plan.coexist!;
  const schemes = withoutDuplicates([target.scheme, ...plan.schemes, fallback.scheme]);
  const deprecated =
    target.deprecated === 'auto'
      ? 'auto'
      : [...new Set([...target.deprecated, fallback.scheme.name])].filter((name) => name !== target.scheme.name);
  return new CryptContext({
    schemes,
    default: target.scheme.name,
    deprecated,
    settings: mergeSettings(
      capSettings(schemes, plan.capFloors),
      target.scheme.name === fallback.scheme.name ? undefined : { [fallback.scheme.name]: fallback.settings },
      { [target.scheme.name]: target.settings },
      options.settings,
    ),
    maxPasswordBytes: options.maxPasswordBytes,
  });
}

/**
 * The same scheme, but never asking for an update of a hash it reads (an old system that never
 * rehashes by parameters, such as Werkzeug or passlib without cost bounds). Unreadable hashes
 * still throw MalformedHashError.
 */
export function keepingParameters<S extends SchemeSettings>(
  scheme: PasswordScheme<S>,
  stillNeedsUpdate: (hash: string, settings: S) => boolean = () => false,
): PasswordScheme<S> {
  return {
    ...scheme,
    needsUpdate(hash, settings, policy) {
      scheme.needsUpdate(hash, settings, policy); // parses: a malformed hash throws here
      return stillNeedsUpdate(hash, settings);
    },
  };
}
