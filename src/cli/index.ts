#!/usr/bin/env node
/**
 * gatehouse: the demo server (FastAPI's OAuth2 tutorial app) and a few password/secret tools.
 *   gatehouse serve [--port 8000] [--host 127.0.0.1 | --unix-socket PATH] [--users FILE | --database URL] [--scopes] [--preset NAME [--coexist]] [--throttle-store URL] [--trusted-proxy ADDR] [--headers-timeout S] ...
 *   gatehouse db migrate | user add|import|list|disable|enable|passwd|remove|revoke  (src/cli/users.ts)
 *   gatehouse hash [--scheme NAME] [--preset NAME [--coexist]]   password from stdin (or a hidden prompt)
 *   gatehouse verify [HASH | --hash-file FILE] [--preset NAME]   (or $GATEHOUSE_HASH) password from stdin;
 *                                      exit 0 match, 1 no match, 2 bad hash
 *   gatehouse secret                   32 random bytes as hex (for SECRET_KEY)
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GatehouseError } from '../errors.js';
import { createAuthHandler } from '../http/index.js';
import { TokenKeyError } from '../tokens/index.js';
import { DATABASE_ACTIONS, DATABASE_USAGE, TUTORIAL_USERS, databaseContext, openServeDatabase, runDatabaseCommand, tablePrefixOption } from './users.js';
import type { SqlUserStore } from '../users/sql/store.js';
import { CONTEXT_OPTIONS, LAYOUT_LIST, LAYOUT_OPTIONS, PRESET_LIST, cliContext, databaseLayout, defaultHashDescription, wordpressFormatOption } from './context.js';
import { readPassword } from './password-input.js';
import { HELP, UsageError, parse, unknown } from './usage.js';
import { throttleFromCli } from './throttle.js';
import { serve } from '../node/index.js';
import { createJsonFileUserStore } from '../node/json-file-store.js';
import { createMemoryUserStore, type UserStore } from '../users/index.js';
import { trustedProxies } from '../throttle/address.js';
import type { ThrottleOptions } from '../http/auth/login-throttle.js';
import { WEB_HELP, WEB_OPTIONS, corsFromCli, sessionsFromCli } from './web.js';
import { REFRESH_HELP, REFRESH_OPTIONS, refreshFromCli, tokenTtlFromCli } from './refresh.js';
import { createEventLog } from './event-log.js';
import { KEYS_USAGE, runKeysCommand, serveKeyRing, serveTokenTtl } from './keys.js';


const SERVE_HELP = `  serve              Serve the OAuth2 password flow demo (POST /token, GET /users/me/, /docs)
    --port N           port to listen on (default 8000; 0 picks a free one)
    --host HOST        address to bind (default 127.0.0.1)
    --unix-socket PATH listen on this Unix domain socket instead of --host/--port
                       (behind a proxy on the same host: add --trusted-proxy unix)
    --users FILE       JSON users file shaped like the tutorial's fake_users_db
                       (default: johndoe, password "secret")
    --database URL     users in a database: sqlite:./users.db, postgres://user@host:5432/db,
                       mysql://user@host:3306/db (or mariadb://)
                       ($GATEHOUSE_DATABASE); create the table with db migrate
    --seed-demo        with sqlite: create a missing file with the tutorial's users (npm start)
    --scopes           require the tutorial's "me" and "items" scopes
    --preset NAME      read the hashes of a migration preset: ${PRESET_LIST};
                       with --database, --preset django serves Django's own auth_user (coexisting),
                       --preset wordpress WordPress's wp_users
    --layout NAME      with --database: another app's own table, in its formats (coexisting):
                       ${LAYOUT_LIST}
    --table-prefix P   with --layout wordpress: the site's $table_prefix (default wp_)
    --wordpress-format phpass|wp-bcrypt   what WordPress coexistence writes (default: the
                       site's db_version says: phpass before 6.8, wp-bcrypt from 6.8 on)
    --coexist          with --preset: keep writing the old system's format (not for everything)
    --throttle-store URL  where failed-login counts live, shared by servers on it:
                       memory (default), redis://HOST:PORT, postgres://..., mysql://...,
                       sqlite:PATH
                       ($GATEHOUSE_THROTTLE_STORE: keeps a password in the URL out of ps)
    --throttle-options JSON  login throttle policy, e.g. '{"username":{"freeFailures":3}}'
    --no-throttle      do not throttle failed logins
    --headers-timeout S  seconds a client has to send its request headers (default 10)
    --request-timeout S  seconds a client has to send its whole request (default 30)
    --max-connections N  open connections at most (default 1024)
    --max-connections-per-address N  open connections one client address (IPv6: /64)
                       may hold (default: an eighth of --max-connections, at least 16);
                       trusted proxies and Unix socket connections are not limited
    --trusted-proxy ADDR  a reverse proxy whose X-Forwarded-For / Forwarded is believed:
                       an address, a CIDR range, or "unix" for connections over a Unix
                       socket; repeat for several (added to --throttle-options' trustedProxies)
    --login-queue N    logins waiting for a password check, all clients (default 100)
    --login-queue-per-client N  logins one client address may have waiting (default 8;
                       raise it behind a proxy that is not a --trusted-proxy)
    --oauth2-errors STYLE  how /token answers: fastapi (default, the tutorial's 401/422)
                       or rfc6749 (400 {"error":"invalid_grant",...}, expires_in; for OAuth2 clients)
    --no-event-log     do not log auth events (logins, throttling, hash upgrades) as JSON
                       lines on stdout (never a password, hash or token)
${WEB_HELP}${REFRESH_HELP}    Signs tokens with the UTF-8 bytes of $SECRET_KEY (a random key if unset).
    Logs stored hashes it refuses to check (too costly, unreadable) with the user's name, never the hash.
    Logins rehash other formats to ${defaultHashDescription()}, the library's default.
    Stops on SIGINT, SIGTERM and SIGHUP; run by npm (npm start), also when npm ends.
`;

const HASH_HELP = `  hash               Hash a password read from stdin (or a hidden prompt) and print it;
                     an empty password is refused
    --scheme NAME      scrypt, bcrypt, pbkdf2_sha256, ...; default ${defaultHashDescription()}:
                       the library's default context, as getDefaultContext().hash() writes
    --preset NAME, --coexist   hash as that preset does (e.g. --preset django --coexist)
`;

const VERIFY_HELP = `  verify [HASH]      Check a password read from stdin against a hash
    --hash-file FILE   read the hash from FILE (its first line) instead of the argument
                       or from $GATEHOUSE_HASH when neither is given; an argument is
                       visible to other users in \`ps\`, a file or the environment is not
    --preset NAME      the preset's schemes only
                       exit 0: match, 1: no match, 2: unreadable hash
`;

const SECRET_HELP = `  secret             Print 32 random bytes as hex, for SECRET_KEY
`;

const COMMANDS = ['serve', 'hash', 'verify', 'secret', 'db', 'user', 'keys', 'help'];

const USAGE = `Usage: gatehouse <command> [options]

Commands:
${SERVE_HELP}${HASH_HELP}${VERIFY_HELP}${SECRET_HELP}${DATABASE_USAGE}${KEYS_USAGE}
Options:
  -h, --help         Show this help (gatehouse COMMAND --help: that command's)
`;

/** One command's help: `gatehouse serve --help`, `gatehouse user add --help`. */
function commandHelp(command: string): string {
  const [name] = command.split(' ');
  const section = { serve: SERVE_HELP, hash: HASH_HELP, verify: VERIFY_HELP, secret: SECRET_HELP, keys: KEYS_USAGE }[name!] ?? DATABASE_USAGE;
  const usage = command === 'db' || command === 'user' || command === 'keys' ? `${command} <command> [options]` : `${command} [options]`;
  return `Usage: gatehouse ${usage}\n\n${section}`;
}


/** Exit statuses: 0 ok, 1 failure (no match, runtime error), 2 usage or unreadable input. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  try {
    return await runCommand(command, rest);
  } catch (error) {
    // A usage error points at the help of the command it happened in: `see gatehouse user add --help`.
    if (error instanceof UsageError && error.help === undefined && COMMANDS.includes(command)) {
      const action = rest[0];
      error.help = (command === 'db' || command === 'user') && action !== undefined && DATABASE_ACTIONS[command].includes(action) ? `${command} ${action}` : command;
    }
    throw error;
  }
}

async function runCommand(command: string, rest: string[]): Promise<number> {
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'hash':
      return hashCommand(rest);
    case 'verify':
      return verifyCommand(rest);
    case 'db':
    case 'user':
      if (rest[0] === '-h' || rest[0] === '--help') return help(command);
      return runDatabaseCommand(command, rest, help);
    case 'keys':
      return runKeysCommand(rest, help);
    case 'secret':
      if (parse({ args: rest, options: HELP }, 'secret').values.help) return help('secret');
      process.stdout.write(`${randomBytes(32).toString('hex')}\n`);
      return 0;
    default:
      throw unknown('command', command, COMMANDS);
  }
}


async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse({
    args,
    options: {
      ...HELP,
      port: { type: 'string' },
      host: { type: 'string' },
      'unix-socket': { type: 'string' },
      users: { type: 'string' },
      database: { type: 'string' },
      'seed-demo': { type: 'boolean', default: false },
      scopes: { type: 'boolean', default: false },
      ...CONTEXT_OPTIONS,
      ...LAYOUT_OPTIONS,
      'throttle-store': { type: 'string' },
      'throttle-options': { type: 'string' },
      'no-throttle': { type: 'boolean', default: false },
      'headers-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'trusted-proxy': { type: 'string', multiple: true },
      'login-queue': { type: 'string' },
      'login-queue-per-client': { type: 'string' },
      'oauth2-errors': { type: 'string' },
      'no-event-log': { type: 'boolean', default: false },
      ...WEB_OPTIONS,
      ...REFRESH_OPTIONS,
    },
  }, 'serve');
  if (values.help) return help('serve');
  const socketPath = values['unix-socket'];
  if (socketPath !== undefined && (values.port !== undefined || values.host !== undefined)) {
    throw new UsageError('--unix-socket excludes --port and --host');
  }
  if (socketPath === '') throw new UsageError('--unix-socket needs a path');
  const portText = values.port ?? '8000';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new UsageError('--port must be a number from 0 to 65535');
  const headersTimeout = seconds(values['headers-timeout'], '--headers-timeout');
  const requestTimeout = seconds(values['request-timeout'], '--request-timeout');
  const maxConnections = count(values['max-connections'], '--max-connections', 1);
  const maxConnectionsPerAddress = count(values['max-connections-per-address'], '--max-connections-per-address', 1);
  const proxies = values['trusted-proxy'] ?? [];
  try {
    trustedProxies(proxies); // a bad entry stops here, as a usage error
  } catch (error) {
    throw new UsageError(`--trusted-proxy: ${(error as Error).message}`);
  }
  const loginQueue = count(values['login-queue'], '--login-queue', 0);
  const loginQueuePerClient = count(values['login-queue-per-client'], '--login-queue-per-client', 0);
  const cors = corsFromCli(values['cors-origin']);
  const refreshTokens = refreshFromCli(values);
  const oauth2Errors = values['oauth2-errors'] ?? 'fastapi';
  if (oauth2Errors !== 'fastapi' && oauth2Errors !== 'rfc6749') throw new UsageError('--oauth2-errors must be fastapi or rfc6749');
  const browser = sessionsFromCli(values, { host: values.host, socketPath });

  let key = process.env.SECRET_KEY;
  let users: UserStore;
  let closeUsers = async () => {};
  if (values.users !== undefined && values.database !== undefined) throw new UsageError('--users and --database exclude each other');
  const database = values.users === undefined ? (values.database ?? process.env.GATEHOUSE_DATABASE) : undefined;
  if (values['seed-demo'] && !database?.startsWith('sqlite:')) throw new UsageError('--seed-demo needs --database sqlite:PATH');
  if (database === undefined && (values.layout ?? values['table-prefix']) !== undefined) throw new UsageError('--layout and --table-prefix need --database');
  let context = cliContext({ ...values, database: database !== undefined });
  const layout = database === undefined ? undefined : databaseLayout(values.preset, values.layout);
  const tablePrefix = tablePrefixOption(values['table-prefix'], layout);
  wordpressFormatOption(values['wordpress-format']);
  if (layout && values['seed-demo']) throw new UsageError(`--seed-demo cannot fill ${values.layout ?? values.preset}'s table: its own app creates it`);
  if (database) {
    ({ store: users, close: closeUsers } = await openServeDatabase(database, values['seed-demo'], layout, tablePrefix));
    if (layout === 'wordpress') context = await databaseContext(users as SqlUserStore, values);
  } else if (values.users !== undefined) {
    users = createJsonFileUserStore(values.users);
    await users.findUser(''); // read the file now: a bad path or bad JSON stops here, not at the first login
  } else {
    users = createMemoryUserStore(TUTORIAL_USERS);
  }
  // With --database, the database's key ring signs when it holds keys (then SECRET_KEY is not used).
  const tokenTtl = tokenTtlFromCli(values['token-ttl'], serveTokenTtl());
  const keyRing = database ? await serveKeyRing(database, tokenTtl) : null;
  if (!key && !keyRing) {
    key = randomBytes(32).toString('hex');
    process.stderr.write('gatehouse: SECRET_KEY is not set: signing with a random key (tokens end with this process)\n');
  }

  // The environment keeps a store password out of the command line (ps shows it to every local user);
  // --throttle-store and --no-throttle override it.
  const throttleStore = values['throttle-store'] ?? (values['no-throttle'] ? undefined : process.env.GATEHOUSE_THROTTLE_STORE || undefined);
  const throttle = await throttleFromCli(throttleStore, values['throttle-options'], values['no-throttle']);
  const throttleOptions = withTrustedProxies(throttle.options, proxies);
  // A key that cannot sign (too short, ...) stops here rather than at the first login.
  const signingKeyError = (error: Error) => new Error(`SECRET_KEY cannot sign tokens: ${error.message}`);
  let handler: ReturnType<typeof createAuthHandler>;
  try {
    handler = createAuthHandler({
      users,
      key: keyRing?.ring ?? key!,
      ...(tokenTtl !== undefined && { tokenTtl }),
      context,
      scopes: values.scopes,
      throttle: throttleOptions,
      loginQueue,
      loginQueuePerClient,
      cors,
      ...(refreshTokens === undefined ? {} : { refreshTokens }),
      oauth2Errors,
      ...(browser.sessions ? { sessions: browser.sessions } : {}),
      // One JSON line per event: names, addresses and ids only (the events carry no secret).
      onEvent: values['no-event-log'] ? undefined : createEventLog(),
      // The operator learns which account is broken (never its hash); the client sees a plain 401.
      onHashRefused: ({ username, scheme, code, reason }) => {
        process.stderr.write(
          `gatehouse: refused to check the stored hash of user ${JSON.stringify(username)} (${scheme ?? 'unknown scheme'}, ${code}: ${reason})\n`,
        );
      },
    });
  } catch (error) {
    throw error instanceof TokenKeyError ? signingKeyError(error) : error;
  }
  await handler.auth.ready.catch((error: Error) => {
    throw signingKeyError(error);
  });
  const server = await serve(handler, {
    ...(socketPath === undefined ? { port, host: values.host ?? '127.0.0.1' } : { path: socketPath }),
    headersTimeout,
    requestTimeout,
    maxConnections,
    maxConnectionsPerAddress,
    // The same proxies are not limited per address (they carry many clients).
    trustedProxies: throttleOptions === false ? proxies : (throttleOptions.trustedProxies ?? []),
  }).catch((error: unknown) => {
    throw error instanceof GatehouseError ? new UsageError(error.message) : error;
  });
  if (browser.warning !== null) process.stderr.write(`${browser.warning}\n`);
  process.stdout.write(`gatehouse: serving on ${server.url} (docs: ${server.url}/docs)\n`);

  await new Promise<void>((resolve) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    let orphanWatch: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      for (const signal of signals) process.off(signal, stop);
      clearInterval(orphanWatch);
      void server.close(3000).then(closeUsers).then(throttle.close).then(keyRing?.close).catch(() => {}).then(resolve);
    };
    for (const signal of signals) process.on(signal, stop);
    orphanWatch = watchParent(stop);
  });
  return 0;
}

/**
 * Under a package manager's script (npm -> sh -c -> node), a signal to npm reaches the shell, which
 * does not pass it on: the start script execs node so that npm signals the server itself. When npm
 * ends without passing anything on (killed outright; a script without exec, whose shell dies of
 * SIGTERM), the server would be left running as a child of init: so under npm the server also stops
 * when the process that started it ends (its parent changes). Elsewhere a parent that ends is not a
 * reason to stop (`nohup gatehouse serve &` outlives its shell).
 */
function watchParent(stop: () => void): ReturnType<typeof setInterval> | undefined {
  if (!process.env.npm_lifecycle_event) return undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    process.stderr.write('gatehouse: the npm script that started the server ended: stopping\n');
    stop();
  }, 250);
  timer.unref();
  return timer;
}

/** The throttle's options with the --trusted-proxy entries added to any from --throttle-options. */
function withTrustedProxies(options: ThrottleOptions | false, proxies: string[]): ThrottleOptions | false {
  if (options === false || proxies.length === 0) return options;
  const given: unknown = options.trustedProxies ?? [];
  if (!Array.isArray(given)) throw new UsageError('--throttle-options: trustedProxies must be an array');
  return { ...options, trustedProxies: [...(given as string[]), ...proxies] };
}

async function hashCommand(args: string[]): Promise<number> {
  const { values } = parse({ args, options: { ...HELP, scheme: { type: 'string' }, ...CONTEXT_OPTIONS } }, 'hash');
  if (values.help) return help('hash');
  const context = cliContext(values);
  const { scheme } = values;
  if (scheme !== undefined && !context.schemes.includes(scheme)) {
    throw new UsageError(`unknown scheme ${JSON.stringify(scheme)} (known: ${context.schemes.join(', ')})`);
  }
  const password = await readPassword(true);
  // An empty password would hash (and then log in with nothing): refused as user add refuses it.
  if (password === '') throw new UsageError('the password is empty', 'hash');
  try {
    process.stdout.write(`${await context.hash(password, scheme === undefined ? {} : { scheme })}\n`);
  } catch (error) {
    if (error instanceof GatehouseError) {
      process.stderr.write(`gatehouse: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return 0;
}

/** Milliseconds of a `--flag SECONDS` value, or undefined when not given. */
function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(?:\.\d+)?$/.test(value) || !(Number(value) >= 0.001) || Number(value) > 86400) {
    throw new UsageError(`${flag} must be a number of seconds (0.001 to 86400)`);
  }
  return Math.round(Number(value) * 1000);
}

/** A whole number of at least `min` (and at most 10,000,000) given to `flag`, or undefined. */
function count(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,8}$/.test(value) || Number(value) < min || Number(value) > 10_000_000) {
    throw new UsageError(`${flag} must be a whole number from ${min} to 10000000`);
  }
  return Number(value);
}

/** The hash to verify: the argument, else the first line of --hash-file, else $GATEHOUSE_HASH. */
async function hashToVerify(positionals: string[], hashFile: string | undefined): Promise<string> {
  const sources = (positionals.length > 0 ? 1 : 0) + (hashFile !== undefined ? 1 : 0);
  if (positionals.length > 1 || sources > 1) throw new UsageError('verify takes one hash: an argument or --hash-file');
  if (positionals.length === 1) return positionals[0]!;
  if (hashFile !== undefined) {
    let text: string;
    try {
      text = await readFile(hashFile, 'utf8');
    } catch (cause) {
      throw new UsageError(`cannot read --hash-file ${hashFile}: ${(cause as { code?: string }).code ?? 'error'}`);
    }
    return text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0]!.trim();
  }
  const fromEnv = process.env.GATEHOUSE_HASH;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv.trim();
  throw new UsageError('verify needs a hash: an argument, --hash-file FILE or $GATEHOUSE_HASH');
}

async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse({
    args,
    options: { ...HELP, 'hash-file': { type: 'string' }, preset: CONTEXT_OPTIONS.preset },
    allowPositionals: true,
  }, 'verify');
  if (values.help) return help('verify');
  const hash = await hashToVerify(positionals, values['hash-file']);
  const context = cliContext(values);
  if (context.identify(hash) === null) {
    process.stderr.write('gatehouse: the hash is not in a format gatehouse knows\n');
    return 2;
  }
  const password = await readPassword(false);
  let valid: boolean;
  try {
    valid = await context.verify(password, hash);
  } catch (error) {
    if (error instanceof GatehouseError) {
      process.stderr.write(`gatehouse: cannot verify: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  process.stderr.write(valid ? 'gatehouse: password matches\n' : 'gatehouse: password does not match\n');
  return valid ? 0 : 1;
}

/** The help of `command` ('serve', 'user add', ...), or the whole usage; exit status 0. */
function help(command?: string): number {
  process.stdout.write(command === undefined ? USAGE : commandHelp(command));
  return 0;
}


main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      // One line of what is wrong and where to read more, not the whole usage.
      process.stderr.write(`gatehouse: ${error.message}\nsee gatehouse ${error.help === undefined ? '' : `${error.help} `}--help\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
