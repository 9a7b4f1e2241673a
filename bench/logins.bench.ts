/**
 * Logins per second through createAuthHandler on Node (the built package: `npm run build` first;
 * gatehouse/node, hashing pool on) with 4
 * concurrent clients POSTing /token, against a plain node:http server doing the same with
 * @node-rs/bcrypt or @node-rs/argon2 (bench/native-login-server.ts), each server in its own
 * process. Meanwhile GET /users/me/ is read with a valid token at a fixed rate (GET_RATE, 100/s
 * by default, latencies corrected for coordinated omission): its p99 shows whether logging in
 * starves other requests. The rate is fixed so that both servers get the same reads: a reader as
 * fast as it can go (GET_RATE=0) sends most to the server that answers it soonest, and that
 * server then spends its cores on reads (108k against 13k in 8 s, in one run here) while the other
 * spends them on logins. The server's CPU per login is reported beside the rate.
 * Two hashes: bcrypt cost 12 (FastAPI's old seed) and FastAPI's current argon2id (m=65536, t=3,
 * p=4). Target: at least 0.8x the native server's logins/s (argon2: 0.95x, gatehouse on
 * @node-rs/argon2 as the peer is) with GET /users/me/ p99 under 20 ms. The argon2 row also runs
 * gatehouse with @node-rs/argon2 hidden (dist-argon2-wasm: the WebAssembly core on the hashing
 * pool, as where the optional peer is not installed), and shows which path answered (the server's
 * argon2NativeStatus). Servers alternate round by round.
 *
 *   npm run bench:logins      BENCH_SECONDS=8 BENCH_ROUNDS=3 GET_RATE=100 by default
 *                             BENCH_ONLY=argon2 (or bcrypt): that row alone
 */
import { once } from 'node:events';
import { johndoeToken } from './http-common.js';
import { cpuOf, load, startServer, stop } from './harness.js';
import { median } from './stalls.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GET_RATE = Number(process.env.GET_RATE ?? 100);
const ONLY = process.env.BENCH_ONLY ?? '';

interface Run {
  loginsPerSecond: number;
  meP99: number;
  reads: number;
  cpuPerLogin: number;
  failures: number;
  /** The server's argon2NativeStatus after the run (dist-argon2*), else null. */
  argon2: { available: boolean; derivations: number } | null;
}

async function argon2StatusOf(child: import('node:child_process').ChildProcess): Promise<Run['argon2']> {
  child.send('argon2');
  const [status] = (await once(child, 'message')) as [Run['argon2']];
  return status;
}

async function run(kind: string): Promise<Run> {
  const { child, url } = await startServer(kind);
  try {
    const login = {
      url: `${url}/token`,
      method: 'POST',
      connections: 4,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=johndoe&password=secret',
    };
    // Warm-up: JIT, the hashing pool's workers and their WebAssembly (which took over 7 s to
    // answer a first login here on a loaded machine): 8 logins, all answered, so that no
    // abandoned hash is still running when the measured run starts.
    await load({ ...login, amount: 8, timeout: 60 });
    const me = {
      url: `${url}/users/me/`,
      headers: { authorization: `Bearer ${johndoeToken()}` },
      ...(GET_RATE > 0 ? { connections: 2, overallRate: GET_RATE } : { connections: 1 }),
    };
    const cpuBefore = await cpuOf(child);
    const [logins, reads] = await Promise.all([load({ ...login, duration: SECONDS }), load({ ...me, duration: SECONDS })]);
    const cpu = (await cpuOf(child)) - cpuBefore;
    const argon2 = await argon2StatusOf(child);
    return {
      loginsPerSecond: logins['2xx'] / SECONDS, // refused ones (429) are failures, not logins
      meP99: reads.latency.p99,
      reads: reads.requests.total,
      cpuPerLogin: cpu / 1000 / Math.max(1, logins['2xx']),
      failures: logins.non2xx + logins.errors + reads.non2xx + reads.errors,
      argon2,
    };
  } finally {
    await stop(child);
  }
}

const reader = GET_RATE > 0 ? `GET /users/me/ at ${GET_RATE}/s` : 'GET /users/me/ as fast as one client goes';
console.log(`logins/s with 4 concurrent clients, ${reader}, ${SECONDS} s per run, ${ROUNDS} rounds, node ${process.version}`);
for (const [label, ours, theirs, target, extra] of [
  ['bcrypt cost 12', 'dist-bcrypt', 'rs-bcrypt', 0.8, null],
  ['argon2id m=65536,t=3,p=4 (FastAPI tutorial)', 'dist-argon2', 'rs-argon2', 0.95, 'dist-argon2-wasm'],
] as const) {
  if (ONLY && !label.startsWith(ONLY)) continue;
  const kinds: string[] = extra ? [ours, theirs, extra] : [ours, theirs];
  const results: Record<string, Run[]> = Object.fromEntries(kinds.map((kind) => [kind, []]));
  for (let r = 0; r < ROUNDS; r++) for (const kind of kinds) results[kind]!.push(await run(kind));
  console.log(`\n${label}`);
  for (const kind of kinds) {
    const all = results[kind]!;
    const status = all[all.length - 1]!.argon2;
    const path = status ? `   argon2 ${status.available ? `@node-rs/argon2 (${status.derivations} native derivations in the last run's process)` : 'WebAssembly'}` : '';
    console.log(
      `  ${kind.padEnd(18)} ${median(all.map((x) => x.loginsPerSecond)).toFixed(2).padStart(7)} logins/s` +
        `   GET /users/me/ p99 ${median(all.map((x) => x.meP99))} ms (${median(all.map((x) => x.reads))} reads)` +
        `   CPU ${median(all.map((x) => x.cpuPerLogin)).toFixed(0)} ms/login   failures ${all.reduce((n, x) => n + x.failures, 0)}` +
        `   runs: ${all.map((x) => x.loginsPerSecond.toFixed(2)).join(', ')}${path}`,
    );
  }
  const rate = (kind: string) => median(results[kind]!.map((x) => x.loginsPerSecond));
  console.log(`  gatehouse / native: ${(rate(ours) / rate(theirs)).toFixed(2)}x logins/s (target >= ${target}x)`);
  if (extra) console.log(`  gatehouse without @node-rs/argon2 (WebAssembly) / native: ${(rate(extra) / rate(theirs)).toFixed(2)}x logins/s`);
}
