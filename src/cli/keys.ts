/**
 * `gatehouse keys add|rotate|list --database URL`: the key ring in the database (table
 * gatehouse_signing_keys), and the ring `gatehouse serve --database URL` signs with when it holds keys.
 * Private keys are sealed under $GATEHOUSE_KEY_SECRET; nothing here prints private material.
 */
import { existsSync } from 'node:fs';
import { GatehouseError } from '../errors.js';
import {
  createKeyRing,
  keyPhases,
  KeyRingError,
  SIGNING_KEY_ALGORITHMS,
  type KeyInfo,
  type KeyRing,
  type SigningKeyAlgorithm,
} from '../tokens/index.js';
import { sqliteFilePath } from '../users/sql/drivers.js';
import { createPostgresKeyRingStore, createSqliteKeyRingStore, type SqlKeyRingStore } from '../users/sql/signing-keys.js';
import { createMysqlKeyRingStore } from '../users/sql/signing-keys-mysql.js';
import { HELP, UsageError, parse, unknown } from './usage.js';

export const KEYS_USAGE = `  keys add           Make a signing key (ES256, EdDSA or RS256) and store it in --database, its
                     private key encrypted under $GATEHOUSE_KEY_SECRET (make one with gatehouse secret);
                     the first key signs at once, a later one is published first (as rotate)
    --alg ALG          ES256 (default), EdDSA or RS256
    --publish-for S    seconds a new key is published before it signs (default 600: jose caches
                       a key set 10 minutes)
  keys rotate        Add a new key that signs after --publish-for; the signing key then retires and
                     stays published until its tokens have expired; keys gone for good are deleted
    --alg ALG  --publish-for S  --max-token-age S (how long a retired key stays published, default 1860)
  keys list          kid, algorithm, phase (published, signing, retired, gone) and dates (--json: JSON lines)
    --database URL     sqlite:PATH or postgres://user@host:5432/db ($GATEHOUSE_DATABASE)
  serve --database URL signs with the database's key ring when it holds keys (HS256 with $SECRET_KEY
    otherwise), serves /.well-known/jwks.json, and re-reads the ring every $GATEHOUSE_KEY_REFRESH
    seconds (default 60); a retired key stays published $GATEHOUSE_KEY_MAX_TOKEN_AGE seconds
    (default: the token lifetime, $GATEHOUSE_TOKEN_TTL seconds or 1800, plus 60)
`;

const ACTIONS = ['add', 'rotate', 'list'];
const DEFAULT_MAX_TOKEN_AGE = 1860;

/** Whether a --database URL can hold a key ring: SQLite, PostgreSQL, MySQL/MariaDB. */
function holdsKeyRing(url: string): boolean {
  return /^sqlite:/i.test(url) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^(postgres(ql)?|mysql|mariadb):\/\//i.test(url);
}

/** The key store a --database URL names. SQLite: the file must exist unless `create`. */
function openKeyStore(url: string, create: boolean): SqlKeyRingStore {
  if (/^sqlite:/i.test(url) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const path = sqliteFilePath(url);
    if (!create && path !== ':memory:' && !existsSync(path)) throw new UsageError(`the database ${url} does not exist`);
    return createSqliteKeyRingStore(path);
  }
  if (/^postgres(ql)?:\/\//i.test(url)) return createPostgresKeyRingStore(url);
  if (/^(mysql|mariadb):\/\//i.test(url)) return createMysqlKeyRingStore(url);
  throw new UsageError('--database must be sqlite:PATH, postgres://... or mysql://...');
}

/** The URL without its password, for messages. */
function describe(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function secondsOption(value: string | undefined, flag: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!/^\d+(?:\.\d+)?$/.test(value) || Number(value) < min || Number(value) > 366 * 86400) {
    throw new UsageError(`${flag} must be a number of seconds (${min} to ${366 * 86400})`);
  }
  return Number(value);
}

function keySecret(): string {
  const secret = process.env.GATEHOUSE_KEY_SECRET;
  if (!secret) throw new UsageError('set $GATEHOUSE_KEY_SECRET: private keys are encrypted under it (make one with gatehouse secret)');
  return secret;
}

const iso = (seconds: number | null) => (seconds === null ? '-' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'));

function describeKey(key: Omit<KeyInfo, 'publicJwk'>): string {
  const when =
    key.phase === 'published' ? `signs from ${iso(key.activatesAt)}`
    : key.phase === 'signing' ? (key.retiresAt === null ? `signing since ${iso(key.activatesAt)}` : `signing until ${iso(key.retiresAt)}`)
    : key.phase === 'retired' ? `published until ${iso(key.removedAt)}`
    : `gone since ${iso(key.removedAt)}`;
  return `${key.kid}  ${key.alg}  ${key.phase}  ${when}`;
}

/** `gatehouse keys ...`. Exit status: 0 ok, 1 failed, 2 usage. */
export async function runKeysCommand(args: string[], help: (topic: string) => number): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === '-h' || action === '--help') return help('keys');
  if (!ACTIONS.includes(action)) throw unknown('keys command', action, ACTIONS, 'keys');
  const { values } = parse({
    args: rest,
    options: {
      ...HELP,
      database: { type: 'string' },
      alg: { type: 'string' },
      'publish-for': { type: 'string' },
      'max-token-age': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  }, 'keys');
  if (values.help) return help('keys');
  const url = values.database ?? process.env.GATEHOUSE_DATABASE;
  if (!url) throw new UsageError('keys needs --database URL (or GATEHOUSE_DATABASE)', 'keys');
  const alg = values.alg;
  if (alg !== undefined && !SIGNING_KEY_ALGORITHMS.includes(alg as SigningKeyAlgorithm)) {
    throw unknown('algorithm', alg, SIGNING_KEY_ALGORITHMS, 'keys');
  }
  if (action === 'list' && (alg !== undefined || values['publish-for'] !== undefined)) throw new UsageError('keys list takes --database, --max-token-age and --json', 'keys');
  if (action !== 'list' && values.json) throw new UsageError('--json is for keys list', 'keys');
  const publishFor = secondsOption(values['publish-for'], '--publish-for', 600);
  const maxTokenAge = secondsOption(values['max-token-age'], '--max-token-age', DEFAULT_MAX_TOKEN_AGE, 1);
  const store = openKeyStore(url, action !== 'list');
  try {
    if (action === 'list') {
      // Phases come from the stored times: no secret needed, nothing decrypted.
      const keys = keyPhases(await store.listKeys(), Date.now() / 1000, maxTokenAge).map(({ row: _row, ...info }) => info);
      for (const key of keys) process.stdout.write(`${values.json ? JSON.stringify(key) : describeKey(key)}\n`);
      if (keys.length === 0 && !values.json) process.stderr.write(`gatehouse: no signing keys in ${describe(url)} (add one with gatehouse keys add)\n`);
      return 0;
    }
    const secret = keySecret();
    await store.migrate();
    const ring = createKeyRing({ store, secret, publishFor, maxTokenAge, algorithm: (alg ?? 'ES256') as SigningKeyAlgorithm });
    await ring.ready;
    const info = action === 'add' ? await ring.add() : await ring.rotate();
    process.stdout.write(`${describeKey(info)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof KeyRingError && error.reason === 'empty') throw new UsageError(error.message, 'keys');
    if (error instanceof GatehouseError) {
      process.stderr.write(`gatehouse: ${describe(url)}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close().catch(() => {});
  }
}

/** For `gatehouse db migrate`: create the key ring's table too. */
export async function migrateKeyTable(url: string): Promise<void> {
  if (!holdsKeyRing(url)) return;
  const store = openKeyStore(url, true);
  try {
    await store.migrate();
  } finally {
    await store.close().catch(() => {});
  }
}

/** A positive number of seconds from the environment, or undefined. */
function envSeconds(name: string, min: number): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+(?:\.\d+)?$/.test(value) || Number(value) < min || Number(value) > 366 * 86400) {
    throw new UsageError(`$${name} must be a number of seconds (${min} or more)`);
  }
  return Number(value);
}

/** The token lifetime `serve` issues ($GATEHOUSE_TOKEN_TTL seconds), or undefined for the default 30 minutes. */
export function serveTokenTtl(): number | undefined {
  return envSeconds('GATEHOUSE_TOKEN_TTL', 1);
}

/**
 * For `serve --database URL`: the database's key ring when it holds keys (then $GATEHOUSE_KEY_SECRET
 * is required), else null (HS256 with $SECRET_KEY).
 */
export async function serveKeyRing(url: string, tokenTtl: number | undefined): Promise<{ ring: KeyRing; close: () => Promise<void> } | null> {
  if (!holdsKeyRing(url)) return null;
  const store = openKeyStore(url, false);
  try {
    const keys = await store.listKeys();
    if (keys.length === 0) {
      await store.close();
      return null;
    }
    const secret = process.env.GATEHOUSE_KEY_SECRET;
    if (!secret) {
      throw new UsageError('the database holds signing keys: set $GATEHOUSE_KEY_SECRET, the secret they are encrypted under');
    }
    const ring = createKeyRing({
      store,
      secret,
      maxTokenAge: envSeconds('GATEHOUSE_KEY_MAX_TOKEN_AGE', 1) ?? (tokenTtl ?? 1800) + 60,
      refreshInterval: envSeconds('GATEHOUSE_KEY_REFRESH', 0.001) ?? 60,
      onError: (error) => process.stderr.write(`gatehouse: the key ring could not be re-read (keeping the keys read last): ${(error as Error).message}\n`),
    });
    await ring.ready;
    process.stderr.write(`gatehouse: signing with the key ring in ${describe(url)} (${keys.length} key(s), published at /.well-known/jwks.json)\n`);
    return { ring, close: () => store.close() };
  } catch (error) {
    await store.close().catch(() => {});
    if (error instanceof GatehouseError) throw new Error(`the key ring of ${describe(url)} cannot be used: ${error.message}`);
    throw error;
  }
}
