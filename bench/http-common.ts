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
