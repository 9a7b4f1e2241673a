/**
 * Pieces the layouts of other apps' tables share: NOT NULL text columns where '' means none, and
 * hash checks that keep out what the app could not read.
 */
import { UserStoreError } from '../../errors.js';
import type { FieldMapping } from './layouts.js';

/** ERR_USER_INVALID naming the table. */
export function invalidFor(table: string, message: string): UserStoreError {
  return new UserStoreError('ERR_USER_INVALID', `${table}: ${message}`);
}

/**
 * A NOT NULL text column where '' means none: read as null, written as '' when the field is null.
 * `fallback` gives the value when none is given (WordPress's display_name is the login name).
 */
export function textColumn(
  table: string,
  column: string,
  max: number,
  fallback?: (user: { username: string }) => string,
): FieldMapping {
  return {
    columns: [column],
    read: ([value]) => (typeof value === 'string' && value !== '' ? value : null),
    write: (value, user) => {
      const given = typeof value === 'string' ? value : '';
      const text = given === '' && fallback && user ? fallback(user) : given;
      if (text.length > max) throw invalidFor(table, `${column} holds at most ${max} characters`);
      return [text];
    },
  };
}

/** A boolean column meaning the opposite of disabled (Django's and fastapi-users' is_active). */
export function activeColumn(column: string): FieldMapping {
  return {
    columns: [column],
    read: ([active]) => !(active === true || active === 1 || active === 1n),
    write: (value) => [value !== true],
  };
}

/**
 * A writeHash that lets through only the hash shapes an app reads (at most `max` characters), with
 * `none` stored for a user without a password (or refused when `none` is undefined).
 */
export function hashesRead(table: string, app: string, shapes: readonly RegExp[], max: number, none?: string): (hash: string | null) => string | null {
  return (hash) => {
    if (hash === null) {
      if (none === undefined) throw invalidFor(table, `${app} keeps a password hash for every user`);
      return none;
    }
    if (!shapes.some((shape) => shape.test(hash))) throw invalidFor(table, `${app} cannot read this hash: hash with its preset in coexistence`);
    if (hash.length > max) throw invalidFor(table, `${app} keeps at most ${max} characters of a hash`);
    return hash;
  };
}

/** A non-empty text hash, else null ('' is the old app's "no password"). */
export const nonEmptyHash = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** bcrypt as PHP's password_hash and pwdlib write it. */
export const BCRYPT_SHAPE = /^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$/;
/** Argon2 in the PHC string form (PHP's password_hash, argon2-cffi, pwdlib). */
export const ARGON2_SHAPE = /^\$argon2(id|i|d)\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
