/**
 * Users: the store interface gatehouse reads them through, authenticateUser (authenticate.ts) and
 * the in-memory store (memory.ts). The checked lookup (findStoredUser, findUserNow in store-interface.ts)
 * is internal: authenticateUser and requireUser go through it. The SQL stores are gatehouse/sqlite and
 * gatehouse/postgres; the JSON file store, which needs a filesystem, is in gatehouse/node.
 */
export {
  type ListUsersOptions,
  type NewUser,
  type UserDatabase,
  type UserRecord,
  type UserStore,
} from './store-interface.js';
export { authenticateUser, type AuthenticateOptions, type HashRefusal } from './authenticate.js';
export { createMemoryUserStore, type MemoryUserStore } from './memory.js';
