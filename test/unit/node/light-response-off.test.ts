/**
 * `serve(handler, { lightResponses: false })` leaves the global Response alone; serve() without the
 * option replaces it (as @hono/node-server does). Its own file: the replacement lasts for the process.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../../../src/node/index.js';

describe('serve and the global Response', () => {
  it('lightResponses: false keeps undici\'s Response; the default installs the light one', async () => {
    const Native = globalThis.Response;
    const handler = () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
    const off = await serve(handler, { port: 0, lightResponses: false });
    try {
      expect(globalThis.Response).toBe(Native);
      const answer = await fetch(`${off.url}/`);
      expect([answer.status, await answer.text()]).toEqual([200, '{"ok":true}']);
    } finally {
      await off.close();
    }
    const on = await serve(handler, { port: 0 });
    try {
      expect(globalThis.Response).not.toBe(Native);
      expect(new Response('x')).toBeInstanceOf(Native);
      const answer = await fetch(`${on.url}/`);
      expect([answer.status, answer.headers.get('content-type'), await answer.text()]).toEqual([200, 'application/json', '{"ok":true}']);
    } finally {
      await on.close();
    }
  });
});
