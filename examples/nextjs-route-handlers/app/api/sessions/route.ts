/** app/api/sessions/route.ts: GET /api/sessions, the caller's own live sessions. */
import { gatehouse } from '../../../lib/sessions.ts';

export const GET = gatehouse;
