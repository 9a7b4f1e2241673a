/** app/api/profile/route.ts: GET /api/profile for the bearer token's user, else gatehouse's 401. */
import { greeting } from '../../../../shared/seed.ts';
import { auth } from '../../../lib/auth.ts';

export async function GET(request: Request): Promise<Response> {
  const { user, response } = await auth.requireUser(request);
  return response ?? Response.json(greeting(user, 'nextjs'));
}
