import { createHmac } from 'node:crypto';

/** What the HTTP benchmark's servers and load generator share. */

/** The FastAPI tutorial's SECRET_KEY. */
export const KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';

/** The seed's johndoe, password "secret" (bcrypt, cost 12). */
export const SEED = {
  johndoe: {
    username: 'johndoe',
    full_name: 'John Doe',
    email: 'johndoe@example.com',
    hashed_password: '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW',
    disabled: false,
  },
};

/** What GET /users/me/ answers for johndoe. */
export const PUBLIC = { username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false };

/** The same user with FastAPI's current tutorial hash (pwdlib's argon2id, m=65536, t=3, p=4) of "secret". */
export const ARGON2_SEED = {
  johndoe: {
    ...SEED.johndoe,
    hashed_password: '$argon2id$v=19$m=65536,t=3,p=4$wagCPXjifgvUFBzq4hqe3w$CYaIb8sB+wtD+Vu/P4uod1+Qof8h+1g7bbDlBID48Rc',
  },
};

/** An HS256 token for johndoe, valid for an hour, signed with KEY (what POST /token issues). */
export function johndoeToken(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'johndoe', exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}
