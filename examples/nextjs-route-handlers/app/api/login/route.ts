/** app/api/login/route.ts: POST /api/login, the password form in, the HttpOnly session cookie out. */
import { gatehouse } from '../../../lib/sessions.ts';

export const POST = gatehouse;
