/**
 * app/api/notes/route.ts: POST /api/notes, an unsafe route of the app's own. With the session cookie,
 * requireUser applies the origin rule (403 from a foreign Origin); a renewed cookie goes out with the answer.
 */
import { gatehouse } from '../../../lib/sessions.ts';

export async function POST(request: Request): Promise<Response> {
  const { user, response, setCookie } = await gatehouse.auth.requireUser(request);
  if (response) return response;
  return Response.json({ owner: user.username }, { status: 201, headers: setCookie ? { 'set-cookie': setCookie } : {} });
}
