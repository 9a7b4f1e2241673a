/**
 * The bearer token of a request, read as FastAPI's OAuth2PasswordBearer does: the Authorization
 * header split on its first space, the scheme compared case-insensitively with "bearer", the rest
 * trimmed. Returns null when there is no usable header ("Not authenticated"); `Bearer` alone gives
 * '' (which then fails validation, "Could not validate credentials").
 *
 * @example
 * const token = readBearerToken(request); // 'eyJ...' from "Authorization: Bearer eyJ...", or null
 */
export function readBearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (scheme.length !== 6 || scheme.toLowerCase() !== 'bearer') return null;
  return space < 0 ? '' : header.slice(space + 1).trim();
}
