/** app/api/me/route.ts: GET /api/me, the session's (or bearer token's) user, as the tutorial's /users/me/. */
import { gatehouse } from '../../../lib/sessions.ts';

export const GET = gatehouse;
