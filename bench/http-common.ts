/** What the HTTP benchmark's servers and load generator share. */

import { TUTORIAL_SECRET_KEY, fakeUsersDb } from '../examples/shared/seed.ts';

/** The FastAPI tutorial's SECRET_KEY. */
export const KEY = TUTORIAL_SECRET_KEY;

/** The seed's johndoe, password "secret" (bcrypt, cost 12). */
export const SEED = fakeUsersDb;

/** What GET /users/me/ answers for johndoe. */
export const PUBLIC = { username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false };
