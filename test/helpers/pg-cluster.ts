/**
 * A throwaway PostgreSQL for tests: initdb in a temp directory owned by postgres, pg_ctl on a free
 * 127.0.0.1 port, removed by stop(). PG_URL points the tests at an existing server instead.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './services.js';

export interface TestPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

const BIN = '/usr/lib/postgresql/15/bin';

/** Starts a cluster (or uses PG_URL); rejects when neither is possible. */
export async function startPostgres(): Promise<TestPostgres> {
  if (process.env.PG_URL) return { url: process.env.PG_URL, stop: async () => {} };
  if (!existsSync(join(BIN, 'initdb'))) throw new Error(`no PostgreSQL at ${BIN}`);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root: run it and the server as postgres.
  const asPostgres = userInfo().uid === 0;
  const run = (command: string, args: string[]) =>
    asPostgres
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args], { stdio: 'pipe' })
      : execFileSync(join(BIN, command), args, { stdio: 'pipe' });
  if (asPostgres) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    const [uid, gid] = [id('-u'), id('-g')];
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    run('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', 'start']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot start PostgreSQL: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
