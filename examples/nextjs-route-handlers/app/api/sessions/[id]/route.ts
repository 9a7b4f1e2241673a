/** app/api/sessions/[id]/route.ts: DELETE /api/sessions/{id} ends one of the caller's sessions. */
import { gatehouse } from '../../../../lib/sessions.ts';

export const DELETE = gatehouse;
