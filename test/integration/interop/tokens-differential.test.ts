/**
 * Differential fuzzing against jose: compact-JWS parsing, the HMAC/ECDSA checks and the claim rules of
 * verifyAccessToken are gatehouse's own (jose imports keys and fetches key sets), so random and mutated
 * tokens must get the same accept/refuse verdict from `verifyAccessToken` and jose's `jwtVerify`.
 *
 * gatehouse is stricter than jose's defaults in a few documented ways; the oracle is jose's verdict
 * followed by exactly those rules (`gatehouseExtraRules`), so any other disagreement fails the test.
 */
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { importTokenKey, verifyAccessToken } from '../../../dist/index.js';
import { random } from '../../helpers/random.js';

const NOW = 1_760_000_000;
const currentDate = new Date(NOW * 1000);
const encoder = new TextEncoder();
const b64 = (value: string | Uint8Array) =>
  Buffer.from(typeof value === 'string' ? encoder.encode(value) : value).toString('base64url');

/** gatehouse's rules beyond jose's defaults (README "Tokens"); null when they accept the token. */
function gatehouseExtraRules(token: string, header: Record<string, unknown>, payload: Record<string, unknown>): string | null {
  // RFC 7515 2: segments are base64url without padding (jose tolerates '=').
  if (!/^[\w-]*\.[\w-]*\.[\w-]*$/.test(token)) return 'padded or non-base64url segment';
  // RFC 7515 4.1.4: a kid is a string.
  if (header.kid !== undefined && typeof header.kid !== 'string') return 'kid must be a string';
  const own = (name: string) => (Object.hasOwn(payload, name) ? payload[name] : undefined);
  const isStrings = (v: unknown) => Array.isArray(v) && v.every((item) => typeof item === 'string');
  const sub = own('sub');
  if (typeof sub !== 'string' || sub === '') return 'sub must be a non-empty string';
  if (own('exp') === undefined) return 'exp is required';
  const iat = own('iat');
  if (typeof iat === 'number' && iat > NOW) return 'iat in the future';
  const iss = own('iss');
  if (iss !== undefined && typeof iss !== 'string') return 'iss must be a string';
  const jti = own('jti');
  if (jti !== undefined && typeof jti !== 'string') return 'jti must be a string';
  const scope = own('scope');
  if (scope !== undefined && typeof scope !== 'string' && !isStrings(scope)) return 'scope type';
  const aud = own('aud');
  if (aud !== undefined && typeof aud !== 'string' && !isStrings(aud)) return 'aud type';
  // A token naming an audience is refused when none is expected (PyJWT's rule).
  if (aud !== undefined && aud !== '' && !(Array.isArray(aud) && aud.length === 0)) return 'unexpected aud';
  return null;
}

type Verdict = 'accept' | 'refuse';

async function joseVerdict(token: string, key: Parameters<typeof jose.jwtVerify>[1], alg: string): Promise<Verdict> {
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(token, key, { algorithms: [alg], currentDate });
    return gatehouseExtraRules(token, protectedHeader as Record<string, unknown>, payload as Record<string, unknown>) === null ? 'accept' : 'refuse';
  } catch {
    return 'refuse';
  }
}

async function gatehouseVerdict(token: string, key: unknown): Promise<Verdict> {
  try {
    await verifyAccessToken(token, { key: key as never, currentDate });
    return 'accept';
  } catch (error) {
    // Only typed token errors count as a refusal; anything else is a bug.
    expect((error as { code?: string }).code, String(error)).toMatch(/^ERR_(TOKEN|JWT|JWS)/);
    return 'refuse';
  }
}

/** Random claims: half the time a valid set with one perturbation, else anything. */
function randomClaims(rand: () => number): Record<string, unknown> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const claims: Record<string, unknown> = rand() < 0.5 ? { sub: 'johndoe', exp: NOW + 1800, scope: 'me' } : {};
  const maybe = (p: number, name: string, values: readonly unknown[]) => {
    if (rand() < p) claims[name] = pick(values);
  };
  const p = Object.keys(claims).length > 0 ? 0.12 : 0.9;
  maybe(p, 'sub', ['johndoe', 'alice', '', 42, null, ['johndoe'], 'ü', ' ']);
  maybe(p, 'exp', [NOW + 1800, NOW + 1, NOW, NOW - 1, NOW - 3600, '9999999999', null, 1e300, -1, NOW + 0.5]);
  maybe(0.3, 'nbf', [NOW - 10, NOW, NOW + 1, NOW + 3600, 'x', null]);
  maybe(0.4, 'iat', [NOW - 10, NOW, NOW + 1, NOW + 3600, true, null]);
  maybe(0.2, 'iss', ['gatehouse', 7, null]);
  maybe(0.15, 'aud', ['api', ['api'], [], '', 5, [1]]);
  maybe(0.3, 'scope', ['me items', ['me'], [1], 3, '']);
  maybe(0.1, 'jti', ['id-1', 1]);
  maybe(0.1, 'extra', [{ nested: [1, 2, { deep: true }] }, 'text']);
  return claims;
}

/** A header JSON text: usually the right one, sometimes odd. */
function randomHeader(rand: () => number, alg: string): string {
  const variants = [
    { alg, typ: 'JWT' },
    { alg },
    { typ: 'JWT', alg },
    { alg, kid: 'k1' },
    { alg, kid: 7 },
    { alg: 'none' },
    { alg: alg === 'HS256' ? 'HS384' : 'HS256' },
    { alg: alg.toLowerCase() },
    { alg, crit: ['b64'], b64: true },
    { alg, crit: ['b64'], b64: false },
    { alg, crit: ['exp'] },
    { alg, crit: [] },
    { alg, b64: false },
    { alg: '' },
    { alg: null },
    {},
  ];
  const header = rand() < 0.5 ? variants[0]! : variants[Math.floor(rand() * variants.length)]!;
  return rand() < 0.05 ? `[${JSON.stringify(header)}]` : JSON.stringify(header);
}

/** Character-, segment- and encoding-level mutations of a token. */
function mutate(token: string, rand: () => number): string {
  const parts = token.split('.');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const at = (s: string) => Math.floor(rand() * Math.max(1, s.length));
  switch (Math.floor(rand() * 14)) {
    case 0: {
      const i = at(token);
      return token.slice(0, i) + alphabet[Math.floor(rand() * 64)] + token.slice(i + 1);
    }
    case 1:
      return `${parts[0]}.${parts[1]}.`;
    case 2:
      return `${parts[0]}.${parts[1]}`;
    case 3:
      return `${token}.`;
    case 4:
      return `${parts[0]}=.${parts[1]}.${parts[2]}`;
    case 5:
      return `${parts[0]}.${parts[1]}==.${parts[2]}`;
    case 6:
      return `${parts[0]}.${parts[1]}.${parts[2]}=`;
    case 7:
      return ` ${token}`;
    case 8:
      return `${parts[0]}.${parts[1]!.replace(/[A-Za-z]/, '+')}.${parts[2]}`;
    case 9:
      return `${parts[0]}.${parts[1]}.${parts[2]!.slice(0, -1)}`;
    case 10:
      return `${parts[1]}.${parts[0]}.${parts[2]}`;
    case 11:
      return `${parts[0]}.${parts[1]}.${parts[2]!.slice(0, -2)}${parts[2]!.slice(-1)}${parts[2]!.slice(-2, -1)}`;
    case 12:
      return token.replace(/\./, '..');
    default:
      return `${parts[0]}.${parts[1]}${alphabet[Math.floor(rand() * 64)]}.${parts[2]}`;
  }
}

const hmacSign = async (secret: Uint8Array<ArrayBuffer>, alg: string, input: string): Promise<string> => {
  const hash = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' }[alg] ?? 'SHA-256';
  const key = await crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash }, false, ['sign']);
  return b64(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(input))));
};

describe('verifyAccessToken agrees with jose.jwtVerify (differential fuzz)', () => {
  it('HS256: 3,000 random and mutated tokens get the same verdict', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const key = await importTokenKey(secret, { algorithms: ['HS256'] });
    const rand = random(0x9e3779b9);
    const tally = { accept: 0, refuse: 0 };
    for (let i = 0; i < 3000; i++) {
      const header = randomHeader(rand, 'HS256');
      let payloadText = JSON.stringify(randomClaims(rand));
      if (rand() < 0.03) payloadText = JSON.stringify([1, 2]);
      if (rand() < 0.02) payloadText = '{"sub":"johndoe","exp":' + (NOW + 60) + ',}'; // not JSON
      const headerAlg = (() => {
        try {
          return String(JSON.parse(header).alg);
        } catch {
          return 'HS256';
        }
      })();
      const input = `${b64(header)}.${b64(payloadText)}`;
      let token = `${input}.${await hmacSign(secret, headerAlg, input)}`;
      if (rand() < 0.4) token = mutate(token, rand);
      const expected = await joseVerdict(token, secret, 'HS256');
      const actual = await gatehouseVerdict(token, key);
      expect({ token, actual }).toEqual({ token, actual: expected });
      tally[actual]++;
    }
    // The generator must exercise both outcomes in earnest.
    expect(tally.accept).toBeGreaterThan(150);
    expect(tally.refuse).toBeGreaterThan(300);
  });

  it('ES256: 600 random and mutated tokens get the same verdict', async () => {
    const pair = await jose.generateKeyPair('ES256', { extractable: true });
    const key = await importTokenKey(await jose.exportSPKI(pair.publicKey), { algorithms: ['ES256'] });
    const rand = random(0x2545f491);
    const tally = { accept: 0, refuse: 0 };
    for (let i = 0; i < 600; i++) {
      const claims = randomClaims(rand);
      let token = await new jose.SignJWT(claims as jose.JWTPayload).setProtectedHeader({ alg: 'ES256' }).sign(pair.privateKey);
      if (rand() < 0.4) token = mutate(token, rand);
      const expected = await joseVerdict(token, pair.publicKey, 'ES256');
      const actual = await gatehouseVerdict(token, key);
      expect({ token, actual }).toEqual({ token, actual: expected });
      tally[actual]++;
    }
    expect(tally.accept).toBeGreaterThan(50);
    expect(tally.refuse).toBeGreaterThan(50);
  });
});
