/**
 * Issue 21's fault: `gatehouse serve --refresh-tokens` killed with SIGKILL in the middle of a refresh
 * storm and restarted on the same database leaves no forked family. Each client refreshes its own
 * family with two concurrent requests at a time (two tabs); every pair must get one and the same
 * successor. After the restart, each client's last token (current, or the predecessor whose answer
 * was lost with the server) still refreshes, again to one successor for both tabs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { built, startServer } from '../../helpers/cli.js';

const KEY = randomBytes(32).toString('hex');
const FAMILIES = 4;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-refresh-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type TokenBody = { access_token?: string; refresh_token?: string };

function refresh(url: string, token: string): Promise<Response> {
  return fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }) });
}

/** Two tabs refresh with the same token at once: both statuses and the distinct successors. */
async function twoTabs(url: string, token: string): Promise<{ statuses: number[]; successors: Set<string | undefined> }> {
  const answers = await Promise.all([refresh(url, token), refresh(url, token)]);
  const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as TokenBody[];
  return { statuses: answers.map((answer) => answer.status), successors: new Set(bodies.map((body) => body.refresh_token)) };
}

describe.skipIf(!existsSync(built))('gatehouse serve --refresh-tokens killed with SIGKILL during a refresh storm', () => {
  it('leaves no forked family: every pair of concurrent refreshes gets one successor, before and after the restart', async () => {
    const database = join(dir, 'users.db');
    const args = ['--database', `sqlite:${database}`, '--seed-demo', '--refresh-tokens', '--refresh-grace', '120s', '--no-event-log', '--no-throttle'];
    let server = startServer(args, { SECRET_KEY: KEY });
    let url = await server.url;
    const held: string[] = [];
    for (let i = 0; i < FAMILIES; i++) {
      const response = await fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret' }) });
      expect(response.status).toBe(200);
      held.push(((await response.json()) as TokenBody).refresh_token!);
    }

    let stopping = false;
    let rotations = 0;
    const forks: string[] = [];
    const storm = held.map(async (_, family) => {
      while (!stopping) {
        let pair: Awaited<ReturnType<typeof twoTabs>>;
        try {
          pair = await twoTabs(url, held[family]!);
        } catch {
          return; // the server died under this request
        }
        if (pair.statuses.some((status) => status !== 200) || pair.successors.size !== 1) {
          forks.push(`family ${family}: ${pair.statuses.join(',')} with ${pair.successors.size} successors`);
          return;
        }
        held[family] = [...pair.successors][0]!;
        rotations += 1;
      }
    });
    const deadline = Date.now() + 20_000;
    while (rotations < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    server.child.kill('SIGKILL');
    stopping = true;
    await Promise.allSettled(storm);
    await server.exited;
    expect(forks).toEqual([]);
    expect(rotations).toBeGreaterThanOrEqual(FAMILIES);

    server = startServer(args, { SECRET_KEY: KEY });
    try {
      url = await server.url;
      for (let family = 0; family < FAMILIES; family++) {
        const pair = await twoTabs(url, held[family]!);
        expect(pair.statuses, `family ${family} after the restart`).toEqual([200, 200]);
        expect(pair.successors.size, `family ${family}: one successor`).toBe(1);
        const next = await refresh(url, [...pair.successors][0]!);
        expect(next.status).toBe(200);
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // One row per login, none revoked: no fork, no family ended by a false reuse.
    const db = new Database(database, { readonly: true });
    try {
      const rows = db.prepare('SELECT id, revoked_at FROM gatehouse_sessions').all() as { id: string; revoked_at: number | null }[];
      expect(rows).toHaveLength(FAMILIES);
      expect(rows.every((row) => row.revoked_at === null)).toBe(true);
    } finally {
      db.close();
    }
  }, 180_000);
});
