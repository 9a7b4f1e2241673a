/**
 * The smoke checks under a command-line runtime (Node, Deno, Bun):
 *   <runtime> test/integration/runtimes/cli-entry.mjs /abs/path/to/dist/index.js
 * Prints one JSON line. Deno needs only --allow-read (the package and node_modules).
 */
import hashes from './fixtures/hashes.json' with { type: 'json' };
import tokens from './fixtures/tokens.json' with { type: 'json' };
import pbkdf2AboveCap from './fixtures/pbkdf2-above-cap.json' with { type: 'json' };
import argon2 from './fixtures/argon2.json' with { type: 'json' };
import bcryptLong from './fixtures/bcrypt-long.json' with { type: 'json' };
import { runSmoke } from './smoke.mjs';

function runtimeInfo() {
  if (globalThis.Deno) return { runtime: 'deno', version: globalThis.Deno.version.deno };
  if (globalThis.Bun) return { runtime: 'bun', version: globalThis.Bun.version };
  return { runtime: 'node', version: globalThis.process.versions.node };
}

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const distPath = args[0];
if (!distPath || !distPath.startsWith('/')) throw new Error('usage: cli-entry.mjs /absolute/path/to/dist/index.js');

const gatehouse = await import(new URL(distPath, 'file:///').href);
const result = await runSmoke(gatehouse, { hashes, tokens, pbkdf2AboveCap, argon2, bcryptLong });
console.log(JSON.stringify({ ...runtimeInfo(), ...result }));
