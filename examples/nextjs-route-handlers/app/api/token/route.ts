/** app/api/token/route.ts: POST /api/token, FastAPI's OAuth2 password form in, a bearer token out. */
import { auth } from '../../../lib/auth.ts';

export function POST(request: Request): Promise<Response> {
  return auth.login(request);
}
