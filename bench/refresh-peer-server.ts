/**
 * The refresh benchmark's peer: a minimal node:http + pg token endpoint that does only the
 * unavoidable work of a rotation, as the hand-written servers of the FastAPI follow-ups do:
 *   - one compare-and-swap UPDATE (the presented token, unused and unexpired, is marked used),
 *   - one INSERT (its successor),
 *   - an HS256 access token signed with node:crypto, and the JSON answer.
 * No reuse detection, no grace window, no user check: the floor gatehouse is measured against.
 *
 *   node --import tsx bench/refresh-peer-server.ts    (env: BENCH_PG_URL, BENCH_SECRET)
 * Prints "READY <port>" once listening. Tokens are seeded by the benchmark (table peer_refresh_tokens).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

const TABLE_SQL = `CREATE TABLE IF NOT EXISTS peer_refresh_tokens (
  token_hash text PRIMARY KEY, family text NOT NULL, username text NOT NULL,
  used boolean NOT NULL DEFAULT false, expires_at bigint NOT NULL)`;
const ROTATE_SQL = `UPDATE peer_refresh_tokens SET used = true
  WHERE token_hash = $1 AND NOT used AND expires_at > $2 RETURNING family, username`;
const INSERT_SQL = 'INSERT INTO peer_refresh_tokens (token_hash, family, username, expires_at) VALUES ($1, $2, $3, $4)';
const ACCESS_TTL = 15 * 60;
const REFRESH_TTL = 30 * 24 * 3600;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const b64 = (text: string) => Buffer.from(text).toString('base64url');

function signHs256(claims: object, secret: string): string {
  const head = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** Create the table and `count` live tokens for `username`; the tokens, one per family. */
export async function seedPeerTokens(pool: pg.Pool, username: string, count: number): Promise<string[]> {
  await pool.query(TABLE_SQL);
  await pool.query('TRUNCATE peer_refresh_tokens');
  const tokens: string[] = [];
  const expires = Math.floor(Date.now() / 1000) + REFRESH_TTL;
  for (let i = 0; i < count; i++) {
    const token = randomBytes(32).toString('base64url');
    await pool.query(INSERT_SQL, [sha256(token), randomBytes(16).toString('base64url'), username, expires]);
    tokens.push(token);
  }
  return tokens;
}

async function main(): Promise<void> {
  const secret = process.env.BENCH_SECRET ?? '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
  const pool = new pg.Pool({ connectionString: process.env.BENCH_PG_URL, max: 10 });
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', async () => {
      const form = new URLSearchParams(body);
      const presented = form.get('refresh_token');
      const reply = (status: number, json: object) => {
        response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify(json));
      };
      if (form.get('grant_type') !== 'refresh_token' || !presented) return reply(400, { error: 'invalid_request' });
      try {
        const now = Math.floor(Date.now() / 1000);
        const { rows } = await pool.query(ROTATE_SQL, [sha256(presented), now]);
        if (rows.length !== 1) return reply(400, { error: 'invalid_grant' });
        const { family, username } = rows[0] as { family: string; username: string };
        const successor = randomBytes(32).toString('base64url');
        await pool.query(INSERT_SQL, [sha256(successor), family, username, now + REFRESH_TTL]);
        const access = signHs256({ sub: username, exp: now + ACCESS_TTL }, secret);
        reply(200, { access_token: access, token_type: 'bearer', expires_in: ACCESS_TTL, refresh_token: successor });
      } catch {
        reply(503, { error: 'temporarily_unavailable' });
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`READY ${typeof address === 'object' && address ? address.port : 0}`);
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) void main();
