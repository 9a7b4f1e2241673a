/**
 * Failures answered 503 (a user store that fails, a signing key that cannot be used), told to the
 * app's `onError` every time, or by default to the console: one line per kind of failure, at most
 * once a minute per kind, so that a missing table does not print a line per request. A line names
 * the error's code and message and its cause's message (the driver's "no such table: users"),
 * never a password, a hash, a token or a key.
 */
import { GatehouseError, UserStoreError } from '../../errors.js';
import { notify } from '../../internal/await.js';
import { BoundedMap } from '../../internal/bounded-map.js';
import { TokenKeyError, TokenSigningError } from '../../tokens/index.js';

/** @internal Told about one failure answered 503, with the request it failed. */
export type Reporter = (error: unknown, request: Request) => void;

/** The console's shortest gap between two lines about the same kind of failure. */
export const REPORT_INTERVAL_MS = 60_000;
/** Kinds of failure remembered at once (each kind is a code and a fixed message). */
const MAX_KINDS = 100;
/** A cause's message is cut to its first line, at most this long. */
const MAX_CAUSE_LENGTH = 200;

/** @internal `onError` when given (every failure), else the console (each kind at most once a minute). */
export function createReporter(onError: ((error: unknown, request: Request) => unknown) | undefined): Reporter {
  if (onError !== undefined) return (error, request) => notify(onError, error, request);
  const kinds = new BoundedMap<string, { at: number; since: number }>(MAX_KINDS);
  return (error) => {
    const kind = error instanceof GatehouseError ? `${error.code} ${error.message}` : String((error as Error | null)?.message);
    const now = Date.now();
    const last = kinds.get(kind);
    if (last && now - last.at < REPORT_INTERVAL_MS) {
      last.since += 1;
      return;
    }
    kinds.set(kind, { at: now, since: 0 });
    const repeats = last && last.since > 0 ? ` (and ${last.since} more since the last report)` : '';
    console.error(`gatehouse: ${describeFailure(error)}${repeats}`);
  };
}

/** @internal One line about a failure answered 503: what failed, the code, the message, the cause's message. */
export function describeFailure(error: unknown): string {
  const what =
    error instanceof UserStoreError
      ? 'the user store failed'
      : error instanceof TokenKeyError || error instanceof TokenSigningError
        ? 'the signing key cannot be used'
        : 'a request failed';
  const code = error instanceof GatehouseError ? `${error.code}: ` : '';
  const message = error instanceof Error ? error.message : String(error);
  const cause = causeMessage(error instanceof Error ? error.cause : undefined);
  return `${what}, answered 503: ${code}${message}${cause ? ` (cause: ${cause})` : ''}`;
}

function causeMessage(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : '';
  const line = message.split('\n', 1)[0]!.trim();
  return line.length > MAX_CAUSE_LENGTH ? `${line.slice(0, MAX_CAUSE_LENGTH)}...` : line;
}
