/**
 * The `gatehouse` commands on users in a database, and `serve --database`:
 *   gatehouse db migrate --database URL
 *   gatehouse user add NAME [--email E] [--full-name F] [--disabled]   password from stdin or a hidden prompt
 *   gatehouse user import FILE | list [--json] | disable NAME | enable NAME | passwd NAME | remove NAME | revoke NAME
 * URL: sqlite:PATH (sqlite:./users.db, sqlite:///abs/users.db), postgres://user@host:5432/db or
 * mysql://user@host:3306/db (mariadb:// too);
 * $GATEHOUSE_DATABASE stands for --database.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigurationError, UserStoreError } from '../errors.js';
import type { CryptContext } from '../passwords/index.js';
import type { NewUser, UserRecord } from '../users/index.js';
import { createPostgresUserStore } from '../users/sql/postgres.js';
import { createMysqlUserStore } from '../users/sql/mysql.js';
import { sqliteFilePath } from '../users/sql/drivers.js';
import { createSqliteUserStore } from '../users/sql/sqlite.js';
import type { SqlUserStore } from '../users/sql/store.js';
import { wordpressHashFormat } from '../users/sql/wordpress-site.js';
import { LAYOUT_LIST, LAYOUT_OPTIONS, cliContext, databaseLayout, defaultHashDescription, wordpressFormatOption } from './context.js';
import { readPassword } from './password-input.js';
import { HELP, UsageError, parse, unknown } from './usage.js';
import { migrateKeyTable } from './keys.js';

export const DATABASE_USAGE = `  db migrate         Create the users table and the session tables (if missing) in --database;
                     with --layout or --preset of an old app, only the session tables beside its table
  user add NAME      Add a user; password from stdin or a hidden prompt (an empty one is refused)
    --email E  --full-name F  --disabled
  user import FILE   Add the users of a fake_users_db-shaped JSON file (existing names are skipped);
                     records carry hashes (hashed_password), never passwords
  user list          List users (--json: one JSON object a line)
  user disable NAME | enable NAME | passwd NAME | remove NAME
  user revoke NAME   Log the user out everywhere: a new token stamp, every session ended
    --database URL     sqlite:PATH, postgres://user@host:5432/db or mysql://user@host:3306/db
                       (mariadb:// too) ($GATEHOUSE_DATABASE)
    --preset NAME      hash as that preset does (--coexist: in its old system's format);
                       --preset django: Django's own auth_user table, in Django's formats
                       (--preset wordpress: WordPress's wp_users, likewise)
    --layout NAME      another app's own table, in that app's formats: ${LAYOUT_LIST}
                       (laravel, fastapi-users, better-auth: the NAME is the email address)
    --table-prefix P   with --layout wordpress: the site's $table_prefix (default wp_)
    --wordpress-format phpass|wp-bcrypt   what WordPress coexistence writes (default: from the
                       site's db_version: phpass before WordPress 6.8, wp-bcrypt from 6.8 on)
    user add and user passwd hash with ${defaultHashDescription()} unless --preset says otherwise:
    the library's default context (getDefaultContext()), so logins keep the hash as it is
`;

/** The actions of `gatehouse db` and `gatehouse user`. */
export const DATABASE_ACTIONS: Readonly<Record<'db' | 'user', readonly string[]>> = {
  db: ['migrate'],
  user: ['add', 'import', 'list', 'disable', 'enable', 'passwd', 'remove', 'revoke'],
};

/** The FastAPI tutorial's users: johndoe / "secret" and alice / "secret2" (disabled); bcrypt, cost 12. */
export const TUTORIAL_USERS: Readonly<Record<string, Required<Omit<NewUser, 'disabled'>> & { disabled: boolean }>> = {
  johndoe: {
    username: 'johndoe',
    full_name: 'John Doe',
    email: 'johndoe@example.com',
    hashed_password: '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW',
    disabled: false,
  },
  alice: {
    username: 'alice',
    full_name: 'Alice Wonderson',
    email: 'alice@example.com',
    hashed_password: '$2b$12$niSdHO0YbfKvLqE6uLZvduDi2UNYQ5YWAzu3mgBOtO6/D0K2/.Gvq',
    disabled: true,
  },
};

/** A database URL, with the password of a postgres:// or mysql:// URL hidden (for messages). */
export function describeDatabase(url: string): string {
  if (!/^(postgres(ql)?|mysql|mariadb):\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return `${url.slice(0, url.indexOf(':'))}://(unparsable URL)`;
  }
}

/** The SQLite file a sqlite: URL names (the library's own reading of it), or null for other URLs. */
function sqlitePath(url: string): string | null {
  if (!/^sqlite:/i.test(url)) return null;
  try {
    return sqliteFilePath(url);
  } catch {
    throw new UsageError('sqlite: needs a file path (sqlite:./users.db)');
  }
}

interface OpenOptions {
  /** SQLite: create the file when missing (db migrate, --seed-demo); otherwise it must exist. */
  create: boolean;
  onError?: (error: UserStoreError) => void;
  /** A named store layout ('django'); default gatehouse's users table. */
  layout?: string;
  /** --table-prefix (WordPress). */
  tablePrefix?: string;
}

/** How `serve` names the table of another app. */
const LAYOUT_TABLES: Readonly<Record<string, string>> = {
  django: "Django's auth_user",
  wordpress: "WordPress's users table",
  laravel: "Laravel's users table",
  'fastapi-users': "fastapi-users' user table",
  'better-auth': "better-auth's user and account tables",
};

/** --table-prefix is WordPress's: refused for another table. */
export function tablePrefixOption(prefix: string | undefined, layout: string | undefined): string | undefined {
  if (prefix !== undefined && layout !== 'wordpress') throw new UsageError('--table-prefix is for --layout wordpress');
  return prefix;
}

/**
 * The password context of a command on a database: cliContext, with WordPress's coexistence
 * writing what the site reads (--wordpress-format, else its db_version).
 */
export async function databaseContext(
  store: SqlUserStore,
  values: { preset?: string; coexist?: boolean; layout?: string; 'table-prefix'?: string; 'wordpress-format'?: string },
): Promise<CryptContext> {
  const layout = databaseLayout(values.preset, values.layout);
  const forced = wordpressFormatOption(values['wordpress-format']);
  const wordpressFormat = forced ?? (layout === 'wordpress' ? await wordpressHashFormat(store, values['table-prefix']) : undefined);
  return cliContext({ preset: values.preset, coexist: values.coexist, database: true, layout: values.layout, wordpressFormat });
}

/** The store a --database URL names. */
export function openDatabase(url: string, options: OpenOptions): SqlUserStore {
  const path = sqlitePath(url);
  if (path !== null) {
    if (!options.create && !existsSync(path)) {
      throw new ConfigurationError(`the database ${url} does not exist: create it with gatehouse db migrate --database ${url}`);
    }
    return createSqliteUserStore(path, { create: options.create, onError: options.onError, layout: options.layout, tablePrefix: options.tablePrefix });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    return createPostgresUserStore(url, { onError: options.onError, poolSize: 10, layout: options.layout, tablePrefix: options.tablePrefix });
  }
  if (/^(mysql|mariadb):\/\//i.test(url)) {
    return createMysqlUserStore(url, { onError: options.onError, poolSize: 10, layout: options.layout, tablePrefix: options.tablePrefix });
  }
  throw new UsageError(`--database must be sqlite:PATH, postgres://... or mysql://... (got ${JSON.stringify(describeDatabase(url))})`);
}

/** --database, else $GATEHOUSE_DATABASE. */
function databaseUrl(given: string | undefined): string {
  const url = given ?? process.env.GATEHOUSE_DATABASE;
  if (url === undefined || url === '') throw new UsageError('this command needs --database URL (or GATEHOUSE_DATABASE)');
  return url;
}

/** Shown as is unless it holds control characters (a hostile name must not drive the terminal). */
function printable(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text) ? JSON.stringify(text) : text;
}

const say = (line: string) => process.stdout.write(`gatehouse: ${line}\n`);
const complain = (line: string) => process.stderr.write(`gatehouse: ${line}\n`);

/** A store error as the one line a user needs: what failed, and for a refused statement a hint. */
function explain(error: unknown, url: string, layout?: string): string {
  if (error instanceof UserStoreError) {
    const fix =
      layout === 'django'
        ? "python manage.py migrate creates Django's auth_user"
        : layout !== undefined
          ? `the app itself creates ${LAYOUT_TABLES[layout] ?? 'its table'}`
          : `gatehouse db migrate --database ${describeDatabase(url)}`;
    const hint = error.code === 'ERR_USER_STORE_QUERY' ? ` (is the table there? ${fix})` : '';
    return `${describeDatabase(url)}: ${error.message}${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** `gatehouse db ...` and `gatehouse user ...`. Exit status: 0 ok, 1 failed, 2 usage. */
export async function runDatabaseCommand(command: 'db' | 'user', args: string[], help: (topic: string) => number): Promise<number> {
  const [action, ...rest] = args;
  const known = DATABASE_ACTIONS[command];
  if (action === undefined) throw new UsageError(`${command} needs one of: ${known.join(', ')}`, command);
  if (!known.includes(action)) throw unknown(`${command} command`, action, known, command);
  const { values, positionals } = parse({
    args: rest,
    allowPositionals: true,
    options: {
      ...HELP,
      database: { type: 'string' },
      email: { type: 'string' },
      'full-name': { type: 'string' },
      disabled: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      preset: { type: 'string' },
      coexist: { type: 'boolean', default: false },
      ...LAYOUT_OPTIONS,
    },
  });
  if (values.help) return help(`${command} ${action}`);
  const wanted = action === 'migrate' || action === 'list' ? 0 : 1;
  if (positionals.length !== wanted) {
    throw new UsageError(`${command} ${action} takes ${wanted === 0 ? 'no argument' : action === 'import' ? 'a FILE' : 'a NAME'}`);
  }
  if (action !== 'add' && (values.email !== undefined || values['full-name'] !== undefined || values.disabled)) {
    throw new UsageError('--email, --full-name and --disabled are options of user add');
  }
  if (values.json && action !== 'list') throw new UsageError('--json is an option of user list');
  const url = databaseUrl(values.database);
  const choice = { preset: values.preset, coexist: values.coexist, database: true, layout: values.layout };
  let context = cliContext(choice); // a bad --preset or --layout stops here, before the database
  const layout = databaseLayout(values.preset, values.layout);
  const tablePrefix = tablePrefixOption(values['table-prefix'], layout);
  wordpressFormatOption(values['wordpress-format']);
  // Read the file before touching the database: a bad file changes nothing.
  const imported = action === 'import' ? await readUsersFile(positionals[0]!) : null;
  const store = openDatabase(url, { create: action === 'migrate' && layout === undefined, layout, tablePrefix });
  try {
    if (layout === 'wordpress' && (action === 'add' || action === 'import' || action === 'passwd')) context = await databaseContext(store, values);
    const name = positionals[0]!;
    switch (action) {
      case 'migrate':
        if (layout !== undefined) {
          // The old app's table is its own (gatehouse never alters it): only gatehouse's tables beside it.
          const maker = layout === 'django' ? 'python manage.py migrate' : 'the app';
          await store.sessions.migrate();
          say(`${LAYOUT_TABLES[layout] ?? "the app's users table"}: not altered (made by ${maker}); the session tables (gatehouse_sessions, gatehouse_revoked_tokens) are in ${describeDatabase(url)}`);
          await migrateKeyTable(url);
          return 0;
        }
        say((await store.migrate()) ? `created the users table in ${describeDatabase(url)}` : `the users table exists in ${describeDatabase(url)}`);
        warnLookAlikes(await store.listLookAlikes());
        await migrateKeyTable(url); // the key ring's table (gatehouse keys)
        return 0;
      case 'add':
        return await addUser(store, name, values, context);
      case 'import':
        return await importUsers(store, imported!, context);
      case 'list':
        return await listUsers(store, values.json);
      case 'disable':
      case 'enable':
        await store.setDisabled(name, action === 'disable');
        say(`${action}d ${printable(name)}`);
        return 0;
      case 'passwd': {
        if (!(await store.findUser(name))) throw new UserStoreError('ERR_USER_NOT_FOUND', 'no such user');
        await store.setPassword(name, await hashNewPassword(context));
        say(`changed the password of ${printable(name)}`);
        return 0;
      }
      case 'revoke':
        return await revokeUser(store, name);
      default: // remove
        await store.deleteUser(name);
        say(`removed ${printable(name)}`);
        return 0;
    }
  } catch (error) {
    if (!(error instanceof UserStoreError || error instanceof ConfigurationError)) throw error;
    if (error instanceof UserStoreError && error.code === 'ERR_USER_NOT_FOUND') complain(`no user ${printable(positionals[0])}`);
    else if (error instanceof UserStoreError && error.code === 'ERR_USER_EXISTS') complain(`the user ${printable(positionals[0])} exists`);
    else complain(explain(error, url, layout));
    return 1;
  } finally {
    await store.close();
  }
}

/**
 * `user revoke NAME`: a new token stamp (every access token issued before is refused) where the table
 * keeps one, and every session of the user ended. On a table another app owns (Django's auth_user)
 * the stamp derives from the hash: the sessions end, access tokens run out at their exp.
 */
async function revokeUser(store: SqlUserStore, name: string): Promise<number> {
  if (!(await store.findUser(name))) throw new UserStoreError('ERR_USER_NOT_FOUND', 'no such user');
  const renew = store.renewTokenStamp;
  // The stamp first: from then on every older token and session is refused; then the sessions are marked.
  if (renew) await renew(name);
  const ended = await store.sessions.revokeUserSessions(name, Math.floor(Date.now() / 1000));
  say(`revoked the tokens of ${printable(name)}: ${ended} session(s) ended${renew ? '' : '; access tokens stay valid until they expire (this table keeps no token stamp)'}`);
  return 0;
}

async function hashNewPassword(context: CryptContext): Promise<string> {
  const password = await readPassword(true);
  if (password === '') throw new UsageError('the password is empty');
  return context.hash(password);
}

async function addUser(
  store: SqlUserStore,
  username: string,
  values: { email?: string; 'full-name'?: string; disabled?: boolean },
  context: CryptContext,
): Promise<number> {
  // Ask for no password for a name that is taken, or a look-alike of one (createUser still refuses
  // it if that changes meanwhile).
  const taken = await store.findLookAlike(username);
  if (taken !== null && taken !== username) {
    complain(`the user ${printable(taken)} exists, and ${printable(username)} differs from it only in case or Unicode form`);
    return 1;
  }
  if (taken !== null) throw new UserStoreError('ERR_USER_EXISTS', 'the username is taken');
  await store.createUser({
    username,
    hashed_password: await hashNewPassword(context),
    email: values.email ?? null,
    full_name: values['full-name'] ?? null,
    disabled: values.disabled ?? false,
  });
  say(`added ${printable(username)}`);
  return 0;
}

/**
 * Look-alike accounts made before gatehouse refused them: left as they are (each keeps its login),
 * told so that the operator can remove or rename the ones that are not wanted.
 */
function warnLookAlikes(groups: string[][]): void {
  if (groups.length === 0) return;
  complain(`warning: ${groups.length} group(s) of usernames differ only in case or Unicode form (look-alikes, kept as they are):`);
  for (const group of groups) complain(`  ${group.map(printable).join(', ')}`);
  complain('new look-alikes are refused; remove the unwanted ones with gatehouse user remove NAME');
}

/** A fake_users_db-shaped file as new users, every record checked first. */
async function readUsersFile(path: string): Promise<NewUser[]> {
  let db: unknown;
  try {
    db = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : `cannot be read (${(error as { code?: string }).code ?? 'error'})`;
    throw new UsageError(`the users file ${path} ${reason}`);
  }
  if (db === null || typeof db !== 'object' || Array.isArray(db)) throw new UsageError(`${path}: expected an object of user records by username`);
  const users: NewUser[] = [];
  for (const [index, [key, record]] of Object.entries(db).entries()) {
    const where = `${path}: the user ${JSON.stringify(key)}`;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new UsageError(`${where} is not an object`);
    const { username, hashed_password = null, email = null, full_name = null, disabled = false } = record as UserRecord;
    // A plain password where the hash belongs would import a user who can never log in.
    if (Object.hasOwn(record, 'password') && hashed_password === null) {
      throw new UsageError(
        `${path}: record ${index + 1} (${printable(key)}): has "password" but no "hashed_password"; import takes hashes: ` +
          'hash each password with gatehouse hash (into hashed_password), or add the user with gatehouse user add',
      );
    }
    if (username !== key) throw new UsageError(`${where} must have that username`);
    for (const [field, value] of Object.entries({ hashed_password, email, full_name })) {
      if (value !== null && typeof value !== 'string') throw new UsageError(`${where}: ${field} must be a string or null`);
    }
    if (disabled !== null && typeof disabled !== 'boolean') throw new UsageError(`${where}: disabled must be true, false or null`);
    users.push({ username, hashed_password, email, full_name, disabled: disabled === true });
  }
  return users;
}

async function importUsers(store: SqlUserStore, users: NewUser[], context: CryptContext): Promise<number> {
  const skipped: string[] = [];
  for (const user of users) {
    if (user.hashed_password === null) {
      complain(`${printable(user.username)}: no hashed_password: no login until gatehouse user passwd`);
    } else if (context.identify(user.hashed_password) === null) {
      complain(`${printable(user.username)}: the hash is in no format gatehouse reads: no login until gatehouse user passwd`);
    }
    try {
      await store.createUser(user);
    } catch (error) {
      if (!(error instanceof UserStoreError && error.code === 'ERR_USER_EXISTS')) throw error;
      skipped.push(printable(user.username));
    }
  }
  say(`imported ${users.length - skipped.length} user(s)${skipped.length ? `; skipped ${skipped.length} that exist: ${skipped.join(', ')}` : ''}`);
  return 0;
}

async function listUsers(store: SqlUserStore, json: boolean): Promise<number> {
  const rows: UserRecord[] = [];
  for (let page = await store.listUsers(); page.length > 0; page = await store.listUsers({ after: page.at(-1)!.username })) {
    rows.push(...page);
  }
  if (json) {
    for (const user of rows) process.stdout.write(`${JSON.stringify(user)}\n`);
    return 0;
  }
  const table = [
    ['USERNAME', 'EMAIL', 'FULL NAME', 'DISABLED'],
    ...rows.map((user) => [user.username, user.email, user.full_name, user.disabled === null ? '' : user.disabled ? 'yes' : 'no'].map(printable)),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  for (const row of table) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  return 0;
}

/**
 * `serve --database URL`: the store, checked (the table must be readable), and the line that says
 * where users live. `seedDemo` (npm start): create the table when missing and fill a new one with
 * the tutorial's users. Failures of the database later are told on stderr, at most every 10 s.
 */
export async function openServeDatabase(
  url: string,
  seedDemo: boolean,
  layout?: string,
  tablePrefix?: string,
): Promise<{ store: SqlUserStore; close: () => Promise<void> }> {
  let lastReport = 0;
  const onError = (error: UserStoreError) => {
    const now = Date.now();
    if (now - lastReport < 10_000) return;
    lastReport = now;
    complain(`user store: ${explain(error, url, layout)}`);
  };
  const store = openDatabase(url, { create: seedDemo, onError, layout, tablePrefix });
  const where = `${describeDatabase(url)}${layout !== undefined ? ` (${LAYOUT_TABLES[layout] ?? layout})` : ''}`;
  try {
    if (seedDemo && (await store.migrate())) {
      for (const user of Object.values(TUTORIAL_USERS)) await store.createUser(user);
      say(`users in ${where}: created now with the tutorial's johndoe (password "secret") and alice ("secret2", disabled)`);
    } else {
      await store.check();
      say(`users in ${where}${seedDemo ? ' (kept from the last start: delete the file to start over)' : ''}`);
    }
  } catch (error) {
    await store.close();
    if (error instanceof UserStoreError) throw new Error(explain(error, url, layout));
    throw error;
  }
  return { store, close: () => store.close() };
}
