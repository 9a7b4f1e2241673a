/** Shared material for the HTTP tests: users hashed by bcryptjs, tokens crafted with node:crypto. */
import { createHmac } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { CryptContext } from '../../src/passwords/registry.js';
import type { UserRecord } from '../../src/users/index.js';

/** The tutorial's SECRET_KEY (the demo signs with its UTF-8 bytes). */
export const KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7';
export const BASE = 'http://testserver';

/** A cheap policy for tests: bcrypt at cost 4. */
export const context = new CryptContext({ schemes: ['bcrypt'], deprecated: 'auto', settings: { bcrypt: { rounds: 4 } } });

/** Users hashed by another implementation (bcryptjs), cost 4. */
export function makeUsers(): Record<string, UserRecord> {
  return {
    johndoe: {
      username: 'johndoe',
      full_name: 'John Doe',
      email: 'johndoe@example.com',
      hashed_password: bcryptjs.hashSync('secret', 4),
      disabled: false,
      role: 'admin', // extra fields are never shown
    },
    alice: {
      username: 'alice',
      full_name: 'Alice Wonderson',
      email: 'alice@example.com',
      hashed_password: bcryptjs.hashSync('secret2', 4),
      disabled: true,
    },
    minimal: { username: 'minimal', hashed_password: bcryptjs.hashSync('pw', 4) },
    nohash: { username: 'nohash', hashed_password: null },
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64u = (text: string | Buffer) => Buffer.from(text).toString('base64url');

/** A JWT made independently of gatehouse's token code (as the conformance kit does). */
export function craft(options: {
  payload: unknown;
  header?: unknown;
  secret?: string;
  signature?: string;
}): string {
  const header = options.header ?? { alg: 'HS256', typ: 'JWT' };
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(options.payload))}`;
  if (options.signature !== undefined) return `${input}.${options.signature}`;
  if ((header as { alg?: string }).alg === 'none') return `${input}.`;
  return `${input}.${createHmac('sha256', options.secret ?? KEY).update(input).digest('base64url')}`;
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

export function loginRequest(fields: Record<string, string>, path = '/token'): Request {
  return new Request(BASE + path, { method: 'POST', body: new URLSearchParams(fields) });
}

export function bearer(path: string, token: string, init: RequestInit = {}): Request {
  return new Request(BASE + path, { ...init, headers: { authorization: `Bearer ${token}` } });
}

/** Status, selected headers and body text of a Response. */
export async function read(response: Response) {
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    challenge: response.headers.get('www-authenticate'),
    text: await response.text(),
  };
}
