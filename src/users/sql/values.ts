/** The values a SQL user store accepts and reads back: limits, text checks, and conversions of what a driver returns. */
import { UserStoreError } from '../../errors.js';

/** Names and hashes longer than this are refused by createUser (and so cannot be found). */
export const MAX_USERNAME_LENGTH = 256;
export const MAX_HASH_LENGTH = 4096;
export const MAX_FIELD_LENGTH = 1024;

/** Half of a UTF-16 pair alone: not text a database can store (String#isWellFormed is ES2024). */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A username the store can hold: a non-empty, well-formed string without NUL, at most 256 code units. */
export function validUsername(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= MAX_USERNAME_LENGTH &&
    !name.includes('\0') &&
    !LONE_SURROGATE.test(name)
  );
}

export function checkText(value: unknown, what: string, max: number, nullable: boolean): string | null {
  if (value === undefined || value === null) {
    if (nullable) return null;
    throw new UserStoreError('ERR_USER_INVALID', `${what} is required`);
  }
  if (typeof value !== 'string' || value.length > max || value.includes('\0') || LONE_SURROGATE.test(value)) {
    throw new UserStoreError('ERR_USER_INVALID', `${what} must be text of at most ${max} characters, without NUL`);
  }
  return value;
}

export function checkUsername(name: unknown): string {
  if (!validUsername(name)) {
    throw new UserStoreError('ERR_USER_INVALID', `a username is 1 to ${MAX_USERNAME_LENGTH} characters of text, without NUL`);
  }
  return name;
}

export const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A malformed flag locks the user out, as the handler does. */
export function disabledFlag(value: unknown): boolean | null {
  return value === true || value === false || value === null ? value : true;
}

export function timestamp(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return typeof value === 'string' ? value : null;
}
