/**
 * Database files made private: SQLite creates a missing file with mode 0644 under the usual umask,
 * so a users table (hashes, emails) or a counter table would be readable by every local account.
 */
import { nodeBuiltin } from './runtime.js';

/**
 * @internal Create `path` empty with mode 0600 when it does not exist, before SQLite opens it.
 * SQLite takes an empty file as a new database and gives its -wal and -shm files the database
 * file's mode. A file that exists keeps its mode; anything else that fails is left to SQLite's open
 * to report. Not a file: `:memory:`, `file:` URIs and runtimes without node:fs.
 *
 * @example
 * createPrivateFile('./users.db'); // then new Database('./users.db')
 */
export function createPrivateFile(path: string): void {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  const fs = nodeBuiltin<typeof import('node:fs')>('node:fs');
  if (!fs) return;
  try {
    fs.closeSync(fs.openSync(path, 'wx', 0o600));
  } catch {
    // exists (keeps its mode), or cannot be made here: SQLite's own open says why
  }
}
