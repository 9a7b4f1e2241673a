import {
  ConfigurationError,
  MalformedHashError,
  PasswordPolicyError,
  UnknownHashError,
} from '../errors.js';
import { randomBytes, toHex, utf8 } from './encodings.js';
import { configureHashingPool, type HashingPoolOptions } from './pool/hashing-pool.js';
import { MAX_PASSWORD_BYTES } from './limits.js';
import type { PasswordScheme, SchemeSettings, UpdatePolicy } from './scheme.js';

/**
 * A password: a string (hashed as its UTF-8 bytes) or the bytes themselves.
 *
 * @example
 * await context.verify(new TextEncoder().encode('correct horse'), storedHash); // same as the string
 */
export type Password = string | Uint8Array;

/**
 * What a CryptContext hashes with, reads, and upgrades (passlib's CryptContext arguments).
 *
 * @example
 * const context = new CryptContext({ schemes: [scrypt, bcrypt], deprecated: 'auto', settings: { bcrypt: { maxRounds: 13 } } });
 */
export interface CryptContextOptions {
  /**
   * The schemes, in order: scheme objects (`bcrypt`, `scrypt`, ... from `gatehouse/passwords`) or
   * names looked up in `registry`. The root `gatehouse` entry's CryptContext knows every built-in
   * scheme (and those given to `registerScheme`) by name.
   */
  schemes: ReadonlyArray<string | PasswordScheme<any>>;
  /**
   * The schemes a name in `schemes` may refer to, e.g. `builtinSchemes`. Default: none in
   * `gatehouse/passwords` (pass objects), every built-in and registered scheme in `gatehouse`.
   */
  registry?: Iterable<PasswordScheme<any>>;
  /** The scheme new hashes use. Default: the first scheme that is not deprecated. */
  default?: string;
  /** 'auto': every scheme but the default. Or an explicit list of names. Default: none. */
  deprecated?: 'auto' | readonly string[];
  /** Per-scheme settings over the scheme's defaults, e.g. `{ bcrypt: { rounds: 12 } }`. */
  settings?: Readonly<Record<string, SchemeSettings>>;
  /** How `needsUpdate` treats parameters that differ from the configured ones. Default 'exact'. */
  updatePolicy?: UpdatePolicy;
  /** Passwords longer than this (UTF-8 bytes) are refused before hashing. Default 4096. */
  maxPasswordBytes?: number;
  /**
   * The process's hashing pool (worker threads for bcrypt, argon2, scrypt and PBKDF2 on Node, Deno and Bun):
   * `{ size }` or `false`. The pool is shared by every context: this is `configureHashingPool`.
   * Default: leave it as it is (on, sized from the core count).
   */
  hashingPool?: HashingPoolOptions;
}

/**
 * @internal CryptContextOptions with the clock hardenRuntime reads and the wait it pads with, so
 * that tests can run it on a fake clock (test/unit/passwords/harden-runtime.test.ts). Not a public option: an app
 * has no reason to change either. Default: performance.now, setTimeout.
 */
export interface CryptContextTestOptions extends CryptContextOptions {
  timing?: { now?: () => number; sleep?: (ms: number) => Promise<void> };
}

/** The estimate of a dummy verify is the median of this many recent ones (robust to a slow outlier). */
const ESTIMATE_SAMPLES = 7;
/** A failed verify that took less than this share of a dummy verify is padded with a real one. */
const CHEAP_SHARE = 0.1;

const defaultNow = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The outcome of `verifyAndUpdate`: whether the password matched, and the hash to store instead if it is outdated.
 *
 * @example
 * const { valid, newHash } = await context.verifyAndUpdate(password, user.hashedPassword);
 * if (valid && newHash) await users.updatePasswordHash(user.username, newHash, user.hashedPassword);
 */
export interface VerifyAndUpdateResult {
  valid: boolean;
  /** A fresh hash with the default scheme, only when the password is right and the hash outdated. */
  newHash: string | null;
}

interface Entry {
  scheme: PasswordScheme<SchemeSettings>;
  settings: SchemeSettings;
  deprecated: boolean;
}

function schemesByName(registry: Iterable<PasswordScheme<any>> | undefined): Map<string, PasswordScheme<any>> {
  const named = new Map<string, PasswordScheme<any>>();
  if (registry === undefined) return named;
  if (registry === null || typeof (registry as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new ConfigurationError('registry must be an iterable of schemes (e.g. builtinSchemes)');
  }
  for (const scheme of registry) {
    if (scheme && typeof scheme.name === 'string' && !named.has(scheme.name)) named.set(scheme.name, scheme);
  }
  return named;
}

/**
 * A registry of password-hash schemes with a policy, after passlib's CryptContext:
 * new hashes use the default scheme, every listed scheme stays verifiable, and
 * `verifyAndUpdate` moves outdated hashes onto the current policy at login. Only the schemes it
 * is given end up in an app's bundle.
 *
 * @example
 * import { CryptContext, bcrypt, scrypt } from 'gatehouse/passwords';
 * const context = new CryptContext({ schemes: [scrypt, bcrypt], deprecated: 'auto', settings: { bcrypt: { rounds: 12 } } });
 * const hash = await context.hash('correct horse');
 * const { valid, newHash } = await context.verifyAndUpdate('correct horse', storedHash);
 */
export class CryptContext {
  readonly defaultScheme: string;
  readonly updatePolicy: UpdatePolicy;
  readonly maxPasswordBytes: number;
  readonly #entries: Entry[];
  readonly #byName = new Map<string, Entry>();
  #dummyHash: Promise<string> | undefined;
  /** Recent dummyVerify times in ms (a ring) and their median. */
  readonly #dummySamples: number[] = [];
  #dummySampleIndex = 0;
  #dummyMs: number | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: CryptContextOptions) {
    if (!options || !Array.isArray(options.schemes) || options.schemes.length === 0) {
      throw new ConfigurationError('CryptContext needs at least one scheme');
    }
    const deprecatedNames = options.deprecated === 'auto' ? null : new Set(options.deprecated ?? []);
    const named = schemesByName(options.registry);
    this.#entries = options.schemes.map((spec) => {
      const scheme = typeof spec === 'string' ? named.get(spec) : spec;
      if (!scheme || typeof scheme.name !== 'string' || typeof scheme.verify !== 'function') {
        const hint = typeof spec === 'string' && options.registry === undefined
          ? ' (pass the scheme object, e.g. `import { bcrypt } from \'gatehouse/passwords\'`, or `registry: builtinSchemes`)'
          : '';
        throw new ConfigurationError(`unknown password scheme ${JSON.stringify(typeof spec === 'string' ? spec : String(spec))}${hint}`);
      }
      if (this.#byName.has(scheme.name)) throw new ConfigurationError(`scheme ${scheme.name} listed twice`);
      const entry: Entry = {
        scheme: scheme as PasswordScheme<SchemeSettings>,
        settings: { ...scheme.defaults, ...(options.settings?.[scheme.name] ?? {}) },
        deprecated: false,
      };
      this.#byName.set(scheme.name, entry);
      return entry;
    });
    for (const name of Object.keys(options.settings ?? {})) {
      if (!this.#byName.has(name)) throw new ConfigurationError(`settings given for unlisted scheme ${name}`);
    }
    for (const name of deprecatedNames ?? []) {
      if (!this.#byName.has(name)) throw new ConfigurationError(`deprecated scheme ${name} is not listed`);
    }

    const defaultName =
      options.default ?? this.#entries.find((e) => !deprecatedNames?.has(e.scheme.name))?.scheme.name;
    const defaultEntry = defaultName === undefined ? undefined : this.#byName.get(defaultName);
    if (!defaultEntry) throw new ConfigurationError(`default scheme ${String(defaultName)} is not listed`);
    if (typeof defaultEntry.scheme.hash !== 'function') {
      throw new ConfigurationError(`default scheme ${defaultEntry.scheme.name} can only verify, not hash`);
    }
    if (deprecatedNames?.has(defaultEntry.scheme.name)) {
      throw new ConfigurationError(`default scheme ${defaultEntry.scheme.name} cannot be deprecated`);
    }
    for (const entry of this.#entries) {
      entry.deprecated = deprecatedNames ? deprecatedNames.has(entry.scheme.name) : entry !== defaultEntry;
    }
    this.defaultScheme = defaultEntry.scheme.name;
    this.updatePolicy = options.updatePolicy ?? 'exact';
    if (this.updatePolicy !== 'exact' && this.updatePolicy !== 'minimum') {
      throw new ConfigurationError(`updatePolicy must be 'exact' or 'minimum'`);
    }
    this.maxPasswordBytes = options.maxPasswordBytes ?? MAX_PASSWORD_BYTES;
    if (options.hashingPool !== undefined) {
      try {
        configureHashingPool(options.hashingPool);
      } catch (error) {
        throw new ConfigurationError(`hashingPool: ${(error as Error).message}`);
      }
    }
    const { timing } = options as CryptContextTestOptions;
    this.#now = timing?.now ?? defaultNow;
    this.#sleep = timing?.sleep ?? defaultSleep;
  }

  /** Names of the registered schemes, in order. */
  get schemes(): string[] {
    return this.#entries.map((e) => e.scheme.name);
  }

  /** The effective settings of a scheme (its defaults merged with this context's). */
  settingsOf(name: string): Readonly<SchemeSettings> | undefined {
    return this.#byName.get(name)?.settings;
  }

  /**
   * True when the named scheme is deprecated in this context (its hashes are upgraded at login).
   *
   * @example
   * context.isDeprecated('md5_crypt'); // true with deprecated: 'auto' and another default
   */
  isDeprecated(name: string): boolean {
    return this.#byName.get(name)?.deprecated ?? false;
  }

  /** The name of the scheme that reads `hash`, or null. */
  identify(hash: unknown): string | null {
    return typeof hash === 'string' ? (this.#find(hash)?.scheme.name ?? null) : null;
  }

  /** Hash with the default scheme (or `scheme`, which must be listed and able to hash). */
  async hash(password: Password, options: { scheme?: string } = {}): Promise<string> {
    const bytes = this.#passwordBytes(password);
    if (bytes === null) throw new PasswordPolicyError('must be a string or Uint8Array');
    if (bytes.length > this.maxPasswordBytes) {
      throw new PasswordPolicyError(`longer than ${this.maxPasswordBytes} bytes`);
    }
    return this.#hashBytes(bytes, options.scheme);
  }

  /** Hash bytes already checked against maxPasswordBytes. */
  #hashBytes(bytes: Uint8Array, scheme?: string): Promise<string> {
    const entry = this.#byName.get(scheme ?? this.defaultScheme);
    if (!entry) throw new ConfigurationError(`scheme ${String(scheme)} is not listed`);
    if (!entry.scheme.hash) throw new ConfigurationError(`scheme ${entry.scheme.name} can only verify, not hash`);
    return entry.scheme.hash(bytes, entry.settings);
  }

  /**
   * True when `password` matches `hash`. A wrong, empty, oversized or non-string password gives
   * false; a hash no scheme reads throws UnknownHashError. A null/undefined hash (user without a
   * password) spends the time of a real verify and gives false.
   */
  async verify(password: Password, hash: string | null | undefined): Promise<boolean> {
    if (hash === null || hash === undefined) return this.dummyVerify();
    const entry = this.#require(hash);
    const bytes = this.#passwordBytes(password);
    if (bytes === null || bytes.length > this.maxPasswordBytes) {
      await this.dummyVerify();
      return false;
    }
    return entry.scheme.verify(bytes, hash, entry.settings);
  }

  /** True when the hash's scheme is deprecated or its parameters are not the configured ones. */
  needsUpdate(hash: string): boolean {
    const entry = this.#require(hash);
    return entry.deprecated || entry.scheme.needsUpdate(hash, entry.settings, this.updatePolicy);
  }

  /** Verify, and when the password is right but the hash outdated, rehash with the default scheme. */
  async verifyAndUpdate(password: Password, hash: string | null | undefined): Promise<VerifyAndUpdateResult> {
    if (hash === null || hash === undefined) return { valid: await this.dummyVerify(), newHash: null };
    // As verify, then needsUpdate and hash, but the hash is identified once and the password
    // encoded once: the bytes verified are the bytes rehashed.
    const entry = this.#require(hash);
    const bytes = this.#passwordBytes(password);
    if (bytes === null || bytes.length > this.maxPasswordBytes) {
      await this.dummyVerify();
      return { valid: false, newHash: null };
    }
    const valid = await entry.scheme.verify(bytes, hash, entry.settings);
    if (!valid || !(entry.deprecated || entry.scheme.needsUpdate(hash, entry.settings, this.updatePolicy))) return { valid, newHash: null };
    try {
      return { valid, newHash: await this.#hashBytes(bytes) };
    } catch (error) {
      // The default scheme may refuse a password a legacy scheme accepted (bcrypt's 72 bytes):
      // keep the old hash rather than lose the user's ability to log in.
      if (error instanceof PasswordPolicyError) return { valid, newHash: null };
      throw error;
    }
  }

  /**
   * Spend the time of verifying against a default-scheme hash and return false: used for
   * unknown users so that login timing does not reveal which usernames exist.
   */
  async dummyVerify(): Promise<false> {
    const entry = this.#byName.get(this.defaultScheme)!;
    this.#dummyHash ??= entry.scheme.hash!(utf8(toHex(randomBytes(16))), entry.settings);
    let hash: string;
    try {
      hash = await this.#dummyHash;
    } catch (error) {
      this.#dummyHash = undefined;
      throw error;
    }
    const start = this.#now();
    await entry.scheme.verify(utf8(toHex(randomBytes(16))), hash, entry.settings);
    const samples = this.#dummySamples;
    samples[this.#dummySampleIndex] = this.#now() - start;
    this.#dummySampleIndex = (this.#dummySampleIndex + 1) % ESTIMATE_SAMPLES;
    const sorted = [...samples].sort((a, b) => a - b);
    this.#dummyMs = sorted[sorted.length >> 1];
    return false;
  }

  /**
   * After a failed verify that began at `startedAt` (this context's clock: `now()`),
   * spend what remains of the time of a dummy verify, as Django's harden_runtime does: a wrong
   * password on a cheap legacy hash (md5_crypt, phpass, low-round PBKDF2) then takes as long as an
   * unknown user, and login timing does not tell which users still have such a hash. A verify that
   * took longer (a costlier hash) is left as it is.
   *
   * How the rest is spent: after a cheap hash (under a tenth of a dummy verify: the legacy digests
   * and crypts) the pad is a real dummy verify, as Django runs extra iterations: the total then
   * follows the machine's load exactly as an unknown user's does, and is at most 10% longer. After
   * a hash closer to the default (bcrypt 12, PBKDF2 600k, OWASP argon2) the rest is waited with a
   * timer on a running estimate (the median of the last 7 dummy verifies, each one measured): no
   * CPU, no event-loop time, and a real verify would overshoot by the hash's own time. Neither
   * blocks the event loop.
   *
   * @example
   * const start = context.now();
   * if (!(await context.verify(password, hash))) await context.hardenRuntime(start);
   */
  async hardenRuntime(startedAt: number): Promise<void> {
    const elapsed = this.#now() - startedAt;
    const estimate = this.#dummyMs;
    if (estimate === undefined || elapsed < estimate * CHEAP_SHARE) {
      await this.dummyVerify();
      return;
    }
    const remaining = estimate - elapsed;
    if (remaining >= 1) await this.#sleep(remaining);
  }

  /**
   * The clock hardenRuntime measures with, in milliseconds (performance.now()): read it before a
   * verify whose failure you will pass to hardenRuntime.
   *
   * @example
   * const start = context.now();
   * if (!(await context.verify(password, hash))) await context.hardenRuntime(start);
   */
  now(): number {
    return this.#now();
  }

  #find(hash: string): Entry | undefined {
    let found: Entry | undefined;
    for (const entry of this.#entries) {
      if (!entry.scheme.identify(hash)) continue;
      if (found) {
        throw new ConfigurationError(`schemes ${found.scheme.name} and ${entry.scheme.name} both claim the same hash`);
      }
      found = entry;
    }
    return found;
  }

  #require(hash: string): Entry {
    if (typeof hash !== 'string') throw new MalformedHashError('unknown', 'hash must be a string');
    const entry = this.#find(hash);
    if (!entry) throw new UnknownHashError();
    return entry;
  }

  #passwordBytes(password: Password): Uint8Array | null {
    if (typeof password === 'string') return utf8(password);
    if (password instanceof Uint8Array) return password;
    return null;
  }
}
