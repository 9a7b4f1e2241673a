/**
 * The server of bench/limiter-fairness.bench.ts, in its own process: createAuthHandler on
 * gatehouse/node, users hashed with bcrypt cost 10 (the default of this context). GATEHOUSE_ROOT
 * points at another checkout to measure it (before/after). Prints READY <port>.
 */
const root = process.env.GATEHOUSE_ROOT ?? new URL('..', import.meta.url).pathname;
const { createAuthHandler } = await import(`${root}/src/http/index.ts`);
const { serve } = await import(`${root}/src/node/index.ts`);
const { CryptContext } = await import(`${root}/src/index.ts`);

const KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
const context = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 10 } } });
const hash = await context.hash('secret');
const users: Record<string, unknown> = {};
for (const name of ['johndoe', 'alice', 'bob', 'carol', 'dave']) users[name] = { username: name, hashed_password: hash, disabled: false };
// throttle: false isolates the login queue: the flood is on the real user's own username, which the
// login throttle would (rightly) slow down for everyone (bench:throttle measures that).
const server = await serve(createAuthHandler({ users, key: KEY, context, docs: false, throttle: false }), { port: 0 });
process.stdout.write(`READY ${new URL(server.url).port}\n`);
