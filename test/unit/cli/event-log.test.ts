/**
 * gatehouse serve's event log: one JSON line per event; a reader that stops reading makes it drop
 * (and count) lines past a bound instead of queueing without end; a reader that went away (EPIPE)
 * stops it instead of crashing the server.
 */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEventLog } from '../../../src/cli/event-log.js';
import type { AuthEvent } from '../../../src/http/index.js';

const event = (n: number): AuthEvent => ({ type: 'login_failed', username: `user${n}`, clientAddress: '127.0.0.1', reason: 'bad_password', at: 1_765_100_000 + n });

describe('createEventLog', () => {
  it('writes each event as one JSON line', () => {
    const out = new PassThrough();
    const log = createEventLog(out, { write: () => true });
    log(event(1), null);
    log(event(2), null);
    const lines = String(out.read()).split('\n');
    expect(lines.slice(0, 2).map((line) => JSON.parse(line))).toEqual([event(1), event(2)]);
    expect(lines[2]).toBe('');
  });

  it('drops lines past the bound while nobody reads, then says how many on stderr', () => {
    // A reader that has stopped: every write stays pending until `catchUp`.
    const pending: Array<() => void> = [];
    const out = new Writable({ highWaterMark: 16, write: (_chunk, _encoding, done) => void pending.push(() => done()) });
    const notes: string[] = [];
    const log = createEventLog(out, { write: (text: string) => notes.push(text) > 0 }, 1000);
    for (let i = 0; i < 100; i++) log(event(i), null);
    const line = JSON.stringify(event(99)).length + 1;
    expect(out.writableLength).toBeGreaterThan(1000);
    expect(out.writableLength).toBeLessThanOrEqual(1000 + line); // bounded: one line over the bound at most
    expect(notes).toEqual([]);
    const written = Math.ceil(out.writableLength / line);
    // The reader catches up.
    while (pending.length > 0) pending.shift()!();
    expect(out.writableLength).toBe(0);
    log(event(100), null);
    expect(notes).toEqual([`gatehouse: ${100 - written} event line(s) dropped: stdout was not being read\n`]);
  });

  it('stops writing after the stream fails (EPIPE), without throwing', async () => {
    let writes = 0;
    const out = new Writable({
      write(_chunk, _encoding, done) {
        writes++;
        const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        done(error);
      },
    });
    const log = createEventLog(out, { write: () => true });
    log(event(1), null);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(() => log(event(2), null)).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(writes).toBe(1);
  });
});
