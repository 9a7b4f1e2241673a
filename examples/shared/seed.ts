/**
 * The data of FastAPI's "OAuth2 with Password (and hashing), Bearer with JWT tokens" tutorial, shared
 * by the recipes in examples/<framework>/: its fake_users_db (johndoe, password "secret") and its
 * SECRET_KEY. A real app keeps users in a store and reads the key from its secrets.
 */
export const fakeUsersDb = {
  johndoe: {
    username: 'johndoe',
    full_name: 'John Doe',
    email: 'johndoe@example.com',
    hashed_password: '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW',
    disabled: false,
  },
};

/** The tutorial's key (the recipes sign with SECRET_KEY from the environment when it is set). */
export const TUTORIAL_SECRET_KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';

/** What every recipe's protected route answers, so the test can ask the same of each. */
export function greeting(user: { username: string }, framework: string): { message: string; framework: string } {
  return { message: `Hello, ${user.username}`, framework };
}
