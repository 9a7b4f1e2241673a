/**
 * The checks every runtime runs against the built package. Plain JavaScript with no imports: the
 * caller passes the package and the fixtures, so this one file runs unchanged under Node, Deno,
 * Bun, workerd and a browser. It returns plain JSON; test/integration/runtimes/runtimes.test.ts asserts the values.
 *
 * Each step is caught on its own, so one failure still leaves the others' answers to compare.
 */

const WRONG_SUFFIX = '!';

/** Facts about the runtime that decide gatehouse's paths (the library does not report them). */
async function probeEnvironment() {
  let nodeCryptoScrypt = false;
  let nodeCryptoArgon2 = false;
  try {
    const proc = globalThis.process;
    const crypto = typeof proc?.getBuiltinModule === 'function' ? proc.getBuiltinModule('node:crypto') : undefined;
    nodeCryptoScrypt = typeof crypto?.scrypt === 'function';
    nodeCryptoArgon2 = typeof crypto?.argon2 === 'function';
  } catch {
    nodeCryptoScrypt = false;
  }
  let wasmFromBytes = false;
  try {
    // The empty module: refused where WebAssembly may not be compiled from bytes (Workers).
    await WebAssembly.instantiate(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    wasmFromBytes = true;
  } catch {
    wasmFromBytes = false;
  }
  let simd = false;
  try {
    // The smallest SIMD128 function, as runtime.ts probes it.
    simd = WebAssembly.validate(
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, ...new Array(16).fill(0), 11]),
    );
  } catch {
    simd = false;
  }
  return {
    // runtime.ts takes node:crypto's scrypt exactly when process.getBuiltinModule('node:crypto') has it.
    scryptPath: nodeCryptoScrypt ? 'node:crypto' : '@noble/hashes',
    // kdf/argon2.ts: node:crypto's argon2 (Node >= 24.7), else the WebAssembly core, else @noble/hashes.
    argon2Path: nodeCryptoArgon2 ? 'node:crypto' : wasmFromBytes ? (simd ? 'wasm-simd' : 'wasm-scalar') : '@noble/hashes',
    // kdf/bcrypt.ts runs its WebAssembly core where WebAssembly.instantiate(bytes) works, else TypeScript.
    bcryptCore: wasmFromBytes ? 'wasm' : 'js',
  };
}

function describeError(error) {
  return {
    error: error?.name ?? typeof error,
    code: typeof error?.code === 'string' ? error.code : null,
    message: String(error?.message ?? error),
  };
}

/** The `code` of the error `run` throws, or 'NO_ERROR'. */
async function errorCode(run) {
  try {
    await run();
    return 'NO_ERROR';
  } catch (error) {
    return typeof error?.code === 'string' ? error.code : `${error?.name}: ${error?.message}`;
  }
}

/** 1. Hashes made by other systems verify, and wrong passwords do not. */
async function knownHashes(gh, { hashes }) {
  const out = [];
  for (const { system, scheme, password, hash } of hashes.vectors) {
    out.push({
      system,
      scheme,
      identified: gh.getDefaultContext().identify(hash),
      right: await gh.verifyPassword(password, hash),
      wrong: await gh.verifyPassword(password + WRONG_SUFFIX, hash),
    });
  }
  return out;
}

/** 2. New bcrypt and scrypt hashes through a CryptContext; the hashes go back for an independent check. */
async function freshHashes(gh) {
  const context = new gh.CryptContext({
    schemes: ['bcrypt', 'scrypt'],
    deprecated: 'auto',
    settings: { bcrypt: { rounds: 4 }, scrypt: { ln: 10 } },
  });
  const password = 'pässwörd 🔑';
  const out = { defaultScheme: context.defaultScheme };
  for (const scheme of ['bcrypt', 'scrypt']) {
    const hash = await context.hash(password, { scheme });
    out[scheme] = {
      hash,
      identified: context.identify(hash),
      right: await context.verify(password, hash),
      wrong: await context.verify(password + WRONG_SUFFIX, hash),
      needsUpdate: context.needsUpdate(hash),
    };
  }
  // A right password on a deprecated (scrypt) hash comes back with a bcrypt hash of the policy.
  const upgrade = await context.verifyAndUpdate(password, out.scrypt.hash);
  out.upgrade = { valid: upgrade.valid, newHash: upgrade.newHash };
  return out;
}

/**
 * 3. PBKDF2 above workerd's 100,000-iteration Web Crypto cap (Werkzeug's 600,000, Django's
 * 870,000): the hashes those systems made verify, and a wrong password does not.
 */
function pbkdf2AboveCap(gh, { pbkdf2AboveCap: fixture }) {
  return knownHashes(gh, { hashes: fixture });
}

/**
 * 4. argon2: FastAPI's tutorial hash (pwdlib's argon2id, m=65536, t=3, p=4) verifies, and a fresh
 * argon2id hash goes back for an independent check.
 */
async function argon2(gh, { argon2: fixture }) {
  const context = new gh.CryptContext({ schemes: ['argon2'], settings: { argon2: { memoryCost: 256, timeCost: 2, parallelism: 2 } } });
  const hash = await context.hash(fixture.freshPassword);
  return {
    tutorialRight: await gh.verifyPassword(fixture.password, fixture.hash),
    tutorialWrong: await gh.verifyPassword(fixture.password + WRONG_SUFFIX, fixture.hash),
    fresh: { hash, right: await context.verify(fixture.freshPassword, hash), wrong: await context.verify(fixture.password, hash) },
  };
}

/** 5. Access tokens: PyJWT's tokens reproduced and verified, tampering and expiry refused. */
async function accessTokens(gh, { tokens }) {
  if (typeof gh.createAccessToken !== 'function' || typeof gh.verifyAccessToken !== 'function') {
    return { pending: 'createAccessToken/verifyAccessToken are not exported by the package' };
  }
  const { secret, seed_token: seedToken, seed_claims: seedClaims } = tokens;
  const issuedAt = new Date((seedClaims.exp - 900) * 1000);
  const created = await gh.createAccessToken({ sub: seedClaims.sub }, { key: secret, expiresIn: 900, currentDate: issuedAt });
  const claims = await gh.verifyAccessToken(seedToken, { key: secret });
  const lastChar = seedToken.at(-1) === 'A' ? 'B' : 'A';
  const pyjwt = {};
  for (const { alg, key, token } of tokens.pyjwt) {
    pyjwt[alg] = { ...(await gh.verifyAccessToken(token, { key, algorithms: [alg] })) };
  }
  return {
    matchesPyJwt: created === seedToken,
    created,
    claims: { ...claims },
    pyjwt,
    tampered: await errorCode(() => gh.verifyAccessToken(seedToken.slice(0, -1) + lastChar, { key: secret })),
    wrongKey: await errorCode(() => gh.verifyAccessToken(seedToken, { key: `${secret}x` })),
    expired: await errorCode(() =>
      gh.verifyAccessToken(seedToken, { key: secret, currentDate: new Date((seedClaims.exp + 1) * 1000) }),
    ),
  };
}

async function describeResponse(response) {
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    body,
  };
}

/** 6. The tutorial's flow through the fetch handler: log in, then read /users/me/ with the token. */
async function fetchHandler(gh, { tokens }) {
  if (typeof gh.createAuthHandler !== 'function') {
    return { pending: 'createAuthHandler is not exported by the package' };
  }
  const context = new gh.CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 4 } } });
  const johndoe = {
    username: 'johndoe',
    full_name: 'John Doe',
    email: 'johndoe@example.com',
    hashed_password: await context.hash('secret'),
    disabled: false,
  };
  const handler = gh.createAuthHandler({ users: { johndoe }, key: tokens.secret, context, docs: false });
  const base = 'http://gatehouse.test';
  const login = (password) =>
    handler(
      new Request(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'johndoe', password }),
      }),
    );
  const me = (authorization) =>
    handler(new Request(`${base}/users/me/`, { headers: authorization ? { authorization } : {} }));

  const loginStarted = Math.floor(Date.now() / 1000);
  const loggedIn = await describeResponse(await login('secret'));
  const loginEnded = Math.ceil(Date.now() / 1000);
  const token = loggedIn.body?.access_token;
  const out = { login: { ...loggedIn, body: { ...loggedIn.body, access_token: typeof token } } };
  if (typeof token === 'string') {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    // The handler's default lifetime is the tutorial's 30 minutes from the moment it signed, which
    // lies somewhere within the login (a cost-12 bcrypt can take seconds on a loaded machine).
    const issuedAt = payload.exp - 1800;
    out.tokenClaims = { sub: payload.sub, lifetimeIs30m: issuedAt >= loginStarted && issuedAt <= loginEnded };
    out.me = await describeResponse(await me(`Bearer ${token}`));
  }
  out.wrongPassword = await describeResponse(await login('wrong'));
  out.noToken = await describeResponse(await me(null));
  out.forgedToken = await describeResponse(await me(`Bearer ${tokens.seed_token.slice(0, -2)}AA`));
  return out;
}

/**
 * 7. Bun only: bcrypt is verified by Bun.password (counted) for $2b$/$2y$ passwords of 1..72 bytes,
 * and by gatehouse's own core past 72 bytes (Bun would pre-hash those with SHA-512).
 */
async function nativeBcrypt(gh, { hashes, bcryptLong }) {
  const password = globalThis.Bun?.password;
  if (!password) return 'not Bun';
  const verify = password.verify;
  let calls = 0;
  password.verify = (...args) => {
    calls++;
    return verify.apply(password, args);
  };
  try {
    const out = { short: [], long: null, nativeCallsShort: 0, nativeCallsLong: 0 };
    for (const { system, hash, password: pw } of hashes.vectors.filter((v) => v.scheme === 'bcrypt')) {
      out.short.push({ system, right: await gh.verifyPassword(pw, hash), wrong: await gh.verifyPassword(pw + WRONG_SUFFIX, hash) });
    }
    out.nativeCallsShort = calls;
    calls = 0;
    const cut = bcryptLong.password.slice(0, -1); // 70 ASCII bytes + 'ä' (2 bytes): the first 72 bytes
    out.long = {
      right: await gh.verifyPassword(bcryptLong.password, bcryptLong.hash),
      first72: await gh.verifyPassword(cut, bcryptLong.hash),
      wrong: await gh.verifyPassword('q' + bcryptLong.password.slice(1), bcryptLong.hash),
    };
    out.nativeCallsLong = calls;
    return out;
  } finally {
    password.verify = verify;
  }
}

/**
 * Run every step. `gatehouse` is the package's module namespace, `fixtures` the JSON files of
 * test/integration/runtimes/fixtures. Timings are reported apart from the results, which are exact.
 */
export async function runSmoke(gatehouse, fixtures) {
  const result = { env: await probeEnvironment() };
  const timings = {};
  const steps = { knownHashes, freshHashes, pbkdf2AboveCap, argon2, accessTokens, fetchHandler, nativeBcrypt };
  for (const [name, step] of Object.entries(steps)) {
    const start = Date.now();
    try {
      result[name] = await step(gatehouse, fixtures);
    } catch (error) {
      result[name] = describeError(error);
    }
    timings[name] = Date.now() - start;
  }
  result.timingsMs = timings;
  return result;
}
