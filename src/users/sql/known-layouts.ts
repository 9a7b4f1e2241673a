/** The layouts a SQL user store knows by name: above both the layout machinery and the apps' layouts. */
import { BETTER_AUTH_LAYOUT } from './better-auth.js';
import { DJANGO_LAYOUT } from './django.js';
import { FASTAPI_USERS_LAYOUT } from './fastapi-users.js';
import { LARAVEL_LAYOUT } from './laravel.js';
import { DEFAULT_LAYOUT, type UserTableLayout } from './layouts.js';
import { WORDPRESS_LAYOUT } from './wordpress.js';

/**
 * Layouts known by name (`layout: 'default'`, `'django'`, `'wordpress'`, `'laravel'`,
 * `'fastapi-users'`, `'better-auth'`).
 *
 * @example
 * createPostgresUserStore(pool, { layout: LAYOUTS.django });
 */
export const LAYOUTS: Readonly<Record<string, UserTableLayout>> = Object.freeze({
  default: DEFAULT_LAYOUT,
  django: DJANGO_LAYOUT,
  wordpress: WORDPRESS_LAYOUT,
  laravel: LARAVEL_LAYOUT,
  'fastapi-users': FASTAPI_USERS_LAYOUT,
  'better-auth': BETTER_AUTH_LAYOUT,
});
