/**
 * In-process microbenchmark of the authenticated GET /users/me/ hot path: the Node adapter's
 * Request (createNodeRequest over a stand-in IncomingMessage) through createAuthHandler, the light
 * response's parts read as serve.ts reads them. No sockets: it shows what gatehouse itself spends
 * per request, next to the no-auth handler on the same Request shape.
 *
 *   node --import tsx bench/http-hotpath.bench.ts        HOTPATH_N=200000 HOTPATH_ROUNDS=5 by default
 *   node --cpu-prof --import tsx bench/http-hotpath.bench.ts gatehouse   (profile one side)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthHandler } from '../src/http/index.js';
import { type PartsHandler, RESPOND_PARTS, jsonParts } from '../src/http/response.js';
import { createNodeRequest, requestUrl } from '../src/node/request.js';
import { CryptContext } from '../src/passwords/registry.js';
import { johndoeToken, KEY, PUBLIC, SEED } from './http-common.js';

const N = Number(process.env.HOTPATH_N ?? 200_000);
const ROUNDS = Number(process.env.HOTPATH_ROUNDS ?? 5);


const authorization = `Bearer ${johndoeToken()}`;
const socket = { encrypted: false, localAddress: '127.0.0.1', localPort: 8000 };
const res = { once() {}, writableFinished: true } as unknown as ServerResponse;

/** What node:http hands the listener for `GET /users/me/` from autocannon. */
function incoming(): IncomingMessage {
  return {
    method: 'GET',
    url: '/users/me/',
    headers: { host: '127.0.0.1:8000', authorization, connection: 'keep-alive' },
    socket,
    complete: true,
  } as unknown as IncomingMessage;
}

// What gatehouse/node calls: a gatehouse handler's parts function.
type Handler = PartsHandler;

async function once(handler: Handler): Promise<number> {
  const message = incoming();
  const request = createNodeRequest(message, res, requestUrl(message)!);
  const result = handler(request);
  const parts = result instanceof Promise ? await result : result;
  return parts.status;
}

async function run(name: string, handler: Handler): Promise<number> {
  if ((await once(handler)) !== 200) throw new Error(`${name}: not 200`);
  for (let i = 0; i < 20_000; i++) await once(handler); // warm up
  // CPU time, not wall time: other load on the machine then matters less.
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) await once(handler);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / N;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const context = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto', settings: { bcrypt: { rounds: 12 } } });
  const gatehouse = createAuthHandler({ users: SEED, key: KEY, context });
  await gatehouse.auth.ready;
  const noauth: Handler = () => jsonParts(JSON.stringify(PUBLIC));
  const only = process.argv[2];
  const sides: Array<[string, Handler]> = [['gatehouse', (gatehouse as unknown as Record<symbol, Handler>)[RESPOND_PARTS]!], ['noauth', noauth]];
  const results = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, handler] of sides) {
      if (only && only !== name) continue;
      const list = results.get(name) ?? [];
      list.push(await run(name, handler));
      results.set(name, list);
    }
  }
  for (const [name, list] of results) {
    console.log(`  ${name.padEnd(10)} ${median(list).toFixed(2)} µs CPU/request (median of ${list.map((v) => v.toFixed(2)).join(', ')})`);
  }
  const g = results.get('gatehouse');
  const n = results.get('noauth');
  if (g && n) console.log(`  gatehouse - noauth = ${(median(g) - median(n)).toFixed(2)} µs per request`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
