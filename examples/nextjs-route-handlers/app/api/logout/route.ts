/** app/api/logout/route.ts: POST /api/logout ends the session and clears the cookie (`?everywhere`: every other one). */
import { gatehouse } from '../../../lib/sessions.ts';

export const POST = gatehouse;
