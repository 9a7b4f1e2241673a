/**
 * The OpenAPI 3.1 document of the handler, in the shape (and key order) FastAPI generates for the
 * tutorial app, so that Swagger UI and client generators see the same API.
 */

/**
 * Options of createOpenApiDocument.
 *
 * @example
 * createOpenApiDocument({ paths: DEFAULT_PATHS, scopes: null, title: 'My API' });
 */
export interface OpenApiOptions {
  /** Route paths. `token` is also the password flow's `tokenUrl`, listed or not. */
  paths: { token: string; me: string; items: string };
  /** Declared scopes (name → description), or null for the plain tutorial. */
  scopes: Readonly<Record<string, string>> | null;
  title?: string;
  version?: string;
  /**
   * The routes the document lists (those the handler mounts). Default: all three. As FastAPI does,
   * only the schemas they use are listed, and the security scheme only when a protected route is.
   */
  routes?: ReadonlyArray<'token' | 'me' | 'items'>;
  /**
   * The path refresh tokens are exchanged at (FastAPI's `OAuth2PasswordBearer(refreshUrl=...)`), listed
   * as the password flow's `refreshUrl`. Default none (the tutorial's document).
   */
  refreshUrl?: string;
  /**
   * What the login form's `username` holds (the user store's loginBy): with 'email' or 'username
   * or email' its description says so (OAuth2's password grant names the field `username`).
   */
  loginBy?: 'username' | 'email' | 'username or email';
  /**
   * With cookie sessions: the session routes the handler mounts (each path, or absent when not
   * mounted) and the cookie's name, listed with a `SessionCookie` security scheme. Default none
   * (the tutorial's document, unchanged).
   */
  sessions?: OpenApiSessions;
}

/**
 * The cookie-session routes createOpenApiDocument lists: POST login, GET sessions, DELETE
 * sessions/{id}, POST logout (each only when its path is given).
 *
 * @example
 * createOpenApiDocument({ paths: DEFAULT_PATHS, scopes: null, sessions: { cookieName: '__Host-gatehouse-session', login: '/login', sessions: '/sessions', logout: '/logout' } });
 */
export interface OpenApiSessions {
  /** The session cookie's name (the `SessionCookie` apiKey scheme's `name`). */
  cookieName: string;
  /** POST: the session login. */
  login?: string;
  /** GET: the caller's sessions; DELETE `<path>/{id}`: end one. */
  sessions?: string;
  /** POST: end the session (`?everywhere`: every other one). */
  logout?: string;
}

/** The description of the login form's username field, when it holds more than a username. */
const LOGIN_DESCRIPTIONS: Record<string, string> = {
  email: "The user's email address (OAuth2's password grant calls the field username).",
  'username or email': "The user's login name or email address (OAuth2's password grant calls the field username).",
};

const SCHEME = 'OAuth2PasswordBearer';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: object) => ({ 'application/json': { schema } });
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });

/** FastAPI's `User` model (GET /users/me/, and POST /login's answer), a fresh object each time. */
function userSchema(): Record<string, unknown> {
  return {
    properties: {
      username: { type: 'string', title: 'Username' },
      email: { ...nullable({ type: 'string' }), title: 'Email' },
      full_name: { ...nullable({ type: 'string' }), title: 'Full Name' },
      disabled: { ...nullable({ type: 'boolean' }), title: 'Disabled' },
    },
    type: 'object',
    required: ['username'],
    title: 'User',
  };
}

/** FastAPI's operationId: function name + path, non-word characters as '_', then the method. */
function operationId(name: string, path: string, method: string): string {
  return `${name}${path}`.replace(/[^A-Za-z0-9_]/g, '_') + `_${method}`;
}

/** The scopes each protected route requires in scopes mode, outer dependency first. */
export const ROUTE_SCOPES = { me: ['me'], items: ['items', 'me'] } as const;

/**
 * The OpenAPI 3.1 document the handler serves at /openapi.json, as FastAPI generates it for the tutorial.
 *
 * @example
 * const doc = createOpenApiDocument({ paths: DEFAULT_PATHS, scopes: TUTORIAL_SCOPES, title: 'My API' });
 */
export function createOpenApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const { paths, scopes } = options;
  const listed = new Set(options.routes ?? ['token', 'me', 'items']);
  const loginId = operationId('login_for_access_token', paths.token, 'post');
  const bodySchema = `Body_${loginId}`;
  const loginDescription = options.loginBy ? LOGIN_DESCRIPTIONS[options.loginBy] : undefined;
  const security = (route: keyof typeof ROUTE_SCOPES) => [{ [SCHEME]: scopes ? [...ROUTE_SCOPES[route]] : [] }];

  const schemas: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  if (listed.has('token')) {
    schemas[bodySchema] = {
      properties: {
        grant_type: { ...nullable({ type: 'string', pattern: '^password$' }), title: 'Grant Type' },
        username: loginDescription ? { type: 'string', title: 'Username', description: loginDescription } : { type: 'string', title: 'Username' },
        password: { type: 'string', format: 'password', title: 'Password' },
        scope: { type: 'string', title: 'Scope', default: '' },
        client_id: { ...nullable({ type: 'string' }), title: 'Client Id' },
        client_secret: { ...nullable({ type: 'string' }), format: 'password', title: 'Client Secret' },
      },
      type: 'object',
      required: ['username', 'password'],
      title: bodySchema,
    };
    schemas.HTTPValidationError = {
      properties: { detail: { items: ref('ValidationError'), type: 'array', title: 'Detail' } },
      type: 'object',
      title: 'HTTPValidationError',
    };
    schemas.Token = {
      properties: {
        access_token: { type: 'string', title: 'Access Token' },
        token_type: { type: 'string', title: 'Token Type' },
      },
      type: 'object',
      required: ['access_token', 'token_type'],
      title: 'Token',
    };
    schemas.ValidationError = {
      properties: {
        loc: { items: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, type: 'array', title: 'Location' },
        msg: { type: 'string', title: 'Message' },
        type: { type: 'string', title: 'Error Type' },
        input: { title: 'Input' },
        ctx: { type: 'object', title: 'Context' },
      },
      type: 'object',
      required: ['loc', 'msg', 'type'],
      title: 'ValidationError',
    };
    operations[paths.token] = {
      post: {
        summary: 'Login For Access Token',
        operationId: loginId,
        requestBody: {
          content: { 'application/x-www-form-urlencoded': { schema: ref(bodySchema) } },
          required: true,
        },
        responses: {
          '200': { description: 'Successful Response', content: jsonContent(ref('Token')) },
          '422': { description: 'Validation Error', content: jsonContent(ref('HTTPValidationError')) },
        },
      },
    };
  }
  if (listed.has('me')) {
    schemas.User = userSchema();
    operations[paths.me] = {
      get: {
        summary: 'Read Users Me',
        operationId: operationId('read_users_me', paths.me, 'get'),
        responses: { '200': { description: 'Successful Response', content: jsonContent(ref('User')) } },
        security: security('me'),
      },
    };
  }
  if (listed.has('items')) {
    operations[paths.items] = {
      get: {
        summary: 'Read Own Items',
        operationId: operationId('read_own_items', paths.items, 'get'),
        responses: { '200': { description: 'Successful Response', content: jsonContent({}) } },
        security: security('items'),
      },
    };
  }

  if (options.sessions) addSessionOperations(options.sessions, schemas, operations, listed.has('me') || listed.has('items'));

  const components: Record<string, unknown> = {};
  // FastAPI lists schemas by name.
  if (Object.keys(schemas).length > 0) {
    components.schemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  const bearerListed = listed.has('me') || listed.has('items');
  if (bearerListed || options.sessions) {
    components.securitySchemes = {
      ...(options.sessions ? { [COOKIE_SCHEME]: { type: 'apiKey', in: 'cookie', name: options.sessions.cookieName } } : {}),
      [SCHEME]: {
        type: 'oauth2',
        // Relative to the server root, as FastAPI's tokenUrl="token".
        // Key order as pydantic writes OAuthFlowPassword: refreshUrl, scopes, tokenUrl.
        flows: {
          password: {
            ...(options.refreshUrl ? { refreshUrl: options.refreshUrl.replace(/^\//, '') } : {}),
            scopes: { ...(scopes ?? {}) },
            tokenUrl: paths.token.slice(1),
          },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title ?? 'gatehouse', version: options.version ?? '0.1.0' },
    paths: operations,
    ...(Object.keys(components).length > 0 ? { components } : {}),
  };
}

const COOKIE_SCHEME = 'SessionCookie';
const DETAIL = { properties: { detail: { type: 'string', title: 'Detail' } }, type: 'object', required: ['detail'], title: 'Detail' };

/** The cookie-session routes (docs/browser.md): POST /login, GET /sessions, DELETE /sessions/{id}, POST /logout. */
function addSessionOperations(
  sessions: OpenApiSessions,
  schemas: Record<string, unknown>,
  operations: Record<string, unknown>,
  bearerListed: boolean,
): void {
  // The cookie, or a bearer token where the document lists the bearer scheme too.
  const security = [{ [COOKIE_SCHEME]: [] }, ...(bearerListed ? [{ [SCHEME]: [] }] : [])];
  const refused = { description: 'Not authenticated, or the session is over', content: jsonContent(ref('Detail')) };
  const originRefused = { description: 'Cross-origin request refused (the origin rule)', content: jsonContent(ref('Detail')) };
  schemas.Detail = DETAIL;
  if (sessions.login) {
    schemas.User ??= userSchema();
    schemas.SessionLogin = {
      properties: { username: { type: 'string', title: 'Username' }, password: { type: 'string', format: 'password', title: 'Password' } },
      type: 'object',
      required: ['username', 'password'],
      title: 'SessionLogin',
    };
    operations[sessions.login] = {
      post: {
        summary: 'Session Login',
        description: 'Checks the password as the token endpoint does and sets the HttpOnly session cookie.',
        operationId: operationId('session_login', sessions.login, 'post'),
        requestBody: {
          content: { 'application/x-www-form-urlencoded': { schema: ref('SessionLogin') }, 'application/json': { schema: ref('SessionLogin') } },
          required: true,
        },
        responses: {
          '200': {
            description: 'Successful Response: the session cookie is set',
            headers: { 'Set-Cookie': { description: 'The session cookie (HttpOnly, SameSite=Lax)', schema: { type: 'string' } } },
            content: jsonContent(ref('User')),
          },
          '401': { description: 'Incorrect username or password', content: jsonContent(ref('Detail')) },
          '422': { description: 'Validation Error' },
          '429': { description: 'Too many failed logins', content: jsonContent(ref('Detail')) },
        },
      },
    };
  }
  if (sessions.sessions) {
    schemas.Session = {
      properties: {
        id: { type: 'string', title: 'Id' },
        kind: { type: 'string', enum: ['cookie', 'refresh'], title: 'Kind' },
        created_at: { type: 'integer', title: 'Created At' },
        last_seen_at: { ...nullable({ type: 'integer' }), title: 'Last Seen At' },
        expires_at: { type: 'integer', title: 'Expires At' },
        client_address: { ...nullable({ type: 'string' }), title: 'Client Address' },
        user_agent: { ...nullable({ type: 'string' }), title: 'User Agent' },
        current: { type: 'boolean', title: 'Current' },
      },
      type: 'object',
      required: ['id', 'kind', 'created_at', 'expires_at', 'current'],
      title: 'Session',
    };
    const base = sessions.sessions.replace(/\/+$/, '');
    operations[sessions.sessions] = {
      get: {
        summary: 'List Sessions',
        description: "The caller's own live sessions, newest first (Unix seconds).",
        operationId: operationId('list_sessions', sessions.sessions, 'get'),
        responses: {
          '200': { description: 'Successful Response', content: jsonContent({ type: 'array', items: ref('Session'), title: 'Response List Sessions' }) },
          '401': refused,
        },
        security,
      },
    };
    operations[`${base}/{id}`] = {
      delete: {
        summary: 'End Session',
        description: "Ends one of the caller's sessions; another user's id is answered 404, as an unknown one.",
        operationId: operationId('end_session', `${base}/{id}`, 'delete'),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', title: 'Id' } }],
        responses: {
          '204': { description: 'Successful Response' },
          '401': refused,
          '403': originRefused,
          '404': { description: 'No such session of the caller', content: jsonContent(ref('Detail')) },
        },
        security,
      },
    };
  }
  if (sessions.logout) {
    operations[sessions.logout] = {
      post: {
        summary: 'Logout',
        description: 'Ends the current session and clears the cookie; with `everywhere`, ends every other session of the user instead.',
        operationId: operationId('logout', sessions.logout, 'post'),
        parameters: [{ name: 'everywhere', in: 'query', required: false, allowEmptyValue: true, schema: { type: 'string', title: 'Everywhere' } }],
        responses: {
          '204': { description: 'Successful Response: the cookie is cleared' },
          '401': refused,
          '403': originRefused,
        },
        security,
      },
    };
  }
}
