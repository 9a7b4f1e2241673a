/**
 * The adapter and the auth hot path under wrk (one thread, few connections), side by side with
 * @hono/node-server in the same run, rounds interleaved, medians reported; gatehouse as built (npm
 * run build first), as the peers are compiled JavaScript:
 *   - dist-plain vs hono-plain: `() => new Response(json)` on gatehouse/node's serve() and on
 *     @hono/node-server (the adapter alone)
 *   - dist-gatehouse: GET /users/me/ with a valid token through createAuthHandler on serve(),
 *     against hono-noauth (the same JSON without authentication on @hono/node-server)
 *   - cli-sqlite, cli-sqlite-kept, cli-memory, cli-json: the same request through the real CLI,
 *     `node dist/cli/index.js serve` (what `npm start` runs), with the users in a seeded SQLite file
 *     (`--database sqlite:FILE --seed-demo`; -kept: a file seeded so before, see startCli), in memory
 *     (no flag), or in a JSON file (`--users FILE`); each against hono-noauth. Not in the default
 *     set: BENCH_KINDS=cli-sqlite,cli-sqlite-kept,cli-memory,cli-json,hono-noauth.
 *     BENCH_CLI=path/to/cli/index.js runs another build (say, a copy of dist/ made before a change)
 *     as cli-*-b, so that two builds alternate in the same run: BENCH_KINDS=cli-sqlite,cli-sqlite-b,hono-noauth.
 *
 * Each ratio is given two ways: as req/s, and per CPU (the peer's server CPU time per request over
 * ours, from /proc: Linux only).
 *
 * BENCH_PAIRED=hono-noauth: on a machine shared with other work, req/s (and less so CPU per request)
 * swings by several times from one run to the next. Then each kind runs at the same time as its own
 * hono-noauth server, each under its own wrk: both see the same load at the same moment, take equal
 * shares of the CPU, and the ratio of their req/s is taken in each round (median over the rounds).
 *
 *   npm run bench:http-wrk    BENCH_SECONDS=5 BENCH_CONNECTIONS=10 BENCH_ROUNDS=3 by default
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, startServer, stop } from './harness.js';
import { KEY, SEED, johndoeToken } from './http-common.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KINDS = (process.env.BENCH_KINDS ?? 'dist-plain,hono-plain,dist-gatehouse,hono-noauth').split(',');
const PAIRED = process.env.BENCH_PAIRED;

interface Run {
  /** Requests per second (wrk). */
  rate: number;
  /** CPU time (user + system, every thread) of the server per request, in µs; NaN without /proc. */
  cpu: number;
}

function wrk(url: string, seconds: number, bearer: string): { rate: number; requests: number } {
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-H', `Authorization: Bearer ${bearer}`, url],
    { encoding: 'utf8' },
  );
  if (/Non-2xx/.test(out)) throw new Error(`non-2xx answers from ${url}:\n${out}`);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const requests = /(\d+) requests in/.exec(out);
  if (!rate || !requests) throw new Error(`no result from wrk:\n${out}`);
  return { rate: Number(rate[1]), requests: Number(requests[1]) };
}

/**
 * Clock ticks of CPU (utime + stime) a process has used, from /proc (Linux), or NaN. On a machine
 * shared with other work, req/s swings with what else runs; the server's own CPU per request does
 * much less, so both are reported.
 */
function cpuTicks(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5), after pid and comm
  } catch {
    return Number.NaN;
  }
}

const TICK_US = 1e6 / Number(process.env.BENCH_CLK_TCK ?? 100);

const CLI = new URL('../dist/cli/index.js', import.meta.url).pathname;
const CLI_B = process.env.BENCH_CLI;
let scratch: string | undefined;

/** `gatehouse serve` of the CLI at `cli` with `args`, running (SECRET_KEY: the key the bench token is signed with). */
async function spawnCli(cli: string, args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SECRET_KEY: KEY },
  });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    const match = /serving on (http:\/\/\S+?) /.exec(out);
    if (match) return { child, url: match[1]! };
  }
  throw new Error(`gatehouse serve ${args.join(' ')} did not start:\n${out}`);
}

/**
 * The built CLI (or BENCH_CLI for the *-b kinds) as a user starts it. cli-sqlite: a new file seeded
 * by --seed-demo (npm start the first time: the seeding leaves frames in the WAL); cli-sqlite-kept:
 * a file seeded so by a server that then stopped (npm start again, or users added by `gatehouse
 * user add`: the database closed cleanly, its WAL empty, and SQLite then also asks the file its size
 * at every read).
 */
async function startCli(kind: string): Promise<{ child: ChildProcess; url: string }> {
  scratch ??= mkdtempSync(join(tmpdir(), 'gatehouse-wrk-'));
  const other = kind.endsWith('-b');
  if (other && !CLI_B) throw new Error(`${kind} needs BENCH_CLI=path/to/cli/index.js`);
  const cli = other ? CLI_B! : CLI;
  const store = kind.replace(/^cli-|-b$/g, '');
  if (store === 'sqlite' || store === 'sqlite-kept') {
    const url = `sqlite:${join(scratch, `users-${Date.now()}-${Math.random().toString(36).slice(2)}.db`)}`;
    if (store === 'sqlite') return spawnCli(cli, ['--database', url, '--seed-demo']);
    const { child } = await spawnCli(cli, ['--database', url, '--seed-demo']);
    child.kill('SIGTERM'); // a graceful stop: the store closes the database
    if (child.exitCode === null) await once(child, 'exit');
    return spawnCli(cli, ['--database', url]);
  }
  if (store === 'json') {
    const file = join(scratch, 'users.json');
    writeFileSync(file, JSON.stringify(SEED));
    return spawnCli(cli, ['--users', file]);
  }
  if (store === 'memory') return spawnCli(cli, []);
  throw new Error(`unknown kind ${kind}`);
}

async function measure(kind: string, bearer: string): Promise<Run> {
  const { child, url } = kind.startsWith('cli-') ? await startCli(kind) : await startServer(kind);
  try {
    wrk(`${url}/users/me/`, 1, bearer); // warm-up: JIT, caches
    const before = cpuTicks(child.pid);
    const { rate, requests } = wrk(`${url}/users/me/`, SECONDS, bearer);
    return { rate, cpu: ((cpuTicks(child.pid) - before) * TICK_US) / requests };
  } finally {
    await stop(child);
  }
}

const run = promisify(execFile);

/** wrk without blocking this process (two run at once in the paired mode). */
async function wrkAsync(url: string, seconds: number, bearer: string): Promise<{ rate: number; requests: number }> {
  const { stdout } = await run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-H', `Authorization: Bearer ${bearer}`, url]);
  if (/Non-2xx/.test(stdout)) throw new Error(`non-2xx answers from ${url}:\n${stdout}`);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const requests = /(\d+) requests in/.exec(stdout);
  if (!rate || !requests) throw new Error(`no result from wrk:\n${stdout}`);
  return { rate: Number(rate[1]), requests: Number(requests[1]) };
}

const start = (kind: string) => (kind.startsWith('cli-') ? startCli(kind) : startServer(kind));

/** `kind` and `peer` served at once, each under its own wrk: kind's req/s over peer's, and peer's CPU per request over kind's. */
async function pairedRatio(kind: string, peer: string, bearer: string): Promise<Run> {
  const [a, b] = await Promise.all([start(kind), start(peer)]);
  try {
    const both = (seconds: number) =>
      Promise.all([wrkAsync(`${a.url}/users/me/`, seconds, bearer), wrkAsync(`${b.url}/users/me/`, seconds, bearer)]);
    await both(1); // warm-up
    const [ca, cb] = [cpuTicks(a.child.pid), cpuTicks(b.child.pid)];
    const [ra, rb] = await both(SECONDS);
    const cpuA = (cpuTicks(a.child.pid) - ca) / ra.requests;
    const cpuB = (cpuTicks(b.child.pid) - cb) / rb.requests;
    return { rate: ra.rate / rb.rate, cpu: cpuB / cpuA };
  } finally {
    await Promise.all([stop(a.child), stop(b.child)]);
  }
}

async function paired(peer: string) {
  const bearer = johndoeToken();
  const kinds = KINDS.filter((kind) => kind !== peer);
  const ratios = new Map<string, Run[]>(kinds.map((kind) => [kind, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of kinds) ratios.get(kind)!.push(await pairedRatio(kind, peer, bearer));
  }
  console.log(`wrk -t1 -c${CONNECTIONS}, ${SECONDS} s, each kind at the same time as ${peer}, ${ROUNDS} rounds interleaved`);
  for (const [what, key] of [[`req/s of the kind over ${peer}'s in the same seconds`, 'rate'], [`${peer}'s server CPU per request over the kind's (requests per CPU second, relative)`, 'cpu']] as const) {
    console.log(`  ${what}: median [rounds]`);
    for (const [kind, values] of ratios) {
      const list = values.map((r) => r[key]);
      console.log(`  ${kind.padEnd(18)} ${median(list).toFixed(2)}x  [${list.map((r) => r.toFixed(2)).join(', ')}]`);
    }
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

async function main() {
  if (PAIRED) return paired(PAIRED);
  const bearer = johndoeToken();
  const runs = new Map<string, Run[]>(KINDS.map((kind) => [kind, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of KINDS) runs.get(kind)!.push(await measure(kind, bearer));
  }
  const rates = new Map([...runs].map(([kind, values]) => [kind, median(values.map((run) => run.rate))]));
  const cpus = new Map([...runs].map(([kind, values]) => [kind, median(values.map((run) => run.cpu))]));
  console.log(`wrk -t1 -c${CONNECTIONS}, ${SECONDS} s, ${ROUNDS} rounds interleaved; medians, rounds in brackets`);
  console.log('  req/s:');
  for (const [kind, values] of runs) {
    console.log(`  ${kind.padEnd(14)} ${fmt(rates.get(kind)!).padStart(8)}  [${values.map((run) => fmt(run.rate)).join(', ')}]`);
  }
  console.log('  server CPU per request (µs):');
  for (const [kind, values] of runs) {
    console.log(`  ${kind.padEnd(14)} ${cpus.get(kind)!.toFixed(1).padStart(8)}  [${values.map((run) => run.cpu.toFixed(1)).join(', ')}]`);
  }
  // a / b as req/s, and as requests per CPU second (b's CPU per request over a's): the ratio of the
  // medians, then the median of the ratios within each round (a and b measured a few seconds apart).
  const ratio = (a: string, b: string) => {
    const ra = runs.get(a);
    const rb = runs.get(b);
    if (!ra || !rb) return;
    const paired = (f: (x: Run, y: Run) => number) => median(ra.map((x, i) => f(x, rb[i]!))).toFixed(2);
    console.log(
      `  ${a} / ${b}: ${(rates.get(a)! / rates.get(b)!).toFixed(2)}x req/s, ${(cpus.get(b)! / cpus.get(a)!).toFixed(2)}x per CPU` +
        ` (round by round: ${paired((x, y) => x.rate / y.rate)}x, ${paired((x, y) => y.cpu / x.cpu)}x)`,
    );
  };
  ratio('dist-plain', 'hono-plain');
  ratio('dist-gatehouse', 'hono-noauth');
  ratio('dist-gatehouse', 'hono-plain');
  for (const kind of KINDS) if (kind.startsWith('cli-')) ratio(kind, 'hono-noauth');
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
