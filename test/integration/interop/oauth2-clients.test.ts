/**
 * Real OAuth2 clients against `gatehouse serve --oauth2-errors rfc6749` (the built CLI on
 * 127.0.0.1, a free port): authlib and requests-oauthlib (Debian's python3-authlib and
 * python3-requests-oauthlib, driven by checks/oauth2_clients.py) and openid-client 6 from Node
 * each fetch a token with the password grant, call /users/me/ with it, and raise their own
 * invalid_grant error on a wrong password. Against the tutorial's answers (the default) they do not:
 * authlib takes `{"detail": ...}` for a token — the reason for the option.
 *
 * The refresh cases (each client refreshes after its access token expired) need
 * `gatehouse serve --refresh-tokens`: they run once `serve --help` lists it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { built, run, startServer } from '../../helpers/cli.js';

const python = '/usr/bin/python3';
const havePythonClients =
  existsSync(python) &&
  spawnSync(python, ['-c', 'import authlib, requests_oauthlib, oauthlib'], { stdio: 'ignore' }).status === 0;
const SECRET_KEY = '5f0c6e1d2b3a49786f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a19080';
const USER = { username: 'johndoe', password: 'secret' };
const CLIENT_ID = 'gatehouse-interop';

type Server = ReturnType<typeof startServer>;

async function serve(args: string[]): Promise<{ server: Server; url: string }> {
  const server = startServer(['--host', '127.0.0.1', '--no-event-log', ...args], { SECRET_KEY });
  return { server, url: await server.url };
}

async function stop(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.child.kill('SIGTERM');
  await server.exited;
}

/** Run checks/oauth2_clients.py (asynchronously: the test's own timers keep running). */
function pythonClients(config: Record<string, unknown>): Promise<Record<string, any>> {
  const script = fileURLToPath(new URL('./checks/oauth2_clients.py', import.meta.url));
  const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(JSON.stringify(config));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0 || stderr !== '') reject(new Error(`oauth2_clients.py exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, any>);
    }),
  );
}

/** openid-client 6 with a manual ServerMetadata (no discovery document), a public client, http allowed. */
function openidConfig(url: string): client.Configuration {
  const config = new client.Configuration({ issuer: url, token_endpoint: `${url}/token` }, CLIENT_ID, undefined, client.None());
  client.allowInsecureRequests(config); // 127.0.0.1 without TLS
  return config;
}

async function meWith(config: client.Configuration, url: string, accessToken: string) {
  const response = await client.fetchProtectedResource(config, accessToken, new URL(`${url}/users/me/`), 'GET');
  return { status: response.status, username: ((await response.json()) as { username: string }).username };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the client to throw');
}

const EXPECTED_PYTHON_TOKEN = {
  keys: ['access_token', 'expires_at', 'expires_in', 'token_type'],
  token_type: 'bearer',
  expires_in: expect.any(Number),
  has_expires_at: true,
  has_refresh_token: false,
  scope: null,
};

describe.skipIf(!existsSync(built))('real OAuth2 clients against gatehouse serve --oauth2-errors rfc6749', () => {
  let server: Server | undefined;
  let url = '';
  beforeAll(async () => {
    ({ server, url } = await serve(['--oauth2-errors', 'rfc6749']));
  }, 60_000);
  afterAll(() => stop(server));

  it.skipIf(!havePythonClients)('authlib and requests-oauthlib: fetch_token, /users/me/, invalid_grant on a wrong password', async () => {
    const seen = await pythonClients({ url, ...USER });
    expect(seen.authlib).toEqual({
      token: EXPECTED_PYTHON_TOKEN,
      me: { status: 200, username: 'johndoe' },
      // authlib.integrations.base_client.OAuthError, with the server's code
      wrong_password: { raised: 'OAuthError', error: 'invalid_grant' },
    });
    expect(seen.requests_oauthlib).toEqual({
      token: EXPECTED_PYTHON_TOKEN,
      me: { status: 200, username: 'johndoe' },
      // oauthlib.oauth2.rfc6749.errors.InvalidGrantError
      wrong_password: { raised: 'InvalidGrantError', error: 'invalid_grant' },
    });
    for (const name of ['authlib', 'requests_oauthlib']) {
      expect(seen[name].token.expires_in).toBeGreaterThan(1700);
      expect(seen[name].token.expires_in).toBeLessThanOrEqual(1800);
    }
  }, 120_000);

  it('openid-client 6: genericGrantRequest(password), fetchProtectedResource, ResponseBodyError invalid_grant', async () => {
    const config = openidConfig(url);
    const tokens = await client.genericGrantRequest(config, 'password', { ...USER });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expiresIn()).toBeGreaterThan(1700);
    expect(await meWith(config, url, tokens.access_token)).toEqual({ status: 200, username: 'johndoe' });

    const error = await rejection(client.genericGrantRequest(config, 'password', { username: 'johndoe', password: 'wrong' }));
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400, error_description: 'Incorrect username or password' });
    const unknown = await rejection(client.genericGrantRequest(config, 'password', { username: 'nobody', password: 'secret' }));
    expect(unknown).toMatchObject({ error: 'invalid_grant', status: 400 });
    const grant = await rejection(client.genericGrantRequest(config, 'client_credentials', {}));
    expect(grant).toMatchObject({ error: 'unsupported_grant_type', status: 400 });
  }, 60_000);
});

describe.skipIf(!existsSync(built))('real OAuth2 clients with scopes: gatehouse serve --scopes --oauth2-errors rfc6749', () => {
  let server: Server | undefined;
  let url = '';
  beforeAll(async () => {
    ({ server, url } = await serve(['--scopes', '--oauth2-errors', 'rfc6749']));
  }, 60_000);
  afterAll(() => stop(server));

  it.skipIf(!havePythonClients)('authlib and requests-oauthlib ask for "me items", get it listed, and call /users/me/', async () => {
    const seen = await pythonClients({ url, ...USER, scope: 'me items' });
    for (const name of ['authlib', 'requests_oauthlib']) {
      expect(seen[name].token).toMatchObject({ token_type: 'bearer', has_expires_at: true });
      // authlib keeps the answer's string, oauthlib splits it into a list
      const scope = seen[name].token.scope as string | string[];
      expect((typeof scope === 'string' ? scope.split(' ') : scope).sort()).toEqual(['items', 'me']);
      expect(seen[name].me).toEqual({ status: 200, username: 'johndoe' });
      expect(seen[name].wrong_password.error).toBe('invalid_grant');
    }
  }, 120_000);

  it('openid-client: the granted scope listed; an undeclared one is invalid_scope', async () => {
    const config = openidConfig(url);
    const tokens = await client.genericGrantRequest(config, 'password', { ...USER, scope: 'me' });
    expect(tokens.scope).toBe('me');
    expect(await meWith(config, url, tokens.access_token)).toEqual({ status: 200, username: 'johndoe' });
    const error = await rejection(client.genericGrantRequest(config, 'password', { ...USER, scope: 'me admin' }));
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect(error).toMatchObject({ error: 'invalid_scope', status: 400 });
  }, 60_000);
});

describe.skipIf(!existsSync(built))('the same clients against the tutorial answers (the default)', () => {
  let server: Server | undefined;
  let url = '';
  beforeAll(async () => {
    ({ server, url } = await serve([]));
  }, 60_000);
  afterAll(() => stop(server));

  it.skipIf(!havePythonClients)('authlib takes {"detail": ...} for a token; requests-oauthlib finds no token in it', async () => {
    const seen = await pythonClients({ url, ...USER });
    expect(seen.authlib.wrong_password).toEqual({ raised: null, returned: ['detail'] });
    expect(seen.requests_oauthlib.wrong_password).toEqual({ raised: 'MissingTokenError', error: 'missing_token' });
    expect(seen.authlib.token.keys).toEqual(['access_token', 'token_type']); // no expires_in: no refresh on time
  }, 120_000);

  it('openid-client reads the 401 with WWW-Authenticate as a challenge, not an invalid_grant', async () => {
    const error = await rejection(client.genericGrantRequest(openidConfig(url), 'password', { username: 'johndoe', password: 'wrong' }));
    expect(error).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    expect(error).not.toBeInstanceOf(client.ResponseBodyError);
  }, 60_000);
});

// The refresh cases: once `gatehouse serve` has --refresh-tokens (the token lifecycle branch).
const serveHelp = existsSync(built) ? spawnSync(process.execPath, [built, 'serve', '--help'], { encoding: 'utf8' }).stdout : '';
const hasRefreshTokens = serveHelp.includes('--refresh-tokens');
const ttlFlag = /--(?:access-)?token-ttl\b/.exec(serveHelp)?.[0];

describe.skipIf(!hasRefreshTokens)('real OAuth2 clients refresh: gatehouse serve --refresh-tokens --oauth2-errors rfc6749', () => {
  const TTL = 3;
  let server: Server | undefined;
  let url = '';
  beforeAll(async () => {
    expect(ttlFlag, 'serve --help lists --refresh-tokens but no --token-ttl to shorten access tokens').toBeDefined();
    ({ server, url } = await serve(['--oauth2-errors', 'rfc6749', '--refresh-tokens', ttlFlag!, `${TTL}s`]));
  }, 60_000);
  afterAll(() => stop(server));

  it.skipIf(!havePythonClients)('authlib and requests-oauthlib refresh on their own after expiry; a bad refresh token is invalid_grant', async () => {
    const seen = await pythonClients({ url, ...USER, refresh: true });
    for (const name of ['authlib', 'requests_oauthlib']) {
      const result = seen[name];
      expect(result.token).toMatchObject({ has_refresh_token: true, has_expires_at: true });
      expect(result.token.expires_in).toBeLessThanOrEqual(TTL);
      expect(result.me).toEqual({ status: 200, username: 'johndoe' });
      expect(result.expired_before_call).toBe(true);
      expect(result.after_expiry).toEqual({ status: 200, username: 'johndoe', refreshed: true, rotated: true, update_token_calls: 1 });
      expect(result.bad_refresh.error).toBe('invalid_grant');
    }
    expect(seen.authlib.bad_refresh.raised).toBe('OAuthError');
    expect(seen.requests_oauthlib.bad_refresh.raised).toBe('InvalidGrantError');
  }, 120_000);

  it('openid-client refreshes with refreshTokenGrant once expiresIn() is 0; a bad refresh token is invalid_grant', async () => {
    const config = openidConfig(url);
    const tokens = await client.genericGrantRequest(config, 'password', { ...USER });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.expiresIn()).toBeLessThanOrEqual(TTL);
    await new Promise((resolve) => setTimeout(resolve, (tokens.expiresIn()! + 1.1) * 1000));
    expect(tokens.expiresIn()).toBe(0);
    // The expired token is refused (openid-client turns a 401's WWW-Authenticate into its challenge error).
    const expired = await client
      .fetchProtectedResource(config, tokens.access_token, new URL(`${url}/users/me/`), 'GET')
      .then((response) => response.status, (error: unknown) => (error instanceof client.WWWAuthenticateChallengeError ? 401 : error));
    expect(expired).toBe(401);
    const renewed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(renewed.access_token).not.toBe(tokens.access_token);
    expect(renewed.refresh_token).not.toBe(tokens.refresh_token);
    expect(await meWith(config, url, renewed.access_token)).toEqual({ status: 200, username: 'johndoe' });
    const error = await rejection(client.refreshTokenGrant(config, 'not-a-refresh-token'));
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 });
  }, 60_000);
});

describe.skipIf(!existsSync(built))('gatehouse serve --help', () => {
  it('lists --oauth2-errors', async () => {
    expect((await run(['serve', '--help'])).stdout).toContain('--oauth2-errors');
  });
});
