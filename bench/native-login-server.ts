/**
 * The peer of the login benchmark: what a Node developer writes by hand with native hashing, a
 * plain node:http server answering POST /token (form body, @node-rs/bcrypt or @node-rs/argon2
 * verify on the libuv pool, an HS256 token by node:crypto) and GET /users/me/ (HMAC check).
 */
import { verify as argon2Verify } from '@node-rs/argon2';
import { compare as bcryptCompare } from '@node-rs/bcrypt';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { KEY, PUBLIC } from './http-common.js';

type Users = Record<string, { username: string; hashed_password: string }>;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = b64({ alg: 'HS256', typ: 'JWT' });
const sign = (input: string) => createHmac('sha256', KEY).update(input).digest('base64url');

function checkPassword(password: string, hash: string): Promise<boolean> {
  return hash.startsWith('$argon2') ? argon2Verify(hash, password) : bcryptCompare(password, hash);
}

export function startNativeLoginServer(users: Users): Promise<number> {
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/token') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', async () => {
        const form = new URLSearchParams(body);
        const user = users[form.get('username') ?? ''];
        if (!user || !(await checkPassword(form.get('password') ?? '', user.hashed_password))) {
          json(401, { detail: 'Incorrect username or password' });
          return;
        }
        const input = `${HEADER}.${b64({ sub: user.username, exp: Math.floor(Date.now() / 1000) + 1800 })}`;
        json(200, { access_token: `${input}.${sign(input)}`, token_type: 'bearer' });
      });
      return;
    }
    if (req.method === 'GET' && req.url === '/users/me/') {
      const [header, payload, signature] = (req.headers.authorization ?? '').replace(/^Bearer /, '').split('.');
      const expected = Buffer.from(sign(`${header}.${payload}`));
      if (!signature || expected.length !== signature.length || !timingSafeEqual(expected, Buffer.from(signature))) {
        json(401, { detail: 'Could not validate credentials' });
        return;
      }
      json(200, PUBLIC);
      return;
    }
    json(404, { detail: 'Not Found' });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}
