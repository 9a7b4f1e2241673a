/**
 * Django's `auth_user`, as `manage.py migrate` creates it (django.contrib.auth), shared with the
 * Django app: read and updated in place, its schema never altered (`migrate()` refuses it).
 *   username → username, password → hashed_password, email ('' for none), first_name + last_name →
 *   full_name, is_active → the inverse of disabled, date_joined set when gatehouse adds a user.
 * Only hashes Django reads are written (a pbkdf2_sha256$, argon2$, bcrypt_sha256$, ... string of at
 * most 128 characters): use `presets.django({ coexist: true })` as the context. Django's unusable
 * password (`!` and 40 characters) reads as no password; a user added without one gets one.
 */
import { UserStoreError } from '../../errors.js';
import { randomAlphanumeric } from '../../internal/random.js';
import type { FieldMapping, UserTableLayout } from './layouts.js';

/** Django's column sizes: password varchar(128), first_name and last_name varchar(150), email varchar(254). */
const PASSWORD_CHARS = 128;
const NAME_CHARS = 150;
const EMAIL_CHARS = 254;

/**
 * The shapes of the hashers Django reads out of the box (its default PASSWORD_HASHERS, and
 * bcrypt): the formats of presets.django's coexistence. A shape check, not a parse (that is the
 * schemes' work): it keeps the store free of the hashing code.
 */
const DJANGO_READS = [
  /^pbkdf2_sha(256|1)\$[1-9][0-9]*\$[^$]+\$[A-Za-z0-9+/]+=*$/,
  /^argon2\$argon2(id|i|d)\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
  /^bcrypt(_sha256)?\$\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$/,
  /^scrypt\$[0-9]+\$[^$]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/]+=*$/,
];

function invalid(message: string): UserStoreError {
  return new UserStoreError('ERR_USER_INVALID', `auth_user: ${message}`);
}

/** A Django-readable hash, or Django's unusable password for a user without one. */
function djangoHash(hash: string | null): string {
  if (hash === null) return `!${randomAlphanumeric(40)}`; // Django's make_password(None)
  if (!DJANGO_READS.some((shape) => shape.test(hash))) {
    throw invalid('Django cannot read this hash: hash with presets.django({ coexist: true })');
  }
  if (hash.length > PASSWORD_CHARS) throw invalid(`Django keeps at most ${PASSWORD_CHARS} characters of a hash`);
  return hash;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Django's get_full_name(): first and last name joined by a space, stripped. */
const fullName: FieldMapping = {
  columns: ['first_name', 'last_name'],
  read: ([first, last]) => `${text(first)} ${text(last)}`.trim() || null,
  // The first word is the first name, the rest the last name ("Ann van Dyke": Ann / van Dyke).
  write: (value) => {
    const name = typeof value === 'string' ? value.trim() : '';
    const space = name.indexOf(' ');
    const parts = space < 0 ? [name, ''] : [name.slice(0, space), name.slice(space + 1).trim()];
    if (parts.some((part) => part.length > NAME_CHARS)) throw invalid(`Django keeps at most ${NAME_CHARS} characters of a first or last name`);
    return parts;
  },
};

/** Django's email is NOT NULL: '' means none. */
const email: FieldMapping = {
  columns: ['email'],
  read: ([value]) => (typeof value === 'string' && value !== '' ? value : null),
  write: (value) => {
    const address = typeof value === 'string' ? value : '';
    if (address.length > EMAIL_CHARS) throw invalid(`Django keeps at most ${EMAIL_CHARS} characters of an email`);
    return [address];
  },
};

/** disabled is the inverse of is_active; anything but a true is_active (1 on SQLite) locks the user out. */
const disabled: FieldMapping = {
  columns: ['is_active'],
  read: ([active]) => !(active === true || active === 1 || active === 1n),
  write: (value) => [value !== true],
};

/**
 * The layout of Django's auth_user, `layout: 'django'` of the SQLite and PostgreSQL stores.
 *
 * @example
 * import { createSqliteUserStore } from 'gatehouse/sqlite';
 * import { createAuthHandler, presets } from 'gatehouse';
 * const users = createSqliteUserStore('./db.sqlite3', { layout: 'django' });
 * const handler = createAuthHandler({ users, key, context: presets.django({ coexist: true }) });
 */
export const DJANGO_LAYOUT: UserTableLayout = Object.freeze({
  table: 'auth_user',
  columns: Object.freeze({
    username: 'username',
    hashed_password: 'password',
    email,
    full_name: fullName,
    disabled,
    created_at: 'date_joined',
    updated_at: null,
    // gatehouse never alters auth_user: look-alikes are looked for with a query (best effort).
    username_fold: null,
  }),
  // NOT NULL columns without a default, for users gatehouse adds.
  insertValues: Object.freeze({ is_staff: false, is_superuser: false }),
  managed: false,
  readHash: (value: unknown) => (typeof value === 'string' && !value.startsWith('!') ? value : null),
  writeHash: djangoHash,
});
