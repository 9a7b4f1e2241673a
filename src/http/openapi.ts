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
    schemas.User = {
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

  const components: Record<string, unknown> = {};
  // FastAPI lists schemas by name.
  if (Object.keys(schemas).length > 0) {
    components.schemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  if (listed.has('me') || listed.has('items')) {
    components.securitySchemes = {
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
