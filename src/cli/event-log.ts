/**
 * `gatehouse serve`'s event log: each auth event as one JSON line on stdout. A log must never take
 * the server down: stdout is often a pipe whose reader went away (EPIPE, which would otherwise be an
 * uncaught error at the next login) or stopped reading (Node then queues every line in memory).
 * Past a bound the lines are dropped and counted, and stderr says how many once writing resumes.
 */
import type { Writable } from 'node:stream';
import type { AuthEvent, AuthEventHook } from '../http/index.js';

/** Bytes of event lines left queued for a slow reader before new ones are dropped. */
const MAX_QUEUED_BYTES = 1024 * 1024;

/**
 * The onEvent hook that logs to `out` (stdout by default); `err` hears of dropped lines.
 *
 * @example
 * createAuthHandler({ users, key, onEvent: createEventLog() });
 */
export function createEventLog(
  out: Writable = process.stdout,
  err: Pick<Writable, 'write'> = process.stderr,
  maxQueuedBytes = MAX_QUEUED_BYTES,
): AuthEventHook {
  let broken = false;
  let dropped = 0;
  // The reader is gone: stop writing rather than crash on the error event.
  out.on('error', () => {
    broken = true;
  });
  return (event: AuthEvent) => {
    if (broken || out.destroyed || !out.writable) return;
    if (out.writableLength > maxQueuedBytes) {
      dropped++;
      return;
    }
    if (dropped > 0) {
      err.write(`gatehouse: ${dropped} event line(s) dropped: stdout was not being read\n`);
      dropped = 0;
    }
    out.write(`${JSON.stringify(event)}\n`);
  };
}
