import { createHmac } from 'node:crypto';

/** What the HTTP benchmark's servers and load generator share. */

import { TUTORIAL_SECRET_KEY, fakeUsersDb } from '../examples/shared/seed.ts';

/** The FastAPI tutorial's SECRET_KEY. */
export const KEY = TUTORIAL_SECRET_KEY;

/** The seed's johndoe, password "secret" (bcrypt, cost 12). */
export const SEED = fakeUsersDb;

/** What GET /users/me/ answers for johndoe. */
export const PUBLIC = { username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false };

/** The same user with FastAPI's current tutorial hash (pwdlib's argon2id, m=65536, t=3, p=4) of "secret". */
export const ARGON2_SEED = {
  johndoe: {
    ...SEED.johndoe,
    hashed_password: '$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc',
  },
};

/** An HS256 token for johndoe, valid for 30 minutes (the handler refuses longer lives), signed with KEY (what POST /token issues). */
export function johndoeToken(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'johndoe', exp: Math.floor(Date.now() / 1000) + 1800 })}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}
