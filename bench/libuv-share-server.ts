/**
 * The server of bench/libuv-share.bench.ts, in its own process: the built package (GATEHOUSE_DIST,
 * default dist/: `npm run build` first) serving createAuthHandler with scrypt, the default scheme
 * (OWASP's N=2^17, or 2^BENCH_SCRYPT_LN), over a JSON-file store holding johndoe ("secret"), throttle off (one client's
 * unknown names are the load, not something to slow down). UV_THREADPOOL_SIZE comes from the
 * environment; BENCH_HASHING_POOL=off turns the hashing pool off. Prints READY <port>; answers 'cpu' over IPC with its CPU time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.env.GATEHOUSE_DIST ?? new URL('../dist', import.meta.url).pathname;
const { createAuthHandler, configureHashingPool, CryptContext, OWASP_SETTINGS } = await import(`${dist}/index.js`);
const { serve, createJsonFileUserStore } = await import(`${dist}/node/index.js`);

const KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-bench-')), 'users.json');
const johndoe = { username: 'johndoe', full_name: 'John Doe', email: 'johndoe@example.com', disabled: false };
const ln = Number(process.env.BENCH_SCRYPT_LN ?? OWASP_SETTINGS.scrypt.ln);
const context = new CryptContext({ schemes: ['scrypt'], settings: { scrypt: { ...OWASP_SETTINGS.scrypt, ln } } });
writeFileSync(file, JSON.stringify({ johndoe: { ...johndoe, hashed_password: await context.hash('secret') } }));

// BENCH_HASHING_POOL=off: every hash on node:crypto (libuv), BENCH_LOGIN_CONCURRENCY checks at once (default 2).
const poolOff = process.env.BENCH_HASHING_POOL === 'off';
if (poolOff) configureHashingPool(false);
const loginConcurrency = poolOff ? Number(process.env.BENCH_LOGIN_CONCURRENCY ?? 2) : undefined;
const handler = createAuthHandler({ users: createJsonFileUserStore(file), key: KEY, context, docs: false, throttle: false, loginConcurrency });
const server = await serve(handler, { port: 0 });
process.on('message', (message) => {
  if (message === 'cpu') process.send?.(process.cpuUsage());
});
process.stdout.write(`READY ${new URL(server.url).port}\n`);
