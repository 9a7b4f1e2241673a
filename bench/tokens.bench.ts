/**
 * HS256 access tokens: gatehouse against jose (raw secret and pre-imported CryptoKey), fast-jwt
 * (createVerifier/createSigner, no cache), jsonwebtoken and hono/jwt, side by side in one run.
 * Every contender gets the same tokens; rounds are interleaved so machine noise hits all alike;
 * the median of the rounds is reported, as operations per second and as ratios.
 *
 *   npm run bench:tokens [-- --ms 400 --rounds 5]
 *
 * "repeated" verifies one token over and over (gatehouse answers from its verified-token cache);
 * "fresh" cycles through 60,000 distinct tokens, so no cache can help (gatehouse's holds 1,000).
 * "sequential" awaits each call; "64 concurrent" keeps 64 calls in flight.
 */
import { createSecretKey } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { sign as honoSign, verify as honoVerify } from 'hono/jwt';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { createAccessToken, importTokenKey, verifyAccessToken } from '../src/tokens/index.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const ROUND_MS = option('ms', 400);
const ROUNDS = option('rounds', 5);
const CONCURRENCY = 64;

const SECRET = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
const secretBytes = new TextEncoder().encode(SECRET);
const cryptoKey = await crypto.subtle.importKey('raw', secretBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
// jsonwebtoken given a string tries to parse it as a PEM key on every call: a KeyObject is its fast form.
const secretKeyObject = createSecretKey(Buffer.from(SECRET));
const key = await importTokenKey(SECRET);
const uncachedKey = await importTokenKey(SECRET, { cache: false });

// Distinct tokens in the seed's shape; made by jsonwebtoken so no contender verifies its own output.
const exp = Math.floor(Date.now() / 1000) + 3600;
const fresh = Array.from({ length: 60_000 }, (_, i) =>
  jsonwebtoken.sign({ sub: `user${i}`, scope: 'me items', exp }, secretKeyObject, { algorithm: 'HS256', noTimestamp: true }),
);
const repeated = fresh[0]!;

const fastVerify = createVerifier({ key: SECRET, algorithms: ['HS256'] });
const fastSign = createSigner({ key: SECRET, algorithm: 'HS256', noTimestamp: true });

type Op = (i: number) => unknown;
interface Contender {
  name: string;
  op: Op;
}

let cursor = 0;
const next = () => fresh[cursor++ % fresh.length]!;

const verifiers = (pick: () => string): Contender[] => [
  { name: 'gatehouse, imported key', op: () => verifyAccessToken(pick(), { key }) },
  { name: 'gatehouse, imported key, cache off', op: () => verifyAccessToken(pick(), { key: uncachedKey }) },
  { name: 'gatehouse, raw secret string', op: () => verifyAccessToken(pick(), { key: SECRET }) },
  { name: 'jose, pre-imported CryptoKey', op: () => jose.jwtVerify(pick(), cryptoKey, { algorithms: ['HS256'] }) },
  { name: 'jose, raw secret bytes', op: () => jose.jwtVerify(pick(), secretBytes, { algorithms: ['HS256'] }) },
  { name: 'fast-jwt createVerifier', op: () => fastVerify(pick()) },
  { name: 'jsonwebtoken verify (KeyObject)', op: () => jsonwebtoken.verify(pick(), secretKeyObject, { algorithms: ['HS256'] }) },
  { name: 'hono/jwt verify', op: () => honoVerify(pick(), SECRET, 'HS256') },
];

const signers: Contender[] = [
  { name: 'gatehouse, imported key', op: (i) => createAccessToken({ sub: `user${i}`, scope: 'me items' }, { key, expiresIn: '30m' }) },
  { name: 'gatehouse, raw secret string', op: (i) => createAccessToken({ sub: `user${i}`, scope: 'me items' }, { key: SECRET, expiresIn: '30m' }) },
  {
    name: 'jose, pre-imported CryptoKey',
    op: (i) =>
      new jose.SignJWT({ sub: `user${i}`, scope: 'me items' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setExpirationTime('30m').sign(cryptoKey),
  },
  {
    name: 'jose, raw secret bytes',
    op: (i) =>
      new jose.SignJWT({ sub: `user${i}`, scope: 'me items' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setExpirationTime('30m').sign(secretBytes),
  },
  { name: 'fast-jwt createSigner', op: (i) => fastSign({ sub: `user${i}`, scope: 'me items', exp }) },
  {
    name: 'jsonwebtoken sign (KeyObject)',
    op: (i) => jsonwebtoken.sign({ sub: `user${i}`, scope: 'me items' }, secretKeyObject, { expiresIn: '30m', noTimestamp: true }),
  },
  { name: 'hono/jwt sign', op: (i) => honoSign({ sub: `user${i}`, scope: 'me items', exp }, SECRET, 'HS256') },
];

/** Operations per second over one time slice, one call at a time or `concurrency` in flight. */
async function rate(op: Op, concurrency: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ROUND_MS;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() < end) {
      // Batches of 16 between clock reads: performance.now() is not free next to a cache hit.
      for (let j = 0; j < 16; j++) await op(done++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (done / (performance.now() - start)) * 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function table(title: string, contenders: Contender[], concurrency: number): Promise<Map<string, number>> {
  for (const c of contenders) await rate(c.op, concurrency); // warm-up: JIT, thread pool
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) samples.get(c.name)!.push(await rate(c.op, concurrency));
  }
  const result = new Map([...samples].map(([name, values]) => [name, median(values)]));
  const base = result.get('jose, pre-imported CryptoKey')!;
  console.log(`\n${title}`);
  console.log(`${'contender'.padEnd(38)}${'ops/s'.padStart(12)}${'x jose key'.padStart(12)}`);
  for (const [name, value] of result) {
    console.log(`${name.padEnd(38)}${Math.round(value).toLocaleString('en').padStart(12)}${(value / base).toFixed(2).padStart(12)}`);
  }
  return result;
}

// The same answers from every verifier first: a benchmark of wrong code is worthless.
for (const c of verifiers(() => repeated)) {
  const result = (await c.op(0)) as { sub?: string; payload?: { sub?: string } };
  if ((result.payload?.sub ?? result.sub) !== 'user0') throw new Error(`${c.name} disagrees`);
}
for (const c of signers) {
  const token = (await c.op(7)) as string;
  if ((await verifyAccessToken(token, { key: uncachedKey })).sub !== 'user7') throw new Error(`${c.name} signs wrongly`);
}

console.log(`node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms, median reported`);
const targets: string[] = [];
const check = (label: string, value: number, min: number) =>
  targets.push(`${value >= min ? 'met ' : 'MISS'}  ${label}: ${value.toFixed(2)} (target >= ${min})`);

for (const [mode, concurrency] of [['sequential', 1], [`${CONCURRENCY} concurrent`, CONCURRENCY]] as const) {
  const rep = await table(`verify, repeated token, ${mode}`, verifiers(() => repeated), concurrency);
  const fre = await table(`verify, fresh tokens, ${mode}`, verifiers(next), concurrency);
  const sig = await table(`sign, ${mode}`, signers, concurrency);
  check(`${mode}: repeated token (cache hit) / fast-jwt`, rep.get('gatehouse, imported key')! / rep.get('fast-jwt createVerifier')!, 1);
  check(`${mode}: fresh token / jose pre-imported key`, fre.get('gatehouse, imported key')! / fre.get('jose, pre-imported CryptoKey')!, 0.95);
  check(`${mode}: fresh token, cache off / jose pre-imported key`, fre.get('gatehouse, imported key, cache off')! / fre.get('jose, pre-imported CryptoKey')!, 0.95);
  check(`${mode}: fresh token / fast-jwt (informative)`, fre.get('gatehouse, imported key')! / fre.get('fast-jwt createVerifier')!, 0);
  check(`${mode}: sign / jose pre-imported key`, sig.get('gatehouse, imported key')! / sig.get('jose, pre-imported CryptoKey')!, 0.95);
}
console.log(`\ntargets\n${targets.join('\n')}`);
