/**
 * The login form, as FastAPI's OAuth2PasswordRequestForm reads it: urlencoded or multipart body,
 * fields grant_type, username, password, scope, client_id, client_secret, and pydantic v2's 422
 * error shapes when they are wrong.
 */
import { DEFAULT_MAX_BODY_BYTES, readBodyLimited } from './body.js';
import { type FormValue, MultipartError, parseHeaderValue, parseMultipart } from './multipart.js';
import { percentDecodeBytes } from './percent.js';
import { PRIVATE_JSON_HEADERS, ResponseParts, detailParts, toResponse } from './response.js';

/**
 * The fields of OAuth2PasswordRequestForm, read by readLoginForm.
 *
 * @example
 * const form = await readLoginForm(request);
 * if (form instanceof Response) return form; // 413, 400 or 422
 * console.log(form.username, form.scopes);
 */
export interface LoginForm {
  /** 'password' or null (absent or empty). */
  grantType: 'password' | null;
  username: string;
  password: string;
  /** The raw `scope` field ('' when absent). */
  scope: string;
  /** `scope` split on whitespace. */
  scopes: string[];
  clientId: string | null;
  clientSecret: string | null;
}

/**
 * Options of readLoginForm.
 *
 * @example
 * const form = await readLoginForm(request, { maxBodyBytes: 16 * 1024 });
 */
export interface ReadLoginFormOptions {
  /** Bodies longer than this get 413. Default 64 KiB. */
  maxBodyBytes?: number;
}

interface ValidationError {
  type: string;
  loc: [string, string];
  msg: string;
  input: unknown;
  ctx?: Record<string, string>;
}

/**
 * Read and validate the login form of a request. Returns the form, or the Response to send:
 * 413 (too large), 400 (malformed multipart or unreadable body) or 422 (invalid fields).
 *
 * @example
 * const form = await readLoginForm(request);
 * if (form instanceof Response) return form;
 * console.log(form.username, form.scopes);
 */
export async function readLoginForm(request: Request, options: ReadLoginFormOptions = {}): Promise<LoginForm | Response> {
  const form = await readLoginFormParts(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  return form instanceof ResponseParts ? toResponse(form) : (form as LoginForm);
}

/** @internal The form of `grant_type=refresh_token` (RFC 6749 section 6). */
export interface RefreshForm {
  grantType: 'refresh_token';
  refreshToken: string;
  scope: string;
  scopes: string[];
}

/** @internal readLoginForm, with the error answer as parts; with `refresh`, also the refresh grant's form. */
export async function readLoginFormParts(request: Request, maxBodyBytes: number, refresh = false): Promise<LoginForm | RefreshForm | ResponseParts> {
  const fields = await readFormFields(request, maxBodyBytes);
  if (fields instanceof ResponseParts) return fields;

  const errors: ValidationError[] = [];
  const grantType = optionalString(fields, 'grant_type', errors);
  if (refresh && grantType === 'refresh_token') {
    const refreshToken = requiredString(fields, 'refresh_token', errors);
    const scope = optionalString(fields, 'scope', errors) ?? '';
    if (errors.length > 0) return new ResponseParts(422, PRIVATE_JSON_HEADERS, JSON.stringify({ detail: errors }));
    return { grantType, refreshToken: refreshToken!, scope, scopes: scope.split(/\s+/).filter((s) => s !== '') };
  }
  if (grantType !== null && grantType !== 'password') {
    errors.push({
      type: 'string_pattern_mismatch',
      loc: ['body', 'grant_type'],
      msg: "String should match pattern '^password$'",
      input: grantType,
      ctx: { pattern: '^password$' },
    });
  }
  const username = requiredString(fields, 'username', errors);
  const password = requiredString(fields, 'password', errors);
  const scope = optionalString(fields, 'scope', errors) ?? '';
  const clientId = optionalString(fields, 'client_id', errors);
  const clientSecret = optionalString(fields, 'client_secret', errors);
  if (errors.length > 0) return new ResponseParts(422, PRIVATE_JSON_HEADERS, JSON.stringify({ detail: errors }));
  return {
    grantType: grantType as 'password' | null,
    username: username!,
    password: password!,
    scope,
    scopes: scope.split(/\s+/).filter((s) => s !== ''),
    clientId,
    clientSecret,
  };
}

/** The form's fields (last value of a repeated key), or the error Response. */
export async function readFormFields(request: Request, limit: number): Promise<Map<string, FormValue> | ResponseParts> {
  const contentType = request.headers.get('content-type');
  const { type, params } = parseHeaderValue(contentType ?? '');
  const isUrlencoded = type === 'application/x-www-form-urlencoded';
  const isMultipart = type === 'multipart/form-data';
  // Anything else reads as an empty form (422 for the required fields), as in FastAPI.
  if (!isUrlencoded && !isMultipart) return new Map();
  const boundary = params.get('boundary');
  if (isMultipart && boundary === undefined) return detailParts(400, 'Missing boundary in multipart.');

  let body: Uint8Array | null;
  try {
    body = await readBodyLimited(request, limit);
  } catch {
    return parseError(); // the client went away or sent a broken stream
  }
  if (body === null) return detailParts(413, 'Request Entity Too Large');
  if (isUrlencoded) return new Map(parseUrlencoded(body));
  try {
    return new Map(parseMultipart(body, boundary!));
  } catch (error) {
    if (error instanceof MultipartError) return parseError();
    throw error;
  }
}

function parseError(): ResponseParts {
  return detailParts(400, 'There was an error parsing the body');
}

/** An empty value counts as absent (FastAPI's Form handling); a file part is not a string. */
function optionalString(fields: Map<string, FormValue>, name: string, errors: ValidationError[]): string | null {
  const value = fields.get(name);
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') {
    errors.push({ type: 'string_type', loc: ['body', name], msg: 'Input should be a valid string', input: null });
    return null;
  }
  return value;
}

function requiredString(fields: Map<string, FormValue>, name: string, errors: ValidationError[]): string | null {
  const before = errors.length;
  const value = optionalString(fields, name, errors);
  if (value === null && errors.length === before) {
    errors.push({ type: 'missing', loc: ['body', name], msg: 'Field required', input: null });
  }
  return value;
}

const AMPERSAND = 38;
const EQUALS = 61;

/**
 * application/x-www-form-urlencoded pairs: split on '&', empty pairs skipped, a pair without '='
 * has an empty value, '+' is a space, %XX a byte; the bytes are read as UTF-8 (bad sequences
 * become U+FFFD; a malformed %-escape stays as written).
 */
export function parseUrlencoded(body: Uint8Array): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(AMPERSAND, start);
    if (end < 0) end = body.length;
    if (end > start) {
      let eq = body.indexOf(EQUALS, start);
      if (eq < 0 || eq > end) eq = end;
      pairs.push([percentDecodeBytes(body, start, eq, true), percentDecodeBytes(body, Math.min(eq + 1, end), end, true)]);
    }
    start = end + 1;
  }
  return pairs;
}
