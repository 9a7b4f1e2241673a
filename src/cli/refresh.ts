/**
 * `gatehouse serve`'s token lifecycle flags (issue 21): `--refresh-tokens` turns on refresh tokens,
 * POST /revoke and POST /logout; `--refresh-ttl 30d` and `--refresh-grace 10s` tune them. Sessions
 * live in the `--database` store's tables when it has them (its `sessions`), else in memory.
 */
import { ConfigurationError } from '../errors.js';
import type { RefreshTokensOptions } from '../http/index.js';
import { parseDuration } from '../tokens/claims.js';
import { UsageError } from './usage.js';

/** The flags, for serve's parser. */
export const REFRESH_OPTIONS = {
  'refresh-tokens': { type: 'boolean', default: false },
  'refresh-ttl': { type: 'string' },
  'refresh-grace': { type: 'string' },
} as const;

export const REFRESH_HELP = `    --refresh-tokens   answer refresh tokens too (grant_type=refresh_token rotates them; access
                       tokens then live 15 minutes) and serve POST /revoke and POST /logout;
                       sessions live in the --database tables when it has them, else in memory
    --refresh-ttl D    a login's refresh tokens end after D (default 30d; 14d unused ends them too)
    --refresh-grace D  the previous refresh token still answers, with the same successor, for D
                       after a rotation (default 10s; 0 is strict)
`;

function duration(text: string | undefined, flag: string, allowZero: boolean): number | undefined {
  if (text === undefined) return undefined;
  let value: number;
  try {
    value = parseDuration(/^\d+$/.test(text) ? Number(text) : text, flag);
  } catch (error) {
    throw error instanceof ConfigurationError ? new UsageError(`${flag} must be seconds or a duration like 30d, 12h, 10s`) : error;
  }
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) throw new UsageError(`${flag} must be ${allowZero ? '0 or more' : 'at least 1'} seconds`);
  return value;
}

/** The handler's `refreshTokens` option from the flags, or undefined when off. */
export function refreshFromCli(values: { 'refresh-tokens'?: boolean; 'refresh-ttl'?: string; 'refresh-grace'?: string }): RefreshTokensOptions | undefined {
  const ttl = duration(values['refresh-ttl'], '--refresh-ttl', false);
  const reuseGrace = duration(values['refresh-grace'], '--refresh-grace', true);
  if (!values['refresh-tokens']) {
    if (ttl !== undefined || reuseGrace !== undefined) throw new UsageError('--refresh-ttl and --refresh-grace need --refresh-tokens');
    return undefined;
  }
  return { ...(ttl === undefined ? {} : { ttl }), ...(reuseGrace === undefined ? {} : { reuseGrace }) };
}
