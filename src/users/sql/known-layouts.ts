/** The layouts a SQL user store knows by name: above both the layout machinery and Django's layout. */
import { DJANGO_LAYOUT } from './django.js';
import { DEFAULT_LAYOUT, type UserTableLayout } from './layouts.js';

/**
 * Layouts known by name (`layout: 'default'`, `layout: 'django'`).
 *
 * @example
 * createPostgresUserStore(pool, { layout: LAYOUTS.django });
 */
export const LAYOUTS: Readonly<Record<string, UserTableLayout>> = Object.freeze({ default: DEFAULT_LAYOUT, django: DJANGO_LAYOUT });
